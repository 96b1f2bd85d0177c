"""Typed application settings over any key/value store (a QSettings file in the app).

Every setting has one entry in :class:`Key` with its storage name, type and
default, so there is one place to read what the app remembers and no stray
string keys in widgets.  The store is injected: the app passes its settings
store (an INI file in the user's config directory, read into memory at launch
and written by a thread of its own: captioner.ui.settings_store), tests pass
a QSettings or a dict-backed store.
Secrets never go here; the API key lives in the OS keyring (see keystore).
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

log = logging.getLogger(__name__)

# Colours are stored as Qt writes them (QColor.name(): "#rrggbb"); "#rgb" and
# "#aarrggbb" are what a person or an older Qt may have written by hand.
_HEX_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")


class SettingsStore(Protocol):
    """The subset of QSettings this module needs."""

    def value(self, key: str, default: Any = None) -> Any: ...

    def setValue(self, key: str, value: Any) -> None: ...  # QSettings naming

    def contains(self, key: str) -> bool: ...


class DictStore:
    """An in-memory store for tests and headless use."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}

    def value(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def setValue(self, key: str, value: Any) -> None:  # QSettings naming
        self.data[key] = value

    def contains(self, key: str) -> bool:
        return key in self.data


@dataclass(frozen=True)
class Spec:
    name: str
    type: type
    default: Any
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None
    color: bool = False  # a "#rrggbb" colour: anything else would paint black on black


class Key(Enum):
    """Every remembered setting: storage name, type, default and valid range."""

    ENGINE = Spec("engine", str, "")  # an EngineId value; "" until one is chosen
    DEVICE_NAME = Spec("device/name", str, "")
    # Call mode: on or off, the device picked for each side, and the names shown
    # before each side's lines ("" is the default name, "You" / "Them").
    CALL_MODE = Spec("call/enabled", bool, False)
    CALL_MIC_DEVICE = Spec("call/mic_device", str, "")
    CALL_SYSTEM_SOURCE = Spec("call/system_source", str, "")
    CALL_MIC_NAME = Spec("call/mic_name", str, "")
    CALL_SYSTEM_NAME = Spec("call/system_name", str, "")
    OVERLAY_VISIBLE = Spec("overlay/visible", bool, True)
    OVERLAY_FONT_FAMILY = Spec("overlay/font_family", str, "Sans Serif")
    OVERLAY_FONT_SIZE = Spec("overlay/font_size", int, 22, 8, 96)
    OVERLAY_TEXT_COLOR = Spec("overlay/text_color", str, "#ffffff", color=True)
    OVERLAY_BACKGROUND_COLOR = Spec("overlay/background_color", str, "#000000", color=True)
    OVERLAY_OPACITY = Spec("overlay/opacity", int, 85, 0, 100)  # background, percent
    OVERLAY_HISTORY_LINES = Spec("overlay/history_lines", int, 2, 0, 5)
    OVERLAY_WIDTH_PERCENT = Spec("overlay/width_percent", int, 70, 20, 100)
    OVERLAY_DOCK = Spec("overlay/dock", str, "float", choices=("float", "top", "bottom"))
    OVERLAY_LOCKED = Spec("overlay/locked", bool, False)  # click-through
    OVERLAY_FADE_SECONDS = Spec("overlay/fade_seconds", int, 0, 0, 600)  # 0: never fade
    # After Stop the last captions fade instead of staying over whatever is watched.
    # Unset for people who had chosen "Never" before this existed: see OverlayStyle.
    OVERLAY_FADE_AFTER_STOP = Spec("overlay/fade_after_stop", bool, True)
    OVERLAY_OUTLINE = Spec("overlay/outline", bool, True)
    # The transcripts' text (main window, Sessions), percent of the usual size (View ▸ Larger text).
    TRANSCRIPT_TEXT_PERCENT = Spec("transcript/text_percent", int, 100, 50, 400)
    ANNOUNCE_CAPTIONS = Spec("accessibility/announce_captions", bool, False)
    # Mask profanity ("f***") wherever captions are shown or exported; on by default,
    # as in Windows Live Captions.  Display only: session journals keep the words.
    PROFANITY_FILTER = Spec("captions/profanity_filter", bool, True)
    # Names the offline engine writes as typed ("Dashwood", "iPhone"), one a line.
    CAPTION_NAMES = Spec("captions/names", str, "")
    # AssemblyAI recognition settings (applied on the next Start). Lists are stored
    # as newline-separated text so the INI file stays readable and hand-editable.
    AAI_SPEECH_MODEL = Spec("assemblyai/speech_model", str, "universal-3-5-pro")
    AAI_LANGUAGE_CODES = Spec("assemblyai/language_codes", str, "")
    AAI_LANGUAGE_DETECTION = Spec("assemblyai/language_detection", bool, False)
    AAI_KEYTERMS = Spec("assemblyai/keyterms", str, "")
    AAI_FILTER_PROFANITY = Spec("assemblyai/filter_profanity", bool, False)
    AAI_FORMAT_TURNS = Spec("assemblyai/format_turns", bool, True)
    AAI_MIN_TURN_SILENCE_MS = Spec(
        "assemblyai/min_turn_silence_ms", int, 0, 0, 10_000
    )  # 0: default
    AAI_MAX_TURN_SILENCE_MS = Spec(
        "assemblyai/max_turn_silence_ms", int, 0, 0, 10_000
    )  # 0: default
    AAI_EOT_THRESHOLD_PERCENT = Spec(
        "assemblyai/eot_threshold_percent", int, 0, 0, 100
    )  # 0: default
    # Low-bandwidth audio: Opus instead of PCM (needs the optional PyAV; call mode keeps PCM).
    AAI_LOW_BANDWIDTH = Spec("assemblyai/low_bandwidth", bool, False)
    AAI_SPEAKER_LABELS = Spec("assemblyai/speaker_labels", bool, False)
    AAI_MAX_SPEAKERS = Spec("assemblyai/max_speakers", int, 0, 0, 10)  # 0: the service decides
    # Mid-session speaker re-clustering, seconds: 0 is off, else at least 120
    # (checked on load: a value 1-119 reads as off, see _problem).
    AAI_SPEAKER_REVISION_S = Spec("assemblyai/speaker_revision_s", int, 0, 0, 86_400)
    # Session options (issue 15.3): "" or 0 is the service's default / off.
    AAI_MODE = Spec(
        "assemblyai/mode", str, "", choices=("", "min_latency", "balanced", "max_accuracy")
    )
    AAI_PROMPT = Spec("assemblyai/prompt", str, "")  # ≤ 1,750 characters (checked on OK)
    AAI_VOICE_FOCUS = Spec(
        "assemblyai/voice_focus", str, "", choices=("", "near-field", "far-field")
    )
    AAI_VOICE_FOCUS_PERCENT = Spec("assemblyai/voice_focus_percent", int, 0, 0, 100)
    AAI_REDACT_PII = Spec("assemblyai/redact_pii", bool, False)
    AAI_REDACT_PII_POLICIES = Spec("assemblyai/redact_pii_policies", str, "")  # one a line
    AAI_REDACT_PII_SUB = Spec(
        "assemblyai/redact_pii_sub", str, "", choices=("", "hash", "entity_name")
    )
    AAI_DOMAIN = Spec("assemblyai/domain", str, "", choices=("", "medical-v1"))
    # Seconds without audio before the service ends the session: 0 is off, else 5-3600.
    AAI_INACTIVITY_TIMEOUT_S = Spec("assemblyai/inactivity_timeout_s", int, 0, 0, 3600)
    # Instead of a stored key, fetch a temporary token here before each connection.
    AAI_TOKEN_URL = Spec("assemblyai/token_url", str, "")
    # Live translation (cloud only, paid): target language name or code ("": off),
    # the LLM Gateway model ("": the engine's default), what the overlay shows,
    # and how subtitle exports carry it (one bilingual cue, or a name.<lang>.srt).
    TRANSLATE_TO = Spec("translation/language", str, "")
    TRANSLATION_MODEL = Spec("translation/model", str, "")
    TRANSLATION_DISPLAY = Spec("translation/display", str, "both", choices=("both", "translation"))
    TRANSLATION_SUBTITLES = Spec(
        "translation/subtitles", str, "bilingual", choices=("bilingual", "separate")
    )
    TRAY_NOTICE_SHOWN = Spec("tray/notice_shown", bool, False)
    # Where the last export went and in which format ("": the user's Documents, txt).
    EXPORT_FOLDER = Spec("export/folder", str, "")
    EXPORT_FORMAT = Spec("export/format", str, "txt", choices=("txt", "srt", "vtt", "json", "md"))
    # The sessions folder the user chose ("": the default; --data-dir overrides it for a run).
    SESSIONS_FOLDER = Spec("sessions/folder", str, "")
    # Damaged sessions already reported, one "id:unreadable lines" a line (bounded, newest last).
    SESSIONS_DAMAGE_TOLD = Spec("sessions/damage_told", str, "")

    @property
    def spec(self) -> Spec:
        return self.value


class Settings:
    """Reads and writes :class:`Key` values with their types and ranges enforced.

    A value that is missing, of the wrong type or out of range (a hand-edited
    file, an older version, another platform's store) reads as the default
    rather than crashing or painting black on black, and the log says once
    which key was unusable and why.  The stored value itself is never logged:
    people paste all sorts into config files, keys included.
    """

    def __init__(self, store: SettingsStore) -> None:
        self.store = store
        self._reported: set[str] = set()

    def get(self, key: Key) -> Any:
        spec = key.spec
        raw = self.store.value(spec.name, spec.default)
        problem = _problem(raw, spec)
        if problem is None:
            return _coerce(raw, spec.type)
        if spec.name not in self._reported:
            self._reported.add(spec.name)
            log.warning(
                "Setting %s is unusable (%s); using the default %r instead",
                spec.name,
                problem,
                spec.default,
            )
        return spec.default

    def problems(self) -> dict[str, str]:
        """Every stored value that would read as its default, and why (for checks and tests)."""
        found = {}
        for key in Key:
            spec = key.spec
            if self.is_stored(key):
                problem = _problem(self.store.value(spec.name, spec.default), spec)
                if problem is not None:
                    found[spec.name] = problem
        return found

    def is_stored(self, key: Key) -> bool:
        """True when the user (or an earlier version) wrote this key, even with the default."""
        return bool(self.store.contains(key.spec.name))

    def set(self, key: Key, value: Any) -> None:
        spec = key.spec
        problem = _problem(value, spec)
        if problem is not None:
            raise ValueError(f"{spec.name}: {problem}")
        self.store.setValue(spec.name, _coerce(value, spec.type))

    # Free-form keys (e.g. the overlay geometry per screen) go through these.
    def raw(self, name: str, default: Any = None) -> Any:
        return self.store.value(name, default)

    def set_raw(self, name: str, value: Any) -> None:
        self.store.setValue(name, value)


def _problem(raw: Any, spec: Spec) -> str | None:
    """Why ``raw`` can't be used for ``spec`` (None when it can), without quoting it."""
    try:
        value = _coerce(raw, spec.type)
    except (TypeError, ValueError, OverflowError):
        return f"not a {spec.type.__name__} but a {type(raw).__name__} that does not read as one"
    if spec.minimum is not None and value < spec.minimum:
        return f"below the minimum {spec.minimum:g}"
    if spec.maximum is not None and value > spec.maximum:
        return f"above the maximum {spec.maximum:g}"
    if spec.choices is not None and value not in spec.choices:
        return "not one of " + ", ".join(spec.choices)
    if spec.color and not _HEX_COLOR.fullmatch(value):
        return "not a #rrggbb colour"
    if spec.name == "assemblyai/speaker_revision_s" and 0 < value < 120:
        return "below the service's minimum of 120 seconds (0 is off)"
    if spec.name == "assemblyai/inactivity_timeout_s" and 0 < value < 5:
        return "below the service's minimum of 5 seconds (0 is off)"
    return None


def _coerce(raw: Any, kind: type) -> Any:
    """``raw`` as ``kind``, accepting what INI files and native stores hand back.

    INI files give strings; the registry and plists give ints and bools; a
    hand-edited ``a, b`` reads as a list.  Anything else is refused rather
    than turned into text that merely looks like a value ("['a', 'b']").
    """
    if kind is bool:
        if isinstance(raw, str):
            lowered = raw.strip().lower()
            if lowered in ("true", "1", "yes", "on"):
                return True
            if lowered in ("false", "0", "no", "off", ""):
                return False
            raise ValueError("not a boolean")
        if isinstance(raw, bool) or (isinstance(raw, int) and raw in (0, 1)):
            return bool(raw)
        raise TypeError("not a boolean")
    if kind is int:
        if isinstance(raw, bool):
            raise TypeError("a boolean is not a number")
        if isinstance(raw, float):
            if not math.isfinite(raw) or not raw.is_integer():
                raise ValueError("not a whole number")
            return int(raw)
        if isinstance(raw, str):
            return int(raw.strip())
        if isinstance(raw, int):
            return raw
        raise TypeError("not a number")
    if kind is str:
        if isinstance(raw, str):
            return str.__str__(raw)  # the text itself, also for a str-valued Enum
        if isinstance(raw, int) and not isinstance(raw, bool):
            return str(raw)  # a name such as "1", stored as a number by a native store
        raise TypeError("not text")
    return kind(raw)
