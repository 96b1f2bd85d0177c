"""Typed application settings over any key/value store (QSettings in the app).

Every setting has one entry in :class:`Key` with its storage name, type and
default, so there is one place to read what the app remembers and no stray
string keys in widgets.  The store is injected: the app passes a QSettings
(an INI file in the user's config directory), tests pass a dict-backed store.
Secrets never go here; the API key lives in the OS keyring (see keystore).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol


class SettingsStore(Protocol):
    """The subset of QSettings this module needs."""

    def value(self, key: str, default: Any = None) -> Any: ...

    def setValue(self, key: str, value: Any) -> None: ...  # QSettings naming


class DictStore:
    """An in-memory store for tests and headless use."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}

    def value(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def setValue(self, key: str, value: Any) -> None:  # QSettings naming
        self.data[key] = value


@dataclass(frozen=True)
class Spec:
    name: str
    type: type
    default: Any
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None


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
    OVERLAY_TEXT_COLOR = Spec("overlay/text_color", str, "#ffffff")
    OVERLAY_BACKGROUND_COLOR = Spec("overlay/background_color", str, "#000000")
    OVERLAY_OPACITY = Spec("overlay/opacity", int, 85, 0, 100)  # background, percent
    OVERLAY_HISTORY_LINES = Spec("overlay/history_lines", int, 2, 0, 5)
    OVERLAY_WIDTH_PERCENT = Spec("overlay/width_percent", int, 70, 20, 100)
    OVERLAY_DOCK = Spec("overlay/dock", str, "float", choices=("float", "top", "bottom"))
    OVERLAY_LOCKED = Spec("overlay/locked", bool, False)  # click-through
    OVERLAY_FADE_SECONDS = Spec("overlay/fade_seconds", int, 0, 0, 600)  # 0: never fade
    OVERLAY_OUTLINE = Spec("overlay/outline", bool, True)
    ANNOUNCE_CAPTIONS = Spec("accessibility/announce_captions", bool, False)
    # Mask profanity ("f***") wherever captions are shown or exported; on by default,
    # as in Windows Live Captions.  Display only: session journals keep the words.
    PROFANITY_FILTER = Spec("captions/profanity_filter", bool, True)
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
    AAI_SPEAKER_LABELS = Spec("assemblyai/speaker_labels", bool, False)
    TRAY_NOTICE_SHOWN = Spec("tray/notice_shown", bool, False)

    @property
    def spec(self) -> Spec:
        return self.value


class Settings:
    """Reads and writes :class:`Key` values with their types and ranges enforced.

    A value that is missing, of the wrong type or out of range (a hand-edited
    file, an older version) reads as the default rather than crashing.
    """

    def __init__(self, store: SettingsStore) -> None:
        self.store = store

    def get(self, key: Key) -> Any:
        spec = key.spec
        raw = self.store.value(spec.name, spec.default)
        try:
            value = _coerce(raw, spec.type)
        except (TypeError, ValueError):
            return spec.default
        if not _valid(value, spec):
            return spec.default
        return value

    def set(self, key: Key, value: Any) -> None:
        spec = key.spec
        value = _coerce(value, spec.type)
        if not _valid(value, spec):
            raise ValueError(f"{spec.name}: {value!r} is out of range")
        self.store.setValue(spec.name, value)

    # Free-form keys (e.g. the overlay geometry per screen) go through these.
    def raw(self, name: str, default: Any = None) -> Any:
        return self.store.value(name, default)

    def set_raw(self, name: str, value: Any) -> None:
        self.store.setValue(name, value)


def _coerce(raw: Any, kind: type) -> Any:
    if kind is bool:
        if isinstance(raw, str):
            lowered = raw.strip().lower()
            if lowered in ("true", "1", "yes", "on"):
                return True
            if lowered in ("false", "0", "no", "off", ""):
                return False
            raise ValueError(raw)
        return bool(raw)
    if kind is int:
        if isinstance(raw, bool):
            raise TypeError(raw)
        return int(raw)
    if kind is str:
        if raw is None:
            raise TypeError(raw)
        return str(raw)
    return kind(raw)


def _valid(value: Any, spec: Spec) -> bool:
    if spec.minimum is not None and value < spec.minimum:
        return False
    if spec.maximum is not None and value > spec.maximum:
        return False
    return spec.choices is None or value in spec.choices
