"""Writes the live session's journal on a thread of its own, so the GUI never waits on a disk.

An ``fsync`` takes from under a millisecond to hundreds of milliseconds
(a busy disk, a laptop spinning up, a network home directory), and the GUI
thread's budget is one frame.  So the GUI thread only builds each record
(cheap: it also stamps the moment the turn was shown) and queues it; one
writer thread appends and fsyncs.  Records that queue up while an
``fsync`` runs go out together under the next one, so a slow disk makes
batches bigger rather than the queue longer.

The promise stays the one :mod:`captioner.core.journal` makes, with a
bound: a finished turn is on disk within ``DURABLE_WITHIN_S`` of being
queued (nothing waits on purpose; the bound is one ``fsync`` plus thread
wake-up).  Every write of a live journal — header, turns, renames, the
``end`` record — goes through this one thread, so records never interleave
and the file descriptor is never shared.

Disk trouble never costs the transcript: the caller's in-memory turns are
untouched, a failed batch is rolled back and retried with the next one (so
a disk with space again gets everything), and problems are reported
through ``on_problem`` — called on the writer thread; the GUI re-emits it
as a queued signal.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

from captioner.core.journal import (
    JournalError,
    TranscriptJournal,
    journal_path,
    rename_record,
    turn_record,
)
from captioner.core.journal_format import apply_service, service_record
from captioner.core.session import SessionInfo
from captioner.core.transcript import Change, ChangeKind, Turn

log = logging.getLogger(__name__)

DURABLE_WITHIN_S = 0.1  # what the tests hold the writer to


class WriteStage(Enum):
    """Which step failed, so the GUI can say what it means for the user."""

    OPEN = "open"  # no journal at all: this session is not being saved
    WRITE = "write"  # some turns are not on disk (yet); they are retried
    CLOSE = "close"  # the end record did not make it: the session shows as recoverable


@dataclass(frozen=True, slots=True)
class JournalProblem:
    stage: WriteStage
    message: str  # plain words for the user (from JournalError)


@dataclass(frozen=True, slots=True)
class _End:
    duration_ms: int | None
    ended_at: datetime | None


_Item = tuple[int, dict[str, Any]] | _End


class JournalWriter:
    """The journal of the live session, written on a writer thread.

    Call :meth:`start` once, then :meth:`append_turn` / :meth:`record` /
    :meth:`rename` from one thread (the GUI's) — each only queues — and
    :meth:`close` to write the ``end`` record and join the thread.
    ``on_written(kinds)`` reports each durable batch by its record types
    (``"session"`` when the file exists, ``"turn"``, ``"rename"``, ``"end"``);
    ``on_problem`` reports disk trouble; ``on_done()`` says the thread has
    finished (after :meth:`close`, or a failure), so that Stop need not wait
    for it.  All run on the writer thread and must not block.
    """

    def __init__(
        self,
        info: SessionInfo,
        data_dir: Path,
        *,
        on_problem: Callable[[JournalProblem], None] | None = None,
        on_written: Callable[[frozenset[str]], None] | None = None,
        on_done: Callable[[], None] | None = None,
        rewrite: bool = False,
    ) -> None:
        # A copy: the writer thread records the end time on its own info.
        self.info = replace(info, settings=dict(info.settings))
        self.path = journal_path(Path(data_dir), info.id)
        self._data_dir = Path(data_dir)
        self._rewrite = rewrite  # the whole session again: a partial file of it is replaced
        self._on_problem = on_problem or (lambda _problem: None)
        self._on_written = on_written or (lambda _kinds: None)
        self._on_done = on_done or (lambda: None)
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="journal-writer", daemon=True)
        self._state = threading.Condition()
        self._submitted = 0  # sequence number of the last record queued
        self._durable = 0  # …of the last one fsynced
        self._settled = 0  # …of the last one tried (durable or failed)
        self._done = False
        self._closing = False
        self._opened = False  # the file exists (header written, lock held)
        self.problems: list[JournalProblem] = []  # everything reported, in order

    # -- the GUI side -------------------------------------------------------------

    def start(self) -> None:
        """Create the file (header, lock) on the writer thread; records may be queued at once."""
        self._thread.start()

    def append_turn(self, turn: Turn) -> int:
        """Queue a finished (or revised) turn; returns its number for :meth:`wait_durable`."""
        return self._submit(turn_record(turn))

    def record(self, change: Change) -> None:
        """Queue what needs journaling from a transcript change (FINISHED, REVISED)."""
        if change.kind in (ChangeKind.FINISHED, ChangeKind.REVISED) and change.turn is not None:
            self.append_turn(change.turn)

    def service(self, model: str | None, mode: str | None) -> int:
        """Queue what the service says the session runs (model, mode); kept in ``info`` too.

        ``info.settings`` is replaced, not changed in place: the writer thread
        may be writing the header from the old dict at this moment.
        """
        settings = dict(self.info.settings)
        apply_service(settings, model, mode)
        self.info.settings = settings
        return self._submit(service_record(model, mode))

    def rename(self, title: str | None) -> int:
        record = rename_record(title)
        self.info.title = record["title"]
        return self._submit(record)

    def _submit(self, record: dict[str, Any]) -> int:
        with self._state:
            if self._closing:
                log.warning(
                    "%s: journal already closed; %s record dropped", self.path, record["type"]
                )
                return self._submitted
            self._submitted += 1
            seq = self._submitted
        self._queue.put((seq, record))
        return seq

    def wait_durable(self, seq: int | None = None, timeout: float = DURABLE_WITHIN_S) -> bool:
        """Wait until record ``seq`` (default: the last queued) is fsynced; False if not (yet).

        Returns early, False, when writing it failed or the writer has stopped.
        """
        with self._state:
            target = self._submitted if seq is None else seq
            self._state.wait_for(lambda: self._settled >= target or self._done, timeout)
            return self._durable >= target

    def close(
        self,
        *,
        duration_ms: int | None = None,
        ended_at: datetime | None = None,
        timeout: float = 2.0,
    ) -> bool:
        """Write what is queued and the ``end`` record, then release the file and join.

        Bounded by ``timeout``: a disk that does not answer must not hang
        Stop or Quit.  Returns False when the thread is still busy then; it
        finishes on its own (and a session it never ends shows as
        recoverable at the next launch).
        """
        with self._state:
            first = not self._closing
            self._closing = True
        if first:
            self._queue.put(_End(duration_ms, ended_at))
        if not self._thread.is_alive() and self._thread.ident is None:
            return True  # never started: nothing was written
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def durable(self) -> int:
        """Sequence number of the last record known to be on disk."""
        with self._state:
            return self._durable

    @property
    def saved_everything(self) -> bool:
        """The journal exists and every record queued so far is on disk.

        False means some of the session is only in the caller's memory: the
        caller keeps it (see :class:`~captioner.ui.session_manager.SessionManager`).
        A missing end record alone does not count: the turns are on disk and
        the session is offered for recovery.
        """
        with self._state:
            return self._opened and self._durable >= self._submitted

    # -- the writer thread ----------------------------------------------------------

    def _run(self) -> None:
        journal: TranscriptJournal | None = None
        try:
            journal = self._open()
            self._write_until_end(journal)
        except Exception as exc:  # a bug, not the disk: say so rather than die silently
            log.exception("%s: the journal writer failed", self.path)
            self._report(WriteStage.WRITE, f"The session journal “{self.path}” failed: {exc}")
            if journal is not None:
                journal.close()  # no end record: the session shows as recoverable

        finally:
            with self._state:
                self._done = True
                self._state.notify_all()
            try:
                self._on_done()  # after every on_written/on_problem: the last word
            except Exception:
                log.exception("journal done listener failed")

    def _write_until_end(self, journal: TranscriptJournal | None) -> None:
        unwritten: list[tuple[int, dict[str, Any]]] = []  # a failed batch, retried first
        failing = False
        while True:
            items = [self._queue.get()]
            while True:  # everything that queued up during the last fsync: one batch
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            end = next((item for item in items if isinstance(item, _End)), None)
            batch = unwritten + [item for item in items if not isinstance(item, _End)]
            if journal is None:  # could not open: nothing to write into
                self._settle(batch, ok=False)
                unwritten = []
            elif end is not None:
                self._finish(journal, batch, end)
                break
            elif batch:
                try:
                    journal.append_records([record for _seq, record in batch])
                except JournalError as exc:
                    unwritten = batch
                    if not failing:  # once per failing stretch, not once per turn
                        self._report(WriteStage.WRITE, str(exc))
                    failing = True
                    self._settle(batch, ok=False)
                    continue
                unwritten, failing = [], False
                self._settle(batch, ok=True)
                self._written({record["type"] for _seq, record in batch})
            if end is not None:
                break

    def _open(self) -> TranscriptJournal | None:
        started = time.monotonic()
        try:
            journal = TranscriptJournal.create(self.info, self._data_dir, rewrite=self._rewrite)
        except JournalError as exc:
            self._report(WriteStage.OPEN, str(exc))
            return None
        log.debug("%s: created in %.1f ms", self.path, (time.monotonic() - started) * 1000)
        with self._state:
            self._opened = True
        self._written({"session"})
        return journal

    def _finish(
        self, journal: TranscriptJournal, batch: list[tuple[int, dict[str, Any]]], end: _End
    ) -> None:
        try:
            journal.end(
                duration_ms=end.duration_ms,
                ended_at=end.ended_at,
                preceding=[record for _seq, record in batch],
            )
        except JournalError as exc:
            self._settle(batch, ok=False)
            self._report(WriteStage.CLOSE, str(exc))
            return
        self._settle(batch, ok=True)
        self._written({record["type"] for _seq, record in batch} | {"end"})

    def _settle(self, batch: list[tuple[int, dict[str, Any]]], *, ok: bool) -> None:
        if not batch:
            return
        last = batch[-1][0]
        with self._state:
            self._settled = max(self._settled, last)
            if ok:
                self._durable = max(self._durable, last)
            self._state.notify_all()

    def _report(self, stage: WriteStage, message: str) -> None:
        problem = JournalProblem(stage, message)
        self.problems.append(problem)
        try:
            self._on_problem(problem)
        except Exception:  # a broken listener must not stop the journal
            log.exception("journal problem listener failed")

    def _written(self, kinds: set[str]) -> None:
        try:
            self._on_written(frozenset(kinds))
        except Exception:
            log.exception("journal progress listener failed")
