"""Plain words for Settings ▸ AssemblyAI…: model names, what each option does, its units.

The service's own names ("u3-rt-pro", "min_turn_silence") stay in tooltips,
for people matching them with AssemblyAI's documentation; labels say what
an option changes for the person reading captions.  Model ids come from the
SDK (``SPEECH_MODELS``); one this table does not know yet is still offered,
under its id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

if TYPE_CHECKING:
    from captioner.engines.assemblyai import AssemblyAIConfig


@dataclass(frozen=True)
class ModelInfo:
    name: str
    description: str


SIX_LANGUAGES = "English, Spanish, German, French, Portuguese and Italian"

MODELS: dict[str, ModelInfo] = {
    "universal-3-5-pro": ModelInfo(
        "Universal-3.5 Pro (recommended)",
        f"Most accurate on names, numbers and jargon, and fast. {SIX_LANGUAGES}.",
    ),
    "universal-3-6-pro": ModelInfo(
        "Universal-3.6 Pro",
        "The newest Pro release; works like Universal-3.5 Pro.",
    ),
    "universal-3-6": ModelInfo(
        "Universal-3.6",
        "The newest Universal-3 release without the Pro extras.",
    ),
    "u3-rt-pro": ModelInfo(
        "Universal-3 Pro",
        f"The earlier Pro model for live audio. {SIX_LANGUAGES}.",
    ),
    "u3-rt-pro-beta-1": ModelInfo(
        "Universal-3 Pro (beta)",
        "A pre-release of Universal-3 Pro, kept for comparison.",
    ),
    "universal-streaming-english": ModelInfo(
        "Universal-Streaming, English",
        "Quick and light; English only.",
    ),
    "universal-streaming-multilingual": ModelInfo(
        "Universal-Streaming, multilingual",
        f"Quick and light; {SIX_LANGUAGES}, language detected per line.",
    ),
    "whisper-rt": ModelInfo(
        "Whisper, live",
        "About 99 languages: use it when yours is not among the six above.",
    ),
}


def model_info(model_id: str) -> ModelInfo:
    """A model's name and description; an id this table does not know is shown as it is."""
    return MODELS.get(
        model_id, ModelInfo(model_id, "A model this version of Captioner does not describe yet.")
    )


