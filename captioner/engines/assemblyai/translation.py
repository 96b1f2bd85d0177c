"""Live translation through AssemblyAI's LLM Gateway, inside the streaming session.

With ``llm_gateway`` in the connect parameters the service sends every
finished turn's text (in place of ``{{turn}}`` in our prompt) to a chat model
and answers with an ``LLMGatewayResponse`` event: ``turn_order``, the
``transcript`` it used, and ``data``, a chat-completion body whose
``choices[0].message.content`` is the translation.  Answers come seconds
after the turn and in any order; each connection numbers its turns from 0,
so the link maps ``turn_order`` to its own turn keys.

The gateway bills per token and needs a paid account; when it refuses, the
service says so in an ``Error``/close reason or in the body of a response
(``{"error": {"message": …}}``), and :func:`gateway_error` finds that text
so the user reads it.  A body that is neither a translation nor an error is
logged and skipped: the original caption stays, untranslated.
"""

from __future__ import annotations

import re
from typing import Any

# The gateway's model for translations: AssemblyAI's own real-time translation
# guide uses it (fast, cheap per token); any model name the gateway lists can
# be set instead (AssemblyAIConfig.translation_model).
DEFAULT_TRANSLATION_MODEL = "gemini-2.5-flash-lite"
# One caption's translation is a sentence or two; this bounds a runaway answer.
DEFAULT_TRANSLATION_MAX_TOKENS = 500
MAX_LANGUAGE_CHARS = 40

# Common targets: code → English name (what the prompt names; a settings list
# can show these and still accept any other name or code as free text).
COMMON_LANGUAGES: dict[str, str] = {
    "ar": "Arabic",
    "bn": "Bengali",
    "cs": "Czech",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "es": "Spanish",
    "fa": "Persian",
    "fi": "Finnish",
    "fr": "French",
    "he": "Hebrew",
    "hi": "Hindi",
    "hu": "Hungarian",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "nl": "Dutch",
    "no": "Norwegian",
    "pl": "Polish",
    "pt": "Portuguese",
    "pt-BR": "Brazilian Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sv": "Swedish",
    "th": "Thai",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "vi": "Vietnamese",
    "zh": "Chinese (Simplified)",
    "zh-TW": "Chinese (Traditional)",
}
_BY_LOWER = {code.lower(): name for code, name in COMMON_LANGUAGES.items()}
# Letters (any script), spaces, hyphens, parentheses:
# "fr", "pt-BR", "Français", "Chinese (Traditional)".
_LANGUAGE = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ \-()])*$")


def language_name(language: str) -> str:
    """The name the prompt uses: ``"fr"`` → ``"French"``; a name is kept as given."""
    language = language.strip()
    return _BY_LOWER.get(language.lower(), language)


def language_problem(language: str) -> str | None:
    """Why ``language`` cannot be a translation target, in plain words; ``None`` if it can."""
    text = language.strip()
    if not text:
        return "Choose the language to translate into."
    if len(text) > MAX_LANGUAGE_CHARS or not _LANGUAGE.match(text):
        return (
            "The translation language must be a language name or code such as "
            f"“French” or “fr” (at most {MAX_LANGUAGE_CHARS} letters), not “{text[:60]}”."
        )
    return None


def translation_prompt(language: str) -> str:
    """The gateway prompt: translate the turn (``{{turn}}``) into ``language``, nothing else."""
    name = language_name(language)
    return (
        "You translate live captions. Translate the caption below into "
        f"{name}. It is one turn of a live transcript and may be an unfinished "
        "sentence: translate exactly what it says, without completing, summarising "
        "or explaining it. Keep names, numbers and technical terms accurate. "
        f"If it is already in {name}, repeat it unchanged. Reply with the "
        "translation only: no quotation marks, labels, notes or the original text.\n\n"
        "Caption: {{turn}}"
    )


def gateway_error(data: Any) -> str | None:
    """The service's error text inside a response body (``{"error": …}``), if any."""
    if not isinstance(data, dict) or "error" not in data:
        return None
    error = data["error"]
    if isinstance(error, dict):
        message = error.get("message") or error.get("error") or error.get("type")
        if isinstance(message, str) and message.strip():
            return message.strip()
        return "unknown error"
    if isinstance(error, str) and error.strip():
        return error.strip()
    return "unknown error"


def translation_text(data: Any) -> str | None:
    """``choices[0].message.content`` of a chat-completion body, stripped; ``None`` if absent.

    Every step is checked (the body comes from a third-party model through
    the service): a missing key, a wrong type or an empty answer gives
    ``None`` rather than an exception on the SDK's read thread.
    """
    if not isinstance(data, dict):
        return None
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return None
    message = choices[0].get("message")
    if not isinstance(message, dict):
        return None
    content = message.get("content")
    if isinstance(content, list):  # content parts: [{"type": "text", "text": …}]
        content = (
            "".join(part.get("text", "") for part in content if isinstance(part, dict)) or None
        )
    if not isinstance(content, str):
        return None
    return content.strip() or None


_GATEWAY_WORDS = re.compile(r"llm[ _-]?gateway|\bllm\b|translation", re.IGNORECASE)


def mentions_gateway(message: str) -> bool:
    """Whether a service error is about the LLM Gateway (so it is about translation)."""
    return bool(_GATEWAY_WORDS.search(message))


def refusal_message(detail: str) -> str:
    """What the user reads when the service refuses translation."""
    detail = detail.strip().rstrip(".") or "no reason given"
    return (
        f"AssemblyAI refused live translation: {detail}. Translation goes through "
        "AssemblyAI's LLM Gateway, which costs per token and needs a paid account; "
        "check your account, the translation model, or turn translation off in Settings."
    )
