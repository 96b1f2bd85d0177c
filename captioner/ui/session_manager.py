"""Keeps every session on disk as it happens, finds crashed ones, exports and copies.

Each Start opens a crash-safe journal (one JSON Lines file per session),
written by a :class:`~captioner.core.journal_writer.JournalWriter` thread:
the GUI thread only queues each finished turn, and the writer has it on
disk within 100 ms.  A session that was not ended cleanly (the app was
killed, the power went) is found at the next launch and offered back.
Disk trouble is reported in plain words and never costs the transcript on
screen: when the folder cannot take it, it is held in memory, said at once
(``savingProblem``), and written to the folder the user picks instead
(:meth:`SessionManager.use_folder`).  Stop never waits for the disk: the
writer says when it is done (``settled``).  The history is read through
:class:`SessionLibrary`, an index kept off the GUI thread; exports are
written off it too (:class:`~captioner.ui.session_export.Exports`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from captioner.core.data_dir import FolderCheck
from captioner.core.journal_format import apply_service
from captioner.core.journal_writer import JournalProblem, JournalWriter, WriteStage
from captioner.core.session import SessionInfo, utc_now
from captioner.core.session_index import Listing
from captioner.core.sessions import SessionStore
from captioner.core.settings import Key, Settings
from captioner.core.transcript import Change, Transcript, Turn
from captioner.core.unsaved import FallbackResult, fallback_folders, save_to_fallback
from captioner.engines.base import ServiceSession
from captioner.ui.damage_notes import DamageNotes
from captioner.ui.gui_relay import to_gui
from captioner.ui.live_session import LiveSession
from captioner.ui.session_changes import SessionChanges
from captioner.ui.session_export import Exports
from captioner.ui.session_library import SessionLibrary

log = logging.getLogger(__name__)

# Stop never waits for the journal's last records and end record (the writer
# thread says when it is done); after this long without an answer the user is
# told the disk is not answering.  One fsync normally takes milliseconds.
CLOSE_TIMEOUT_S = 2.0

_ADVICE = {
    WriteStage.OPEN: " Captions go on, but this session is not being saved.",
    WriteStage.WRITE: " The transcript on screen is kept; export it to save it.",
    WriteStage.CLOSE: "",
}


@dataclass(slots=True)
class _Unsaved:
    """A stopped session whose journal could not be written: kept here until a folder takes it."""

    info: SessionInfo
    turns: list[Turn]
    duration_ms: int
    writer: JournalWriter | None = None  # the one writing it to a chosen folder, if any
    reason: str = ""  # why its journal failed (the disk is full…), said while it is held


class SessionManager(SessionChanges, QObject):
    """The journal of the live session, and the store of past ones.

    Whether sessions are being kept is one state, ``not_saving`` (a plain
    message, or ``None``): the folder failed its check, the live session's
    journal cannot be written, or stopped sessions are held only in memory.
    It is announced the moment it changes — not after Stop — and
    :meth:`use_folder` moves everything held in memory to a folder that works.

    Signals:
        problem(str): the journal could not be written (the transcript on screen is safe).
        sessionsChanged(): a session started, ended, was renamed, recovered or deleted.
        savingProblem(str): sessions are not being saved now, and why.
        savingResumed(str): they are again (the folder they go to).
        damageFound(str): stored sessions had records that could not be read (said once
            for each new damage, also across launches when ``prefs`` is given).
        settled(): no journal is being closed or written from memory, and no export
            written, any more (what Quit waits for before it counts the sessions
            held in memory).
    """

    problem = Signal(str)
    sessionsChanged = Signal()
    savingProblem = Signal(str)
    savingResumed = Signal(str)
    damageFound = Signal(str)
    settled = Signal()

    def __init__(
        self,
        data_dir: str | Path | None = None,
        parent: QObject | None = None,
        *,
        prefs: Settings | None = None,
    ) -> None:
        """``data_dir``: ``--data-dir``; without it, the folder the user chose last (``prefs``)."""
        super().__init__(parent)
        self._prefs = prefs
        remembered = prefs.get(Key.SESSIONS_FOLDER) if prefs is not None else ""
        if not data_dir and remembered:
            log.info("Sessions are kept in “%s” (the folder chosen last time)", remembered)
        self.store = SessionStore(Path(data_dir or remembered) if data_dir or remembered else None)
        self.library = SessionLibrary(self.store, self)
        self.exports = Exports(self)  # both windows' exports, written off the GUI thread
        self.live = LiveSession(self)  # the live session in memory, for the Sessions window
        self.writer: JournalWriter | None = None
        self.info: SessionInfo | None = None
        self.problem_text: str | None = None  # the first disk problem of this session
        self.not_saving: str | None = None
        self._transcript: Transcript | None = None
        self._folder_problem: str | None = None  # the last check of the current folder
        self._writer_problem: str | None = None  # the live journal's, while it lasts
        self._unsaved: list[_Unsaved] = []
        self._closing: dict[JournalWriter, _Unsaved] = {}  # stopped, end record on its way
        self._chosen: Path | None = None  # a folder the user picked, remembered once it works
        self._damage = DamageNotes(prefs)
        self.library.folderChecked.connect(self._on_folder_checked)
        self.library.unfinishedFound.connect(self._on_listing)
        self.exports.settled.connect(self._on_exports_settled)

    # -- the live session --------------------------------------------------------

    def begin(self, transcript: Transcript, *, engine: str, source: str, settings: dict) -> None:
        """Start the journal of a new session and follow ``transcript`` into it.

        The file is created on the writer thread; ``sessionsChanged`` fires
        again once it exists, and a failure arrives as ``problem``.
        """
        if self.writer is not None:
            self.finish()
        self.info = SessionInfo(engine=engine, source=source, settings=settings)
        started = time.monotonic()  # the live session's clock (its length: LiveSession.run_ms)
        self.problem_text = None
        self.writer = self._writer(self.info)
        self.writer.start()
        self._transcript = transcript
        transcript.subscribe(self._on_change)
        self.live.follow(self.info, transcript, started)
        self.sessionsChanged.emit()

    def _writer(self, info: SessionInfo, *, rewrite: bool = False) -> JournalWriter:
        """A journal writer into the current folder, reporting back on the GUI thread.

        ``rewrite``: all of the session is written again, over a partial file of it.

        Through :func:`to_gui`, not signals of this object: the writer may
        still be closing a file when the app is dropped, and it must not
        emit on a manager the GUI thread has deleted.
        """
        writer: JournalWriter
        problem = to_gui(self, lambda manager, found: manager._on_journal_problem(writer, found))
        written = to_gui(self, lambda manager, kinds: manager._on_journal_written(writer, kinds))
        done = to_gui(self, lambda manager, _none: manager._on_journal_done(writer))
        writer = JournalWriter(
            info,
            self.store.data_dir,
            on_problem=problem,
            on_written=written,
            on_done=lambda: done(None),
            rewrite=rewrite,
        )
        return writer

    def _on_change(self, change: Change) -> None:
        if self.writer is not None:
            self.writer.record(change)  # queues; never waits for the disk

    def wait_durable(self, timeout: float) -> bool:
        """Wait (bounded) until every turn queued so far is on disk; for tests and tools."""
        return self.writer.wait_durable(timeout=timeout) if self.writer is not None else True

    @property
    def pending(self) -> bool:
        """A stopped journal is still being closed, one held in memory or an export written."""
        return (
            bool(self._closing)
            or any(held.writer is not None for held in self._unsaved)
            or self.exports.busy
        )

    def _on_exports_settled(self) -> None:
        if not self.pending:
            self.settled.emit()

    @property
    def unsaved_count(self) -> int:
        """Stopped sessions that are only in memory (quitting now would lose them)."""
        return len(self._unsaved)

    def finish(self) -> None:
        """Clean stop: the queued turns and the end record, then the lock goes.

        Never waits: the writer thread finishes on its own and says so
        (``on_done``, on the GUI thread); then problems are reported, a session that did
        not reach the disk is held in memory, and ``settled`` fires.  The
        transcript is copied now, while it is this session's.
        """
        ended, duration = utc_now(), self.live.run_ms()  # the live session's clock
        self.live.stop()
        writer, self.writer = self.writer, None
        if writer is None:
            return
        if self.info is not None and self.info.id == writer.info.id:
            # What exports read (the main window's, the Sessions window's copy until it
            # reads the closed journal back): they had no end, and the turns' span as length.
            self.info.ended_at, self.info.duration_ms = ended, duration
        turns = list(self._transcript.finished) if self._transcript is not None else []
        self._closing[writer] = _Unsaved(writer.info, turns, duration)
        writer.close(duration_ms=duration, ended_at=ended, timeout=0)
        QTimer.singleShot(int(CLOSE_TIMEOUT_S * 1000), self, lambda: self._slow_close(writer))

    def _slow_close(self, writer: JournalWriter) -> None:
        if writer in self._closing:
            self._report(
                f"Saving the session journal “{writer.path}” is taking long (the disk is not "
                "answering); it carries on in the background."
            )

    def _on_journal_done(self, writer: JournalWriter) -> None:
        stopped = self._closing.pop(writer, None)
        if stopped is not None:
            self._closed(writer, stopped)
        for held in self._unsaved:
            if held.writer is writer:  # it ended without its end record: still only in memory
                held.writer = None
        if not self.pending:
            self.settled.emit()

    def _closed(self, writer: JournalWriter, stopped: _Unsaved) -> None:
        """A stopped session's writer has finished: report, and keep what did not reach disk."""
        for problem in writer.problems:  # said once per session (problem_text)
            self._report(problem.message + _ADVICE[problem.stage])
        if not writer.saved_everything and stopped.turns:
            stopped.info = writer.info  # with its title and end time
            stopped.reason = writer.problems[0].message if writer.problems else ""
            self._unsaved.append(stopped)
        if self.writer is None:
            self._writer_problem = None
        self._update_saving()
        self.library.invalidate(writer.info.id)
        self.live.ended.emit(writer.info.id)
        self.sessionsChanged.emit()

    def _on_journal_problem(self, writer: JournalWriter, problem: JournalProblem) -> None:
        if writer is self.writer:  # else _closed() reports it
            self._report(problem.message + _ADVICE[problem.stage])
            if problem.stage is not WriteStage.CLOSE:
                self._writer_problem = problem.message + _ADVICE[problem.stage]
                self._update_saving()
        elif any(writer is held.writer for held in self._unsaved):
            log.warning("%s", problem.message)  # still held; the banner stays

    def _on_journal_written(self, writer: JournalWriter, kinds: frozenset[str]) -> None:
        # The file now exists, or has its new title: lists show it.  Turns do
        # not notify (the index notices them by the file's size when asked).
        if writer is self.writer:
            if self._writer_problem is not None and writer.saved_everything:
                self._writer_problem = None  # a retry got everything out
                self._update_saving()
            if kinds & {"session", "rename"}:
                self.library.invalidate(writer.info.id)
                self.sessionsChanged.emit()
        elif "end" in kinds:  # a stopped session held in memory is now on disk
            self._unsaved = [held for held in self._unsaved if held.writer is not writer]
            self._update_saving()
            self.library.invalidate(writer.info.id)
            self.sessionsChanged.emit()

    # -- where sessions are kept -----------------------------------------------------

    def check_folder(self) -> None:
        """Ask (off the GUI thread) whether the folder works, and what a crash left in it.

        ``savingProblem`` if it does not work; the crashed and damaged
        sessions it holds come as ``library.unfinishedFound`` (the recovery
        banner) and ``damageFound``.  At start-up, and for each new folder.
        """
        self.library.request_folder_check()
        self.library.request_unfinished()

    def use_folder(self, folder: Path) -> None:
        """Keep sessions in ``folder`` from now on, with everything held only in memory.

        The live session's transcript so far is written there by a new
        writer (same session, same id) and journaling goes on into it;
        stopped sessions that were never saved follow.  Nothing is dropped
        from memory until it is on disk: if the new folder fails too, the
        banner stays and another can be chosen.
        """
        # The same store, pointed elsewhere: windows that hold it follow.
        self.store.data_dir = self._chosen = Path(folder)
        self.library.use_store(self.store)
        self._folder_problem = None
        live = self.writer  # failed, or well in the old folder (the folder check spoke first)
        if (
            live is not None
            and self._transcript is not None
            and (live.path.parent != Path(folder) or not live.saved_everything)
        ):
            live.close(timeout=0)  # its thread ends on its own; the GUI does not wait
            self._writer_problem = None
            self.writer = self._writer(live.info, rewrite=True)
            self.writer.start()
            for turn in self._transcript.finished:
                self.writer.append_turn(turn)
        for held in self._unsaved:
            held.writer = self._writer(held.info, rewrite=True)
            held.writer.start()
            for turn in held.turns:
                held.writer.append_turn(turn)
            held.writer.close(duration_ms=held.duration_ms, timeout=0)
        # "Saved again" waits for the answers: the folder's check, the writers' files.
        self.check_folder()
        self.sessionsChanged.emit()

    def _on_folder_checked(self, check: FolderCheck) -> None:
        if check.folder != self.store.data_dir:
            return  # an answer about a folder no longer in use
        self._folder_problem = check.problem
        self._update_saving()
        if check.unlisted:  # kept, but the history cannot see them: say it, no banner
            log.warning("%s", check.unlisted)
            self.problem.emit(check.unlisted)

    def _update_saving(self) -> None:
        held = len(self._unsaved)
        memory = (
            f"{held} stopped session{'s are' if held > 1 else ' is'} kept only in memory "
            "until a folder that works is chosen."
        )
        reason = self._unsaved[-1].reason if held else None
        parts = [self._writer_problem or self._folder_problem or reason, memory if held else None]
        message = " ".join(part for part in parts if part) or None
        if message == self.not_saving:
            return
        self.not_saving = message
        if message is None:
            if self._prefs is not None and self._chosen == self.store.data_dir:
                # The user's choice works: the next launch starts there too.
                self._prefs.set(Key.SESSIONS_FOLDER, str(self._chosen))
                self._chosen = None
            self.savingResumed.emit(str(self.store.data_dir))
        else:
            log.warning("%s", message)
            self.savingProblem.emit(message)

    def _on_listing(self, listing: Listing) -> None:
        """Say what was damaged once per new damage (not per line, check or launch)."""
        message = self._damage.news(listing.damaged)
        if message is not None:
            self.damageFound.emit(message)

    def save_held_elsewhere(self, done: Callable[[FallbackResult], None]) -> None:
        """Write the sessions held in memory to a fallback folder (SIGTERM, logout: no dialog).

        On the index's worker; ``done`` gets where they went (also logged).
        """
        held = [(h.info, h.turns) for h in self._unsaved]

        def saved(result: FallbackResult) -> None:
            self._unsaved = [h for h in self._unsaved if h.info.id not in result.folders]
            self._update_saving()
            done(result)

        self.library.run(lambda: save_to_fallback(held, fallback_folders(date.today())), saved)

    def note_service(self, session: ServiceSession) -> None:
        """The service said which model the live session runs: into its journal and exports.

        A journal record (durable like a turn), so a session killed mid-run
        still says which model made its text.
        """
        if self.info is not None:
            apply_service(self.info.settings, session.model, session.mode)
        if self.writer is not None:
            self.writer.service(session.model, session.mode)

    def _report(self, message: str) -> None:
        log.warning("%s", message)
        if self.problem_text is None:  # once per session: do not flood the status line
            self.problem_text = message
            self.problem.emit(message)
