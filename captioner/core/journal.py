"""Crash-safe, append-only journal of one session (JSON Lines, one record a line).

Captions vanish; the journal is what survives a crash.  Every finished turn
is written, flushed and fsync'ed before :meth:`TranscriptJournal.append_turn`
returns, so a turn the user saw as finished is on disk even if the process
is SIGKILLed or the power fails right after.  Partials are never written:
they change several times a second and are replaced by their final anyway.

Records (``"type"`` says which)::

    {"type": "session", "schema": "captioner.journal", "version": 1, "session": {...}}
    {"type": "turn", "at": ISO, "turn": {...}}       # FINISHED, and again when REVISED
    {"type": "rename", "at": ISO, "title": str|null}
    {"type": "end", "at": ISO, "ended_at": ISO, "duration_ms": int, "recovered": bool}

On read the last ``turn`` record of a key wins (a formatted final revises
the plain one) and a line that is not valid JSON — a write torn by a power
cut — is skipped with a warning, never fatal.

A live journal holds an exclusive lock on its file (see
:mod:`captioner.core.journal_lock`): the OS drops it when the process dies,
which is how another process tells a crashed session from a live one.

The app's live session does not use this class on the GUI thread: it is
written by :class:`captioner.core.journal_writer.JournalWriter` on a thread
of its own, which batches turns that arrive during one ``fsync`` into
:meth:`TranscriptJournal.append_records`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from captioner.core.disk import disk_reason
from captioner.core.journal_lock import FileLock, fsync_dir
from captioner.core.session import (
    SessionInfo,
    format_instant,
    insert_by_start,
    parse_instant,
    turn_from_dict,
    turn_to_dict,
    utc_now,
)
from captioner.core.transcript import Change, ChangeKind, Turn

log = logging.getLogger(__name__)

SCHEMA = "captioner.journal"
VERSION = 1
SUFFIX = ".jsonl"


class JournalError(Exception):
    """The journal could not be written or read; ``str()`` is a plain message for the user."""


class SessionLiveError(JournalError):
    """Another process (or this one) still has the session open."""


def default_sessions_dir() -> Path:
    """Where journals live unless ``--data-dir`` says otherwise."""
    import platformdirs

    return Path(platformdirs.user_data_dir("Captioner", appauthor=False)) / "sessions"


def journal_path(data_dir: Path, session_id: str) -> Path:
    return Path(data_dir) / f"{session_id}{SUFFIX}"


def _disk_message(action: str, path: Path, exc: OSError) -> str:
    return f"Could not {action} the session journal “{path}”: {disk_reason(exc)}."


def _elapsed_ms(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds() * 1000))


def _end_record(ended_at: datetime, duration_ms: int, *, recovered: bool) -> dict[str, Any]:
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


def rename_record(title: str | None) -> dict[str, Any]:
    """The record of a new title (blank or ``None``: back to the start date)."""
    title = (title or "").strip() or None
    return {"type": "rename", "at": format_instant(utc_now()), "title": title}


def _encode(record: dict[str, Any]) -> bytes:
    # One record, one line: json.dumps escapes newlines inside strings.
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _write_records(fd: int, records: Sequence[dict[str, Any]], path: Path) -> None:
    """Append lines, then one fsync, or raise :class:`JournalError` with nothing torn.

    Several records share one ``fsync`` (the expensive part); on failure the
    file is cut back to where it was, so none of them is half there.
    """
    data = b"".join(_encode(record) for record in records)
    try:
        before = os.fstat(fd).st_size
    except OSError as exc:
        raise JournalError(_disk_message("write", path, exc)) from exc
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    except OSError as exc:
        # Roll back a partial line so the next record does not glue onto it.
        with contextlib.suppress(OSError):
            os.ftruncate(fd, before)
        raise JournalError(_disk_message("write", path, exc)) from exc


class TranscriptJournal:
    """The open, locked journal of the live session.

    Create it when a session starts (:meth:`create`), call :meth:`record`
    with every transcript :class:`~captioner.core.transcript.Change` (or
    :meth:`append_turn` on FINISHED and REVISED), and :meth:`end` on a clean
    stop.  Methods raise :class:`JournalError` on disk trouble; the
    in-memory transcript is never touched, so nothing the user sees is lost.
    """

    def __init__(self, info: SessionInfo, path: Path, fd: int, lock: FileLock) -> None:
        self.info = info
        self.path = path
        self._fd: int | None = fd
        self._lock = lock
        self._ended = False

    @classmethod
    def create(cls, info: SessionInfo, data_dir: Path | None = None) -> TranscriptJournal:
        """Start the journal of a new session: create, lock, write the header."""
        directory = Path(data_dir) if data_dir is not None else default_sessions_dir()
        path = journal_path(directory, info.id)
        try:
            directory.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            raise JournalError(_disk_message("create", path, exc)) from exc
        lock = FileLock(path, fd)
        try:
            if not lock.acquire():
                raise SessionLiveError(f"The session journal “{path}” is in use.")
            header = {
                "type": "session",
                "schema": SCHEMA,
                "version": VERSION,
                "session": info.to_dict(),
            }
            _write_records(fd, [header], path)
        except BaseException:
            lock.release()
            os.close(fd)
            with contextlib.suppress(OSError):
                path.unlink()
            raise
        fsync_dir(directory)
        return cls(info, path, fd, lock)

    @property
    def closed(self) -> bool:
        return self._fd is None

    def _require_fd(self) -> int:
        if self._fd is None:
            raise JournalError(f"The session journal “{self.path}” is already closed.")
        return self._fd

    def append_turn(self, turn: Turn) -> None:
        """Make one finished (or revised) turn durable before returning."""
        _write_records(self._require_fd(), [turn_record(turn)], self.path)

    def append_records(self, records: Sequence[dict[str, Any]]) -> None:
        """Make several records (:func:`turn_record`, :func:`rename_record`) durable at once."""
        if records:
            _write_records(self._require_fd(), records, self.path)

    def record(self, change: Change) -> None:
        """Journal what needs journaling from a transcript change (FINISHED, REVISED)."""
        if change.kind in (ChangeKind.FINISHED, ChangeKind.REVISED) and change.turn is not None:
            self.append_turn(change.turn)

    def rename(self, title: str | None) -> None:
        record = rename_record(title)
        _write_records(self._require_fd(), [record], self.path)
        self.info.title = record["title"]

    def end(
        self,
        *,
        duration_ms: int | None = None,
        ended_at: datetime | None = None,
        preceding: Sequence[dict[str, Any]] = (),
    ) -> None:
        """Clean stop: write the ``end`` record, then release the lock.

        ``duration_ms`` defaults to the wall-clock time since ``started_at``
        (right for live audio; pass the audio length for faster-than-real-time
        files).  ``preceding`` records still waiting to be written go first,
        under the same ``fsync``.  The lock is released even when the write
        fails, so the session then shows up as recoverable instead of "live".
        """
        if self._ended or self._fd is None:
            return
        ended_at = ended_at or utc_now()
        if duration_ms is None:
            duration_ms = _elapsed_ms(self.info.started_at, ended_at)
        record = _end_record(ended_at, duration_ms, recovered=False)
        try:
            _write_records(self._fd, [*preceding, record], self.path)
            self._ended = True
            self.info.ended_at, self.info.duration_ms = ended_at, duration_ms
        finally:
            self.close()

    def close(self) -> None:
        """Release the file without an ``end`` record (the session stays recoverable)."""
        if self._fd is None:
            return
        self._lock.release()
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> TranscriptJournal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.end()


@dataclass(slots=True)
class JournalContents:
    """A journal as read back: the session, its turns in display order, its state."""

    info: SessionInfo
    turns: list[Turn] = field(default_factory=list)
    ended: bool = False
    recovered: bool = False
    last_record_at: datetime | None = None
    damaged_lines: int = 0


def read_journal(path: Path) -> JournalContents:
    """Read a journal, skipping (and logging) any line a crash left unreadable.

    Raises :class:`JournalError` only when the file cannot be read at all or
    has no usable header — that is not a Captioner journal, not a torn one.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise JournalError(_disk_message("read", path, exc)) from exc
    lines = raw.split(b"\n")
    contents: JournalContents | None = None
    turns: list[Turn] = []
    index: dict[str, int] = {}
    damaged = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line.decode("utf-8"))
            if not isinstance(record, dict):
                raise ValueError("not an object")
            kind = record.get("type")
            if contents is None:
                if kind != "session" or record.get("schema") != SCHEMA:
                    raise JournalError(f"“{path}” is not a Captioner session journal.")
                if int(record.get("version", 0)) > VERSION:
                    raise JournalError(f"“{path}” was written by a newer Captioner.")
                contents = JournalContents(info=SessionInfo.from_dict(record["session"]))
                continue
            if kind == "turn":
                turn = turn_from_dict(record["turn"])
                if turn.key in index:
                    turns[index[turn.key]] = turn  # the last record of a key wins
                else:
                    position = insert_by_start(turns, turn)
                    for i in range(position, len(turns)):
                        index[turns[i].key] = i
            elif kind == "rename":
                contents.info.title = record.get("title") or None
            elif kind == "end":
                contents.ended = True
                contents.recovered = bool(record.get("recovered", False))
                contents.info.ended_at = parse_instant(record["ended_at"])
                contents.info.duration_ms = record.get("duration_ms")
            else:
                log.info("%s:%d: unknown record type %r skipped", path, number, kind)
            if "at" in record:
                contents.last_record_at = parse_instant(record["at"])
        except JournalError:
            raise
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            damaged += 1
            torn = number == len(lines) and not raw.endswith(b"\n")
            what = "torn last line (write cut short)" if torn else "unreadable line"
            log.warning("%s:%d: %s ignored: %s", path, number, what, exc)
    if contents is None:
        raise JournalError(f"“{path}” is not a Captioner session journal (no header).")
    contents.turns = turns
    contents.damaged_lines = damaged
    return contents


