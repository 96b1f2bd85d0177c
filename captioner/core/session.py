"""What a session is, and the JSON forms of sessions and turns.

The journal, the session store and the JSON export all write the same
dictionaries, so a turn read back from any of them is the turn that was
shown.  Everything here is JSON-able with the standard library: plain
dicts, strings, numbers, ISO 8601 timestamps in UTC.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from captioner.core.transcript import Translation, Turn, Word

# Settings are written to disk in plain text and shared in exports: a key that
# looks like a credential is refused outright rather than trusted to callers.
_SECRET_SETTING = re.compile(r"api[_-]?key|token|secret|password|passwd|auth", re.IGNORECASE)

JSONValue = Any  # str | int | float | bool | None | list | dict, checked by json.dumps


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def format_instant(moment: datetime) -> str:
    """ISO 8601 in UTC, so files compare and sort the same on every machine."""
    if moment.tzinfo is None:
        raise ValueError("session times must be timezone-aware")
    return moment.astimezone(timezone.utc).isoformat()


def parse_instant(text: str) -> datetime:
    """Read a stored instant; ``ValueError`` for anything but a plausible ISO 8601 string.

    Years far from now are refused too: shown in local time, 0001-01-01 or
    9999-12-31 overflow ``datetime``, so a damaged date must stop here.
    """
    if not isinstance(text, str):
        raise RecordError(f"a time must be a string, not {type(text).__name__}")
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:  # written by hand or by an older tool: assume UTC
            moment = moment.replace(tzinfo=timezone.utc)
        moment = moment.astimezone(timezone.utc)
    except (ValueError, OverflowError) as exc:
        raise RecordError(f"not a time: {text[:40]!r}") from exc
    if not _FIRST_YEAR <= moment.year <= _LAST_YEAR:
        raise RecordError(f"implausible date {text!r}")
    return moment


class RecordError(ValueError):
    """A stored dictionary is not shaped as Captioner writes it (a damaged or foreign file).

    Readers (the journal, JSON import) catch this one type: every check below
    raises it, so a wrong type, a missing key or an absurd number never
    surfaces as a ``TypeError``, ``KeyError`` or ``OverflowError`` elsewhere.
    """


_FIRST_YEAR, _LAST_YEAR = 1970, 9000
# Offsets and durations in ms: ±30 years is far beyond any session, and keeps
# every later sum, clock format and export well inside ordinary integers.
MAX_MS = 10**12
_MAX_ORDER = 2**62


def _int(value: JSONValue, name: str, *, limit: int = MAX_MS, low: int | None = None) -> int:
    """A whole number within ±``limit`` (or ``low``..``limit``); JSON may spell it ``12.0``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RecordError(f"{name} must be a number, not {type(value).__name__}")
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise RecordError(f"{name} must be a whole number, not {value!r}")
        value = int(value)
    if not (-limit if low is None else low) <= value <= limit:
        raise RecordError(f"{name} is out of range")
    return value


