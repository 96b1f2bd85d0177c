"""Keeps every session on disk as it happens, finds crashed ones, exports and copies.

Each Start opens a crash-safe journal (one JSON Lines file per session),
written by a :class:`~captioner.core.journal_writer.JournalWriter` thread:
the GUI thread only queues each finished turn, and the writer has it on
disk within 100 ms.  A session that was not ended cleanly (the app was
killed, the power went) is found at the next launch and offered back.
Disk trouble is reported in plain words and never costs the transcript on
screen.  The history is read through :class:`SessionLibrary`, an index kept
off the GUI thread.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal

from captioner.core.export import (
    ExportError,
    ExportFormat,
    ExportOptions,
    TranscriptFileError,
    export,
    import_json,
    to_txt,
)
from captioner.core.journal import JournalError, TranscriptJournal, turn_record
from captioner.core.journal_writer import JournalProblem, JournalWriter, WriteStage
from captioner.core.session import SessionInfo
from captioner.core.sessions import SessionStore
from captioner.core.transcript import Change, Transcript, Turn
from captioner.ui.session_library import SessionLibrary

log = logging.getLogger(__name__)

# Stop and Quit wait this long at most for the journal's last records and
# its end record: one fsync normally takes milliseconds.
CLOSE_TIMEOUT_S = 2.0

_ADVICE = {
    WriteStage.OPEN: " Captions go on, but this session is not being saved.",
    WriteStage.WRITE: " The transcript on screen is kept; export it to save it.",
    WriteStage.CLOSE: "",
}


class SessionManager(QObject):
    """The journal of the live session, and the store of past ones.

    Signals:
        problem(str): the journal could not be written (the transcript on screen is safe).
        sessionsChanged(): a session started, ended, was renamed, recovered or deleted.
    """

    problem = Signal(str)
    sessionsChanged = Signal()
    # From the writer thread; queued to this object's (the GUI) thread.
    _journalProblem = Signal(object, object)  # JournalWriter, JournalProblem
    _journalWritten = Signal(object, object)  # JournalWriter, frozenset of record types

    def __init__(self, data_dir: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = SessionStore(data_dir)
        self.library = SessionLibrary(self.store, self)
        self.writer: JournalWriter | None = None
        self.info: SessionInfo | None = None
        self._started = 0.0
        self.problem_text: str | None = None  # the first disk problem of this session
        queued = Qt.ConnectionType.QueuedConnection
        self._journalProblem.connect(self._on_journal_problem, queued)
        self._journalWritten.connect(self._on_journal_written, queued)

    # -- the live session --------------------------------------------------------

    def begin(self, transcript: Transcript, *, engine: str, source: str, settings: dict) -> None:
        """Start the journal of a new session and follow ``transcript`` into it.

        The file is created on the writer thread; ``sessionsChanged`` fires
        again once it exists, and a failure arrives as ``problem``.
        """
        if self.writer is not None:
            self.finish()
        self.info = SessionInfo(engine=engine, source=source, settings=settings)
        self._started = time.monotonic()
        self.problem_text = None
        writer: JournalWriter
        writer = JournalWriter(
            self.info,
            self.store.data_dir,
            on_problem=lambda problem: self._journalProblem.emit(writer, problem),
            on_written=lambda kinds: self._journalWritten.emit(writer, kinds),
        )
        self.writer = writer
        writer.start()
        transcript.subscribe(self._on_change)
        self.sessionsChanged.emit()

    def _on_change(self, change: Change) -> None:
        if self.writer is not None:
            self.writer.record(change)  # queues; never waits for the disk

    def wait_durable(self, timeout: float) -> bool:
        """Wait (bounded) until every turn queued so far is on disk; for tests and tools."""
        return self.writer.wait_durable(timeout=timeout) if self.writer is not None else True

    def finish(self) -> None:
        """Clean stop: the queued turns and the end record, then the lock goes.

        Waits for the writer (bounded by ``CLOSE_TIMEOUT_S``) so that Stop
        and Quit leave a closed journal and report its problems at once.
        """
        writer, self.writer = self.writer, None
        if writer is None:
            return
        done = writer.close(
            duration_ms=int((time.monotonic() - self._started) * 1000), timeout=CLOSE_TIMEOUT_S
        )
        for problem in writer.problems:  # the queued signals for these are now stale
            self._report(problem.message + _ADVICE[problem.stage])
        if not done:
            self._report(
                f"Saving the session journal “{writer.path}” is taking long (the disk is not "
                "answering); it carries on in the background."
            )
        self.library.invalidate(writer.info.id)
        self.sessionsChanged.emit()

    def _on_journal_problem(self, writer: JournalWriter, problem: JournalProblem) -> None:
        if writer is self.writer:  # else finish() has reported it already
            self._report(problem.message + _ADVICE[problem.stage])

    def _on_journal_written(self, writer: JournalWriter, kinds: frozenset[str]) -> None:
        # The file now exists, or has its new title: lists show it.  Turns do
        # not notify (the index notices them by the file's size when asked).
        if writer is self.writer and kinds & {"session", "rename"}:
            self.library.invalidate(writer.info.id)
            self.sessionsChanged.emit()

    def rename(self, session_id: str, title: str) -> None:
        """Rename a session; the live one through its writer (lists follow once it is on disk)."""
        writer = self.writer
        if writer is not None and writer.info.id == session_id:
            writer.rename(title)
            if self.info is not None:
                self.info.title = writer.info.title
            return
        try:
            self.store.rename(session_id, title)
        except JournalError as exc:
            self._report(str(exc))
        self.library.invalidate(session_id)
        self.sessionsChanged.emit()

    def _report(self, message: str) -> None:
        log.warning("%s", message)
        if self.problem_text is None:  # once per session: do not flood the status line
            self.problem_text = message
            self.problem.emit(message)

    # -- past sessions -------------------------------------------------------------

    def recover(self, session_id: str) -> list[Turn]:
        turns = self.store.recover(session_id)
        self.library.invalidate(session_id)
        self.sessionsChanged.emit()
        return turns

    def import_file(self, path: str | Path) -> str:
        """Bring a JSON export back into the history; returns the session id.

        The imported session keeps its metadata, but gets a fresh id when one
        with the same id is already here (importing twice makes two copies).
        """
        info, turns = import_json(path)  # TranscriptFileError: plain message
        info = info or SessionInfo(engine="imported", source=Path(path).name)
        if self.store.path(info.id).exists():  # one stat, not a read of every journal
            info = replace(info, id=uuid.uuid4().hex)
        try:
            journal = TranscriptJournal.create(info, self.store.data_dir)
            records = [turn_record(turn) for turn in turns]
            journal.end(duration_ms=info.duration_ms, ended_at=info.ended_at, preceding=records)
        except JournalError as exc:
            raise TranscriptFileError(str(exc)) from exc
        self.library.invalidate(info.id)
        self.sessionsChanged.emit()
        return info.id

    def discard(self, session_id: str) -> None:
        self.store.delete(session_id)
        self.library.invalidate(session_id)
        self.sessionsChanged.emit()


def export_turns(
    path: str | Path,
    turns: list[Turn],
    info: SessionInfo | None,
    *,
    fmt: str | None = None,
    timestamps: bool = True,
    mask_profanity: bool = False,
) -> tuple[ExportFormat | None, str]:
    """Export and say what happened in plain words: (format or None, message)."""
    if not turns:
        return None, "There is nothing to export yet."
    options = ExportOptions(timestamps=timestamps, mask_profanity=mask_profanity)
    try:
        written = export(path, turns, info, fmt=fmt, options=options)
    except ExportError as exc:
        return None, str(exc)
    return written, f"Saved {len(turns)} lines to {path} ({written.value.upper()})."


def plain_text(turns: list[Turn], *, mask_profanity: bool = False) -> str:
    """The transcript for the clipboard: one paragraph per turn, no timestamps."""
    return to_txt(turns, ExportOptions(timestamps=False, mask_profanity=mask_profanity))