def recover_journal(path: Path) -> JournalContents:
    """Close a crashed session: drop a torn tail, append ``end`` with ``recovered: true``.

    Raises :class:`SessionLiveError` if a live process holds the session.
    Returns the contents as they stand after recovery.
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDWR | os.O_APPEND)
    except OSError as exc:
        raise JournalError(_disk_message("open", path, exc)) from exc
    lock = FileLock(path, fd)
    try:
        if not lock.acquire():
            raise SessionLiveError(
                f"The session in “{path}” is still being recorded by a running Captioner."
            )
        contents = read_journal(path)
        if contents.ended:
            return contents
        _truncate_torn_tail(fd, path)
        ended_at = contents.last_record_at or contents.info.started_at
        duration = _elapsed_ms(contents.info.started_at, ended_at)
        _write_records(fd, [_end_record(ended_at, duration, recovered=True)], path)
        info = replace(contents.info, ended_at=ended_at, duration_ms=duration)
        return replace(contents, info=info, ended=True, recovered=True)
    finally:
        lock.release()
        os.close(fd)


def append_rename(path: Path, title: str | None) -> None:
    """Rename a stored session: one ``O_APPEND`` line, safe beside a live writer."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_APPEND)
    except OSError as exc:
        raise JournalError(_disk_message("open", path, exc)) from exc
    lock = FileLock(path, fd)
    try:
        if lock.acquire():  # not live: a crash may have left a torn line to cut first
            _truncate_torn_tail(fd, path)
        _write_records(fd, [rename_record(title)], path)
    finally:
        lock.release()
        os.close(fd)


def _truncate_torn_tail(fd: int, path: Path) -> None:
    """Cut a half-written last line so the next record starts on a line of its own."""
    try:
        size = os.fstat(fd).st_size
        if size == 0:
            return
        with open(path, "rb") as reader:
            data = reader.read(size)  # journals are small; a torn line can be any length
        if data.endswith(b"\n"):
            return
        keep = data.rfind(b"\n") + 1
        log.warning("%s: removing a torn last line (%d bytes)", path, size - keep)
        os.ftruncate(fd, keep)
    except OSError as exc:
        raise JournalError(_disk_message("repair", path, exc)) from exc
