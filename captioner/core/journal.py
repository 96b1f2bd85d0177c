"""Crash-safe, append-only journal of one session (JSON Lines, one record a line).

Captions vanish; the journal is what survives a crash.  Every finished turn
is written, flushed and fsync'ed before :meth:`TranscriptJournal.append_turn`
returns, so a turn the user saw as finished is on disk even if the process
is SIGKILLed or the power fails right after.  Partials are never written:
they change several times a second and are replaced by their final anyway.

The records and how they are read back (where no damage is ever fatal) are
in :mod:`captioner.core.journal_format`; this module writes them and
repairs crashed sessions.

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
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from captioner.core.journal_format import (
    SCHEMA,
    SUFFIX,
    VERSION,
    JournalContents,
    JournalError,
    SessionLiveError,
    encode,
    end_record,
    is_whole_record,
    read_journal,
    rename_record,
    turn_record,
)
from captioner.core.journal_format import disk_message as _disk_message
from captioner.core.journal_lock import FileLock, fsync_dir
from captioner.core.session import SessionInfo, utc_now
from captioner.core.transcript import Change, ChangeKind, Turn

log = logging.getLogger(__name__)

# How long a rewrite waits for the journal's lock: the writer that failed on it may
# still be closing (it is never waited for on the GUI thread).
REWRITE_LOCK_WAIT_S = 2.0

# Re-exported: callers import the journal's names from here.
__all__ = [
    "SCHEMA",
    "SUFFIX",
    "VERSION",
    "JournalContents",
    "JournalError",
    "SessionLiveError",
    "TranscriptJournal",
    "append_rename",
    "default_sessions_dir",
    "journal_path",
    "read_journal",
    "recover_journal",
    "rename_record",
    "turn_record",
]


def default_sessions_dir() -> Path:
    """Where journals live unless ``--data-dir`` says otherwise."""
    import platformdirs

    return Path(platformdirs.user_data_dir("Captioner", appauthor=False)) / "sessions"


def journal_path(data_dir: Path, session_id: str) -> Path:
    return Path(data_dir) / f"{session_id}{SUFFIX}"


def _elapsed_ms(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds() * 1000))


def _write_records(fd: int, records: Sequence[dict[str, Any]], path: Path) -> None:
    """Append lines, then one fsync, or raise :class:`JournalError` with nothing torn.

    Several records share one ``fsync`` (the expensive part); on failure the
    file is cut back to where it was, so none of them is half there.
    """
    data = b"".join(encode(record) for record in records)
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
    def create(
        cls, info: SessionInfo, data_dir: Path | None = None, *, rewrite: bool = False
    ) -> TranscriptJournal:
        """Start the journal of a new session: create, lock, write the header.

        ``rewrite``: the whole session is about to be written again (its folder
        was chosen anew after a failure), so a partial journal of it already
        there (the disk filled up) is replaced once no writer holds it, rather
        than refused as "File exists".
        """
        directory = Path(data_dir) if data_dir is not None else default_sessions_dir()
        path = journal_path(directory, info.id)
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | (0 if rewrite else os.O_EXCL)
        try:
            directory.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, flags, 0o600)
        except OSError as exc:
            raise JournalError(_disk_message("create", path, exc)) from exc
        lock = FileLock(path, fd)
        if rewrite and not _acquire(lock, wait_s=REWRITE_LOCK_WAIT_S):
            os.close(fd)  # another writer's file: left as it is
            raise SessionLiveError(f"The session journal “{path}” is in use.")
        try:
            if rewrite:
                os.ftruncate(fd, 0)
            elif not lock.acquire():
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
        record = end_record(ended_at, duration_ms, recovered=False)
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
        _write_records(fd, [end_record(ended_at, duration, recovered=True)], path)
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


def _acquire(lock: FileLock, *, wait_s: float) -> bool:
    """Take ``lock``, trying again for ``wait_s`` (a writer that failed may still be closing)."""
    deadline = time.monotonic() + wait_s
    while not lock.acquire():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def _truncate_torn_tail(fd: int, path: Path) -> None:
    """Cut a half-written last line so the next record starts on a line of its own.

    A last line that is a whole record and lacks only its newline (a hand-edited
    journal, or a crash between a record and its newline) is read as one, so it
    is kept and given its newline: cutting it would lose a turn, or the end
    record of a session that was renamed.
    """
    try:
        size = os.fstat(fd).st_size
        if size == 0:
            return
        with open(path, "rb") as reader:
            data = reader.read(size)  # journals are small; a torn line can be any length
        if data.endswith(b"\n"):
            return
        keep = data.rfind(b"\n") + 1
        if is_whole_record(data[keep:]):
            os.write(fd, b"\n")  # the fd appends; the record written next is synced with it
            return
        log.warning("%s: removing a torn last line (%d bytes)", path, size - keep)
        os.ftruncate(fd, keep)
    except OSError as exc:
        raise JournalError(_disk_message("repair", path, exc)) from exc
