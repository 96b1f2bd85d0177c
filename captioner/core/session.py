"""What a session is, and the JSON forms of sessions and turns.

The journal, the session store and the JSON export all write the same
dictionaries, so a turn read back from any of them is the turn that was
shown.  Everything here is JSON-able with the standard library: plain
dicts, strings, numbers, ISO 8601 timestamps in UTC.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from captioner.core.transcript import Turn, Word

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
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:  # written by hand or by an older tool: assume UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


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
        """Inverse of :meth:`to_dict`; raises ``ValueError``/``KeyError``/``TypeError``."""
        ended = data.get("ended_at")
        duration = data.get("duration_ms")
        settings = data.get("settings") or {}
        if not isinstance(settings, dict):
            raise TypeError("settings must be an object")
        return cls(
            id=str(data["id"]),
            title=_optional_str(data.get("title")),
            started_at=parse_instant(str(data["started_at"])),
            ended_at=parse_instant(str(ended)) if ended else None,
            duration_ms=int(duration) if duration is not None else None,
            engine=str(data.get("engine") or ""),
            source=str(data.get("source") or ""),
            settings=settings,
        )


def word_to_dict(word: Word) -> dict[str, JSONValue]:
    return {
        "text": word.text,
        "start_ms": word.start_ms,
        "end_ms": word.end_ms,
        "confidence": word.confidence,
    }


def word_from_dict(data: dict[str, JSONValue]) -> Word:
    return Word(
        text=str(data["text"]),
        start_ms=int(data["start_ms"]),
        end_ms=int(data["end_ms"]),
        confidence=float(data.get("confidence", 1.0)),
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
    return data


def turn_from_dict(data: dict[str, JSONValue]) -> Turn:
    """Inverse of :func:`turn_to_dict` (derived fields are recomputed, not trusted)."""
    words = data.get("words") or []
    if not isinstance(words, list):
        raise TypeError("words must be a list")
    return Turn(
        key=str(data["key"]),
        order=int(data.get("order", 0)),
        text=str(data["text"]),
        words=tuple(word_from_dict(word) for word in words),
        finished=True,
        formatted=bool(data.get("formatted", False)),
        source=str(data.get("source") or ""),
        speaker=_optional_str(data.get("speaker")),
        provisional=bool(data.get("provisional", False)),
    )


def _optional_str(value: JSONValue) -> str | None:
    return None if value is None else str(value)


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
