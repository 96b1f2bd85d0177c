"""Keeps every session on disk as it happens, finds crashed ones, exports and copies.

Each Start opens a crash-safe journal (one JSON Lines file per session);
every finished turn is on disk before the next one is accepted.  A session
that was not ended cleanly (the app was killed, the power went) is found at
the next launch and offered back.  Disk trouble is reported in plain words
and never costs the transcript on screen.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from captioner.core.export import (
    ExportError,
    ExportFormat,
    ExportOptions,
    TranscriptFileError,
    export,
    import_json,
    to_txt,
)
from captioner.core.journal import JournalError, TranscriptJournal
from captioner.core.session import SessionInfo
from captioner.core.sessions import SessionStore, SessionSummary
from captioner.core.transcript import Change, Transcript, Turn

log = logging.getLogger(__name__)


class SessionManager(QObject):
    """The journal of the live session, and the store of past ones.

    Signals:
        problem(str): the journal could not be written (the transcript on screen is safe).
        sessionsChanged(): a session started, ended, was renamed, recovered or deleted.
    """

    problem = Signal(str)
    sessionsChanged = Signal()

    def __init__(self, data_dir: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = SessionStore(data_dir)
        self.journal: TranscriptJournal | None = None
        self.info: SessionInfo | None = None
        self._started = 0.0
        self.problem_text: str | None = None  # the first disk problem of this session

    # -- the live session --------------------------------------------------------

    def begin(self, transcript: Transcript, *, engine: str, source: str, settings: dict) -> None:
        """Open the journal of a new session and follow ``transcript`` into it."""
        self.info = SessionInfo(engine=engine, source=source, settings=settings)
        self._started = time.monotonic()
        self.problem_text = None
        try:
            self.journal = TranscriptJournal.create(self.info, self.store.data_dir)
        except JournalError as exc:
            self.journal = None
            self._report(f"{exc} Captions go on, but this session is not being saved.")
        transcript.subscribe(self._on_change)
        self.sessionsChanged.emit()

    def _on_change(self, change: Change) -> None:
        journal = self.journal
        if journal is None or journal.closed:
            return
        try:
            journal.record(change)
        except JournalError as exc:
            self._report(f"{exc} The transcript on screen is kept; export it to save it.")

    def finish(self) -> None:
        """Clean stop: the end record, then the lock goes."""
        journal, self.journal = self.journal, None
        if journal is None:
            return
        try:
            journal.end(duration_ms=int((time.monotonic() - self._started) * 1000))
        except JournalError as exc:
            self._report(str(exc))
        self.sessionsChanged.emit()

    def rename(self, session_id: str, title: str) -> None:
        """Rename a session; the live one through its open journal."""
        journal = self.journal
        try:
            if journal is not None and not journal.closed and journal.info.id == session_id:
                journal.rename(title)
            else:
                self.store.rename(session_id, title)
        except JournalError as exc:
            self._report(str(exc))
        self.sessionsChanged.emit()

    def _report(self, message: str) -> None:
        log.warning("%s", message)
        if self.problem_text is None:  # once per session: do not flood the status line
            self.problem_text = message
            self.problem.emit(message)

    # -- past sessions -------------------------------------------------------------

    def crashed(self) -> list[SessionSummary]:
        try:
            return self.store.unfinished()
        except OSError as exc:
            log.warning("Cannot look for unfinished sessions: %s", exc)
            return []

    def recover(self, session_id: str) -> list[Turn]:
        turns = self.store.recover(session_id)
        self.sessionsChanged.emit()
        return turns

    def import_file(self, path: str | Path) -> str:
        """Bring a JSON export back into the history; returns the session id.

        The imported session keeps its metadata, but gets a fresh id when one
        with the same id is already here (importing twice makes two copies).
        """
        info, turns = import_json(path)  # TranscriptFileError: plain message
        info = info or SessionInfo(engine="imported", source=Path(path).name)
        if any(s.id == info.id for s in self.store.list()):
            info = replace(info, id=uuid.uuid4().hex)
        try:
            journal = TranscriptJournal.create(info, self.store.data_dir)
            for turn in turns:
                journal.append_turn(turn)
            journal.end(duration_ms=info.duration_ms, ended_at=info.ended_at)
        except JournalError as exc:
            raise TranscriptFileError(str(exc)) from exc
        self.sessionsChanged.emit()
        return info.id

    def discard(self, session_id: str) -> None:
        self.store.delete(session_id)
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
