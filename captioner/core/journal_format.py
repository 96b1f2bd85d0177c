"""The journal's file format: its records, and reading them back from whatever a disk left.

Records (``"type"`` says which), one JSON object a line::

    {"type": "session", "schema": "captioner.journal", "version": 1, "session": {...}}
    {"type": "turn", "at": ISO, "turn": {...}}       # FINISHED, and again when REVISED
                                                     # (better text, its translation
                                                     # arrived, a speaker revision)
    {"type": "rename", "at": ISO, "title": str|null}
    {"type": "service", "at": ISO, "model": str|null, "mode": str|null}
                                                     # what the cloud service said it
                                                     # runs (Begin.configuration), when
                                                     # a connection began with news
    {"type": "end", "at": ISO, "ended_at": ISO, "duration_ms": int, "recovered": bool}

Reading trusts nothing.  A journal lives for years on disks that tear
writes, flip bits and get edited by hand, and it is read at every launch
(the crash check, the Sessions list): one bad line must never stop the app
or hide a session.  So each record is checked for the exact shape written
above (types, ranges, plausible dates) before any of it is used, and a
record that fails — whatever the exception — is counted as damaged and
skipped while the rest is kept.  A damaged header does not hide the
session either: what can still be read of it (its id from the file name,
its start from the header's text or the first record) stands in.

Kept apart from :mod:`captioner.core.journal` (which writes the live
session and repairs crashed ones) so each stays about one job.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from captioner.core.disk import disk_reason
from captioner.core.session import (
    MAX_MS,
    RecordError,
    SessionInfo,
    format_instant,
    insert_by_start,
    parse_instant,
    turn_from_dict,
    turn_to_dict,
    utc_now,
)
from captioner.core.transcript import Turn

log = logging.getLogger(__name__)

SCHEMA = "captioner.journal"
VERSION = 1
SUFFIX = ".jsonl"
_SESSION_ID = re.compile(r"[0-9a-f]{32}")
# What survives of a header line after one flipped byte: at least one of these.
_HEADER_MARKS = (b'"type":"session"', b'"schema":"captioner.journal"')


class JournalError(Exception):
    """The journal could not be written or read; ``str()`` is a plain message for the user."""


class SessionLiveError(JournalError):
    """Another process (or this one) still has the session open."""


def disk_message(action: str, path: Path, exc: OSError) -> str:
    return f"Could not {action} the session journal “{path}”: {disk_reason(exc)}."


# -- writing records ------------------------------------------------------------------


def end_record(ended_at: datetime, duration_ms: int, *, recovered: bool) -> dict[str, Any]:
    """The record that marks a session as over (cleanly, or by recovery)."""
    return {
        "type": "end",
        "at": format_instant(utc_now()),
        "ended_at": format_instant(ended_at),
        "duration_ms": duration_ms,
        "recovered": recovered,
    }


def turn_record(turn: Turn) -> dict[str, Any]:
    """The record of a finished (or revised) turn, stamped now: build it when it is shown."""
    if not turn.finished:
        raise ValueError("partials are never journaled")
    return {"type": "turn", "at": format_instant(utc_now()), "turn": turn_to_dict(turn)}


# The session settings the "service" record sets: what ran, next to what was asked
# ("speech_model"), in the Sessions list and every JSON export.
MODEL_IN_USE = "model_in_use"
MODE_IN_USE = "mode_in_use"
_MAX_NAME = 200  # a model or mode name; longer is damage


def service_record(model: str | None, mode: str | None) -> dict[str, Any]:
    """The record of the model (and mode) the service says the session runs."""
    return {"type": "service", "at": format_instant(utc_now()), "model": model, "mode": mode}


def apply_service(settings: dict[str, Any], model: str | None, mode: str | None) -> None:
    """Note in a session's ``settings`` what the service runs (a name it did not give: kept)."""
    if model:
        settings[MODEL_IN_USE] = model
    if mode:
        settings[MODE_IN_USE] = mode


def rename_record(title: str | None) -> dict[str, Any]:
    """The record of a new title (blank or ``None``: back to the start date)."""
    title = (title or "").strip() or None
    return {"type": "rename", "at": format_instant(utc_now()), "title": title}


def encode(record: dict[str, Any]) -> bytes:
    # One record, one line: json.dumps escapes newlines inside strings.
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


# -- reading records ------------------------------------------------------------------