def _number(value: JSONValue, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RecordError(f"{name} must be a number, not {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):
        raise RecordError(f"{name} must be finite")
    return number


def _str(value: JSONValue, name: str) -> str:
    if not isinstance(value, str):
        raise RecordError(f"{name} must be a string, not {type(value).__name__}")
    return value


def _bool(value: JSONValue, name: str) -> bool:
    if not isinstance(value, bool):
        raise RecordError(f"{name} must be true or false, not {type(value).__name__}")
    return value


def _object(value: JSONValue, name: str) -> dict[str, JSONValue]:
    if not isinstance(value, dict):
        raise RecordError(f"{name} must be an object, not {type(value).__name__}")
    return value


def _required(data: dict[str, JSONValue], key: str) -> JSONValue:
    if key not in data:
        raise RecordError(f"{key} is missing")
    return data[key]


@dataclass(slots=True)
class SessionInfo:
    """Who, when and how a transcript was made (everything except its turns).

    ``settings`` holds only what shapes the text (``speech_model``,
    ``format_turns`` …) so that a reader can tell why two transcripts of the
    same audio differ; secrets are rejected.  ``ended_at`` and
    ``duration_ms`` stay ``None`` while the session is live.
    """

    engine: str
    source: str = ""
    settings: dict[str, JSONValue] = field(default_factory=dict)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    started_at: datetime = field(default_factory=utc_now)
    title: str | None = None
    ended_at: datetime | None = None
    duration_ms: int | None = None

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[0-9a-f]{32}", self.id):
            # The id names the journal file: nothing that could climb directories.
            raise ValueError(f"session id must be 32 lowercase hex digits, not {self.id!r}")
        if self.started_at.tzinfo is None:
            raise ValueError("started_at must be timezone-aware (UTC)")
        for name in self.settings:
            if _SECRET_SETTING.search(name):
                raise ValueError(f"setting {name!r} looks like a secret; it is never stored")
        json.dumps(self.settings)  # fail now, not when the journal is written

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "id": self.id,
            "title": self.title,
            "started_at": format_instant(self.started_at),
            "ended_at": format_instant(self.ended_at) if self.ended_at else None,
            "duration_ms": self.duration_ms,
            "engine": self.engine,
            "source": self.source,
            "settings": dict(self.settings),
        }

    @classmethod
    def from_dict(cls, data: dict[str, JSONValue]) -> SessionInfo:
        """Inverse of :meth:`to_dict`; raises :class:`RecordError` (a ``ValueError``) only."""
        data = _object(data, "session")
        ended = data.get("ended_at")
        duration = data.get("duration_ms")
        settings = _object(data.get("settings") or {}, "settings")
        try:
            return cls(
                id=_str(_required(data, "id"), "id"),
                title=_optional_str(data.get("title"), "title"),
                started_at=parse_instant(_required(data, "started_at")),
                ended_at=parse_instant(ended) if ended else None,
                duration_ms=_int(duration, "duration_ms", low=0) if duration is not None else None,
                engine=_optional_str(data.get("engine"), "engine") or "",
                source=_optional_str(data.get("source"), "source") or "",
                settings=settings,
            )
        except RecordError:
            raise
        except (ValueError, TypeError, RecursionError) as exc:  # __post_init__'s checks
            raise RecordError(str(exc)) from exc


def word_to_dict(word: Word) -> dict[str, JSONValue]:
    data: dict[str, JSONValue] = {
        "text": word.text,
        "start_ms": word.start_ms,
        "end_ms": word.end_ms,
        "confidence": word.confidence,
    }
    if word.speaker is not None:  # diarization only; absent means none
        data["speaker"] = word.speaker
    return data


def word_from_dict(data: dict[str, JSONValue]) -> Word:
    # Words are most of a journal: the shape as written is checked in one go,
    # and only a word that fails it takes the slow path that names the problem.
    if type(data) is dict:
        text, start, end = data.get("text"), data.get("start_ms"), data.get("end_ms")
        confidence = data.get("confidence", 1.0)
        if (
            type(text) is str
            and type(start) is int
            and type(end) is int
            and -MAX_MS <= start <= MAX_MS
            and -MAX_MS <= end <= MAX_MS
            and type(confidence) is float
            and math.isfinite(confidence)
            and "speaker" not in data
        ):
            return Word(text, start, end, confidence)
    return _checked_word(data)


def _checked_word(data: JSONValue) -> Word:
    data = _object(data, "word")
    confidence = data.get("confidence", 1.0)
    return Word(
        text=_str(_required(data, "text"), "word text"),
        start_ms=_int(_required(data, "start_ms"), "start_ms"),
        end_ms=_int(_required(data, "end_ms"), "end_ms"),
        confidence=_number(confidence, "confidence") if confidence is not None else 1.0,
        speaker=_optional_str(data.get("speaker"), "word speaker"),
    )


def turn_to_dict(turn: Turn) -> dict[str, JSONValue]:
    """A finished turn as stored; ``start_ms``/``end_ms`` are derived, for readers' ease."""
    data: dict[str, JSONValue] = {
        "key": turn.key,
        "order": turn.order,
        "text": turn.text,
        "formatted": turn.formatted,
        "source": turn.source,
        "speaker": turn.speaker,
        "start_ms": turn.start_ms,
        "end_ms": turn.end_ms,
        "words": [word_to_dict(word) for word in turn.words],
    }
    if turn.provisional:  # a stand-in caption (see Turn); absent means false
        data["provisional"] = True
    if turn.recovered:  # filled in after a reconnect (see Turn); absent means false
        data["recovered"] = True
    if turn.translation is not None:  # absent: none (yet)
        data["translation"] = {
            "language": turn.translation.language,
            "text": turn.translation.text,
        }
    return data


def _translation(value: JSONValue) -> Translation | None:
    """A stored ``{"language": str, "text": str}``, both non-empty; ``None`` stays ``None``."""
    if value is None:
        return None
    value = _object(value, "translation")
    language = _str(_required(value, "language"), "translation language")
    text = _str(_required(value, "text"), "translation text")
    if not language.strip() or not text.strip():
        raise RecordError("a translation needs a language and a text")
    return Translation(language, text)


def turn_from_dict(data: dict[str, JSONValue]) -> Turn:
    """Inverse of :func:`turn_to_dict` (derived fields are recomputed, not trusted).

    Raises :class:`RecordError` (a ``ValueError``) for any value of the wrong
    type or size, so a damaged line is refused here rather than shown, sorted
    or exported wrongly later.
    """
    data = _object(data, "turn")
    words = data.get("words") or []
    if not isinstance(words, list):
        raise RecordError("words must be a list")
    key = _str(_required(data, "key"), "key")
    if not key:
        raise RecordError("key must not be empty")
    return Turn(
        key=key,
        order=_int(data.get("order", 0), "order", limit=_MAX_ORDER),
        text=_str(_required(data, "text"), "text"),
        words=tuple(word_from_dict(word) for word in words),
        finished=True,
        formatted=_bool(data.get("formatted", False), "formatted"),
        source=_optional_str(data.get("source"), "source") or "",
        speaker=_optional_str(data.get("speaker"), "speaker"),
        provisional=_bool(data.get("provisional", False), "provisional"),
        recovered=_bool(data.get("recovered", False), "recovered"),
        translation=_translation(data.get("translation")),
    )


def _optional_str(value: JSONValue, name: str) -> str | None:
    return None if value is None else _str(value, name)


def insert_by_start(turns: list[Turn], turn: Turn) -> int:
    """Insert ``turn`` where :class:`~captioner.core.transcript.Transcript` would put it.

    Readers of stored turns must rebuild the order the user saw: turns
    normally arrive in order, and one that started earlier is slotted by its
    start time.
    """
    position = len(turns)
    start = turn.start_ms
    if start is not None:
        while position > 0:
            before = turns[position - 1].start_ms
            if before is None or before <= start:
                break
            position -= 1
    turns.insert(position, turn)
    return position