def fill_model_picker(combo: QComboBox, model_ids: Sequence[str], selected: str) -> None:
    """Offer ``model_ids`` by name (id and description in each tooltip), ``selected`` chosen.

    A chosen model missing from the list (an older SDK, a hand-edited setting)
    stays offered, so opening the dialog never changes the model by itself.
    """
    ids = list(model_ids) + ([selected] if selected and selected not in model_ids else [])
    combo.clear()
    for model_id in ids:
        info = model_info(model_id)
        combo.addItem(info.name, model_id)
        tip = f"{info.description}\nModel id: {model_id}"
        combo.setItemData(combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
    combo.setCurrentIndex(max(0, combo.findData(selected)))


MIN_SILENCE_LABEL = "Shortest pause that ends a &line:"
MIN_SILENCE_TIP = (
    "After a pause this long, a line ends if the sentence sounds finished. Shorter: "
    "lines appear sooner; longer: fewer lines are cut while someone thinks. "
    "0 ms to 10,000 ms; “Service default” leaves it to AssemblyAI (min_turn_silence)."
)
MAX_SILENCE_LABEL = "Longest pause within a l&ine:"
MAX_SILENCE_TIP = (
    "After a pause this long, the line always ends, even mid-sentence. Must not be "
    "shorter than the pause above. 0 ms to 10,000 ms; “Service default” leaves it to "
    "AssemblyAI (max_turn_silence)."
)
THRESHOLD_LABEL = "How sure before ending a line &early:"
THRESHOLD_TIP = (
    "How sure the model must be that a sentence is finished before it ends the line at "
    "the shortest pause. Higher: fewer lines cut mid-sentence, a little more delay. "
    "1 % to 100 %; “Service default” leaves it to AssemblyAI "
    "(end_of_turn_confidence_threshold)."
)
LANGUAGES_TIP = (
    "Language codes separated by commas, such as “en” or “pt-BR”. Empty: the model's "
    "own languages (language_codes)."
)
DETECT_TIP = "Let AssemblyAI find out which language is spoken (language_detection)."
KEYTERMS_TIP = (
    "Names and words the model should expect: people, products, jargon. One per line, "
    "up to 100, each up to 50 characters (keyterms_prompt)."
)
FORMAT_TIP = "Capital letters, punctuation and numbers as digits (format_turns)."
SPEAKERS_TIP = (
    "Label each voice on the same input as A, B, C… (speaker_labels). In call mode the "
    "other side's voices are told apart."
)

# Under every row a running session cannot take (it is fixed when the session
# connects; see session_options.LIVE_FIELDS), and under those it can.
NEXT_START = "From the next Start."
LIVE = "Reaches a running session."
KEYTERMS_HELP = LIVE
TURNS_HELP = (
    "When does a line end? Leave these at “Service default” unless lines end too early "
    "or too late. Changes reach a running session."
)

# Two filters could confuse: say which one people want, and why the other exists.
SERVER_PROFANITY_TIP = (
    "Not needed to hide profanity: Settings ▸ Captions… ▸ Hide profanity (on by default) "
    "already does that for both engines and keeps the words in the session record, so "
    "it can be turned off later. This option has AssemblyAI mask the words before they "
    "reach Captioner, so they are never saved and cannot be shown again."
)


def key_status_text(source: str, keyring_problem: str | None) -> str:
    """Where the key is (or will be) kept, never claiming a place it is not."""
    if source == "environment":
        return "Set by the ASSEMBLYAI_API_KEY environment variable."
    if keyring_problem:
        return (
            f"{keyring_problem} A key entered here is used for this run only. To keep it, "
            "set the ASSEMBLYAI_API_KEY environment variable (for example in ~/.profile), "
            "or start a keyring and open this dialog again. Your key is on your AssemblyAI "
            "dashboard: https://www.assemblyai.com/app/api-keys"
        )
    if source == "run":
        return "Used for this run only: it is not stored anywhere."
    return "Kept in the system keyring, never in a file."


# -- session options (issue 15.3): one line each, under its field ----------------
MODE_CHOICES = (
    ("", "Service default"),
    ("min_latency", "Fastest captions"),
    ("balanced", "Balanced"),
    ("max_accuracy", "Most accurate"),
)
MODE_HELP = "Trades delay for accuracy (Universal-3 Pro models; mode). Reaches a running session."
PROMPT_HELP = (
    "What the talk is about and how to write it, in a sentence or two (prompt, at most "
    "1,750 characters). Leave empty unless needed: the model's own prompt is tuned. "
    "Reaches a running session."
)
VOICE_FOCUS_CHOICES = (
    ("", "Off"),
    ("near-field", "Near: headset or handset microphone"),
    ("far-field", "Far: room or laptop microphone"),
)
VOICE_FOCUS_HELP = (
    "Cuts background noise and other voices before recognition (voice_focus); strength "
    "from 1 % (gentle) to 100 % (aggressive). From the next Start."
)
REDACT_HELP = (
    "AssemblyAI replaces personal information in finished lines before Captioner gets "
    "them (redact_pii). While this is on, partial captions are off: each line appears "
    "when it is finished, and no offline captions stand in during an outage. "
    "Unticked kinds below: all of them. From the next Start."
)
PII_SUB_CHOICES = (
    ("", "Service default"),
    ("hash", "#### (hash)"),
    ("entity_name", "[PERSON_NAME] (entity_name)"),
)
DOMAIN_CHOICES = (("", "General speech"), ("medical-v1", "Medical"))
DOMAIN_HELP = "Medical: better on drugs, conditions and procedures (domain). From the next Start."
INACTIVITY_HELP = (
    "AssemblyAI ends the session after this long without audio, so a forgotten session "
    "stops costing (inactivity_timeout, 5 s to 3,600 s). From the next Start."
)
TOKEN_URL_HELP = (
    "Optional: your organisation's address that hands out temporary AssemblyAI tokens, "
    "used instead of a key stored here. Captioner asks it (HTTP GET) before every "
    'connection; it must answer JSON {"token": "…"}, as AssemblyAI\'s /v3/token does. '
    "https:// only (http:// for this computer). From the next Start."
)
LANGUAGES_HELP = (
    "Codes such as en, es or pt-BR. Language changes reach a running session; "
    "detection applies from the next Start."
)


def policy_label(policy: str) -> str:
    """``person_name`` → "Person name" (the id stays in the tooltip)."""
    return policy.replace("_", " ").capitalize().replace("Us ", "US ")


# The settings a running session cannot take, by AssemblyAIConfig field, as the
# status line names them when one changes mid-run (both dialogs that set them).
NEXT_START_NAMES = {
    "speech_model": "speech model",
    "language_detection": "language detection",
    "filter_profanity": "profanity filter on AssemblyAI's servers",
    "format_turns": "punctuation and capital letters",
    "speaker_labels": "telling speakers apart",
    "max_speakers": "maximum speakers",
    "speaker_revision_interval_s": "speaker revision",
    "low_bandwidth": "low-bandwidth audio",
    "voice_focus": "voice focus",
    "voice_focus_threshold": "voice focus",
    "redact_pii": "hiding personal information",
    "redact_pii_policies": "hiding personal information",
    "redact_pii_sub": "hiding personal information",
    "domain": "domain",
    "inactivity_timeout_s": "end after silence",
    "token_url": "token URL",
    "translate_to": "translation language",
    "translation_model": "translation model",
}


def next_start_changes(before: AssemblyAIConfig, after: AssemblyAIConfig) -> list[str]:
    """What changed, in plain words, among the settings only the next Start takes."""
    names: list[str] = []
    for name, words in NEXT_START_NAMES.items():
        if getattr(before, name) != getattr(after, name) and words not in names:
            names.append(words)
    return names


def next_start_message(names: Sequence[str]) -> str:
    """The status line's sentence for them ("" when there are none).

    "; " between names: one may have "and" in it (punctuation and capital letters).
    """
    return f"Saved. From the next Start: {'; '.join(names)}." if names else ""