@dataclass(slots=True)
class JournalContents:
    """A journal as read back: the session, its turns in display order, its state.

    ``damaged_lines`` counts the records that could not be used (skipped);
    ``header_damaged`` says the session's details were pieced together from
    what was left of its first line.
    """

    info: SessionInfo
    turns: list[Turn] = field(default_factory=list)
    ended: bool = False
    recovered: bool = False
    last_record_at: datetime | None = None
    damaged_lines: int = 0
    header_damaged: bool = False

    @property
    def damaged(self) -> bool:
        return self.damaged_lines > 0 or self.header_damaged


@dataclass(frozen=True, slots=True)
class _Record:
    """One body record, checked: what it changes, nothing yet applied."""

    kind: str
    at: datetime | None
    turn: Turn | None = None
    title: str | None = None
    ended_at: datetime | None = None
    duration_ms: int | None = None
    recovered: bool = False
    model: str | None = None
    mode: str | None = None


def _reject_constant(name: str) -> float:
    raise RecordError(f"{name} is not a number a journal holds")


def _load(line: bytes) -> dict[str, Any]:
    """One line as a JSON object; raises for anything else (NaN/Infinity included)."""
    record = json.loads(line.decode("utf-8"), parse_constant=_reject_constant)
    if not isinstance(record, dict):
        raise RecordError(f"a record must be an object, not {type(record).__name__}")
    return record


def is_whole_record(line: bytes) -> bool:
    """Whether ``line`` (without its newline) reads as a record: complete, only unterminated."""
    try:
        _load(line)
    except Exception:  # any failure, as read_journal counts it: damage
        return False
    return True


def _at(record: dict[str, Any]) -> datetime | None:
    return parse_instant(record["at"]) if "at" in record else None


def _body_record(record: dict[str, Any]) -> _Record:
    """Check one record after the header; :class:`RecordError` if it is not usable."""
    kind = record.get("type")
    if kind == "turn":
        return _Record("turn", _at(record), turn=turn_from_dict(record.get("turn")))
    if kind == "rename":
        title = record.get("title")
        if title is not None and not isinstance(title, str):
            raise RecordError("a title must be a string")
        return _Record("rename", _at(record), title=title or None)
    if kind == "service":
        names = [record.get("model"), record.get("mode")]
        for name in names:
            if name is not None and (not isinstance(name, str) or len(name) > _MAX_NAME):
                raise RecordError("a model or mode must be a short string")
        return _Record("service", _at(record), model=names[0] or None, mode=names[1] or None)
    if kind == "end":
        duration = record.get("duration_ms")
        if duration is not None and (
            isinstance(duration, bool)
            or not isinstance(duration, int)
            or not 0 <= duration <= MAX_MS
        ):
            raise RecordError("duration_ms must be a whole number of milliseconds")
        recovered = record.get("recovered", False)
        if not isinstance(recovered, bool):
            raise RecordError("recovered must be true or false")
        if "ended_at" not in record:
            raise RecordError("ended_at is missing")
        ended_at = parse_instant(record["ended_at"])
        return _Record(
            "end", _at(record), ended_at=ended_at, duration_ms=duration, recovered=recovered
        )
    # An unknown type is a damaged one ("turn" with a flipped byte), or one
    # a newer Captioner added: either way this reader cannot use it.
    raise RecordError(f"unknown record type {str(kind)[:40]!r}")


def _header(record: dict[str, Any]) -> SessionInfo:
    """The session of a header record; :class:`RecordError` if it is not a usable one."""
    if record.get("type") != "session" or record.get("schema") != SCHEMA:
        raise RecordError("not a Captioner journal header")
    version = record.get("version", 0)
    if isinstance(version, bool) or not isinstance(version, int):
        raise RecordError("the header's version must be a whole number")
    info = SessionInfo.from_dict(record.get("session"))
    if version > VERSION:
        # Refusing would hide the session, and "version":1 is one flipped bit
        # from 3: read what this version understands; the rest counts as damage.
        log.warning("session %s: journal version %d is newer than %d", info.id, version, VERSION)
    return info


