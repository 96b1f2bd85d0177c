"""The cloud engine's config for a Start, from the saved settings (no widgets).

Start builds an :class:`AssemblyAIConfig` from what the AssemblyAI,
translation and session-option dialogs saved; this module reads those keys
without importing the dialogs, so the main window shows before any of them
is loaded (issue 14).  The dialogs import these functions from here.
"""

from __future__ import annotations

from typing import Any

from captioner.core.settings import Key, Settings
from captioner.engines.assemblyai import AssemblyAIConfig
from captioner.engines.assemblyai.translation import DEFAULT_TRANSLATION_MODEL


def config_from_settings(settings: Settings, api_key: str, api_host: str) -> AssemblyAIConfig:
    """The engine config for a Start, from what the user chose in this dialog."""

    def optional(key: Key) -> int | None:
        value = settings.get(key)
        return value or None  # 0 means "the service's default"

    threshold = settings.get(Key.AAI_EOT_THRESHOLD_PERCENT)
    return AssemblyAIConfig(
        api_key=api_key,
        api_host=api_host,
        speech_model=settings.get(Key.AAI_SPEECH_MODEL),
        language_codes=split_list(settings.get(Key.AAI_LANGUAGE_CODES), ","),
        language_detection=settings.get(Key.AAI_LANGUAGE_DETECTION),
        keyterms=split_list(settings.get(Key.AAI_KEYTERMS), "\n"),
        filter_profanity=settings.get(Key.AAI_FILTER_PROFANITY),
        format_turns=settings.get(Key.AAI_FORMAT_TURNS),
        min_turn_silence_ms=optional(Key.AAI_MIN_TURN_SILENCE_MS),
        max_turn_silence_ms=optional(Key.AAI_MAX_TURN_SILENCE_MS),
        end_of_turn_confidence_threshold=threshold / 100 if threshold else None,
        speaker_labels=settings.get(Key.AAI_SPEAKER_LABELS),
        max_speakers=optional(Key.AAI_MAX_SPEAKERS),
        speaker_revision_interval_s=optional(Key.AAI_SPEAKER_REVISION_S),
        **translation_config(settings),
        **low_bandwidth_config(settings),
        **options_from_settings(settings),
    )


def split_list(text: str, sep: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.replace("\n", sep).split(sep) if part.strip())


def translation_config(settings: Settings) -> dict[str, Any]:
    """The AssemblyAIConfig fields for translation, from what the user chose here."""
    return {
        "translate_to": settings.get(Key.TRANSLATE_TO).strip(),
        "translation_model": settings.get(Key.TRANSLATION_MODEL).strip()
        or DEFAULT_TRANSLATION_MODEL,
    }


def low_bandwidth_config(settings: Settings) -> dict[str, Any]:
    """The ``AssemblyAIConfig`` field this setting sets, for a Start."""
    return {"low_bandwidth": settings.get(Key.AAI_LOW_BANDWIDTH)}


def options_from_settings(settings: Settings) -> dict[str, Any]:
    """The AssemblyAIConfig fields these rows set, from what was saved."""
    percent = settings.get(Key.AAI_VOICE_FOCUS_PERCENT)
    policies = settings.get(Key.AAI_REDACT_PII_POLICIES).split()
    return {
        "mode": settings.get(Key.AAI_MODE) or None,
        "prompt": settings.get(Key.AAI_PROMPT).strip() or None,
        "voice_focus": settings.get(Key.AAI_VOICE_FOCUS) or None,
        "voice_focus_threshold": percent / 100 if percent else None,
        "redact_pii": settings.get(Key.AAI_REDACT_PII),
        "redact_pii_policies": tuple(policies),
        "redact_pii_sub": settings.get(Key.AAI_REDACT_PII_SUB) or None,
        "domain": settings.get(Key.AAI_DOMAIN) or None,
        "inactivity_timeout_s": settings.get(Key.AAI_INACTIVITY_TIMEOUT_S) or None,
        "token_url": settings.get(Key.AAI_TOKEN_URL).strip(),
    }