def _header_text(line: bytes, name: str) -> str | None:
    """A string field of a header that no longer parses as JSON, read from its bytes."""
    match = re.search(rb'"' + name.encode() + rb'":("(?:[^"\\\n]|\\.)*")', line)
    if match is None:
        return None
    try:
        value = json.loads(match.group(1).decode("utf-8"))
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def _salvage_info(path: Path, line: bytes, first_at: datetime | None) -> SessionInfo:
    """The session's details from a damaged header: every field that still reads, or a stand-in.

    The id comes from the file name (which is how the history finds the file
    again); the start from the header, else the first record's time, else
    the file's modification time.
    """
    fields: dict[str, Any] = {}
    try:
        session = _load(line).get("session")
        fields = session if isinstance(session, dict) else {}
    except Exception:  # a damaged line may fail in any way
        pass

    def text(name: str) -> str | None:
        value = fields.get(name)
        return value if isinstance(value, str) else _header_text(line, name)

    session_id = path.stem if _SESSION_ID.fullmatch(path.stem) else text("id")
    if session_id is None or not _SESSION_ID.fullmatch(session_id):
        raise JournalError(f"“{path}” is a damaged session journal that names no session.")
    started_at = first_at
    try:
        started_at = parse_instant(text("started_at"))
    except (RecordError, ValueError):
        if started_at is None:
            try:
                started_at = datetime.fromtimestamp(os.stat(path).st_mtime, timezone.utc)
            except (OSError, ValueError, OverflowError):
                started_at = utc_now()
    settings = fields.get("settings")
    base = {
        "id": session_id,
        "started_at": started_at,
        "engine": text("engine") or "unknown",
        "source": text("source") or "",
        "title": text("title"),
    }
    try:
        return SessionInfo(**base, settings=settings if isinstance(settings, dict) else {})
    except Exception:  # settings that do not check out are dropped
        return SessionInfo(**base)


def _looks_like_header(line: bytes) -> bool:
    return any(mark in line for mark in _HEADER_MARKS)


def read_journal(path: Path) -> JournalContents:
    """Read a journal, skipping (and logging) every record that cannot be used.

    Never fails on a record's content: a torn last line, a flipped byte, a
    wrong type, an absurd number, a nesting deep enough to exhaust the
    parser's recursion — each costs that record only.  Raises
    :class:`JournalError` only when the file cannot be read at all or is
    not a Captioner journal (no header and no record of one).
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise JournalError(disk_message("read", path, exc)) from exc
    lines = [(n, line) for n, line in enumerate(raw.split(b"\n"), start=1) if line.strip()]
    last_number = raw.count(b"\n") + 1
    if not lines:
        raise JournalError(f"“{path}” is not a Captioner session journal (no header).")
    info: SessionInfo | None = None
    body = lines
    first_number, first = lines[0]
    try:
        info = _header(_load(first))
        body = lines[1:]
    except Exception:  # any failure: a damaged (or missing) header
        pass
    records: list[_Record] = []
    damaged = 0
    for number, line in body:
        try:
            records.append(_body_record(_load(line)))
        except Exception as exc:  # RecursionError, OverflowError…: all damage
            if number == first_number and info is None:
                continue  # the damaged header itself: counted below
            damaged += 1
            torn = number == last_number and not raw.endswith(b"\n")
            what = "torn last line (write cut short)" if torn else "damaged record"
            log.warning("%s:%d: %s skipped: %s", path, number, what, str(exc)[:200])
    header_damaged = info is None
    if info is not None and info.id != path.stem and _SESSION_ID.fullmatch(path.stem):
        # The history finds a session by its file name: an id that differs was
        # damaged (one flipped bit), and would name a session that cannot be opened.
        log.warning("%s: the header names session %s; the file name wins", path, info.id)
        info.id, header_damaged = path.stem, True
        damaged += 1
    if info is None:
        if not records and not _looks_like_header(first):
            raise JournalError(f"“{path}” is not a Captioner session journal.")
        first_at = min((r.at for r in records if r.at is not None), default=None)
        info = _salvage_info(path, first, first_at)
        damaged += 1
        log.warning("%s:%d: damaged header; the session's details were pieced together", path, 1)
    return _apply(info, records, damaged, header_damaged)


def _apply(
    info: SessionInfo, records: list[_Record], damaged: int, header_damaged: bool
) -> JournalContents:
    contents = JournalContents(info=info, damaged_lines=damaged, header_damaged=header_damaged)
    turns: list[Turn] = []
    index: dict[str, int] = {}
    for record in records:
        if record.turn is not None:
            turn = record.turn
            if turn.key in index:
                turns[index[turn.key]] = turn  # the last record of a key wins
            else:
                position = insert_by_start(turns, turn)
                for i in range(position, len(turns)):
                    index[turns[i].key] = i
        elif record.kind == "rename":
            info.title = record.title
        elif record.kind == "service":
            apply_service(info.settings, record.model, record.mode)
        elif record.kind == "end":
            contents.ended = True
            contents.recovered = record.recovered
            info.ended_at = record.ended_at
            info.duration_ms = record.duration_ms
        if record.at is not None:
            contents.last_record_at = record.at
    contents.turns = turns
    return contents
