"""What the user does with sessions from the main window: export, copy, history, recovery.

Kept apart from :mod:`captioner.app` so that the wiring of a run and the
handling of kept transcripts each stay small.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QWidget

from captioner.core.settings import Settings
from captioner.ui.export_place import ExportPlace, ask_save_path, confirm_tracks
from captioner.ui.profanity_filter import ProfanityFilter
from captioner.ui.transcript_copy import TranscriptCopier

if TYPE_CHECKING:
    # The Sessions window (and its export, search and rename code) is imported when
    # first opened, not before the main window shows (issue 14's launch time).
    from captioner.core.session_index import Listing
    from captioner.core.transcript import Turn
    from captioner.ui.controller import CaptionController
    from captioner.ui.main_window import MainWindow
    from captioner.ui.session_export import ExportOutcome
    from captioner.ui.session_manager import SessionManager
    from captioner.ui.sessions_window import SessionsWindow


def _ask_confirm(parent: QWidget, question: str, title: str, action: str) -> bool:
    from captioner.ui.session_prompts import ask_confirm  # on first use, not at start-up

    return ask_confirm(parent, question, title, action)


def ask_open_path(parent: QWidget) -> str:
    """The Import dialog (:func:`captioner.ui.session_prompts.ask_open_path`), loaded when asked."""
    from captioner.ui import session_prompts

    return session_prompts.ask_open_path(parent)


class SessionActions(QObject):
    """Export/copy the current transcript, open history, recover a crashed session.

    Exports and copies show profanity as the screen does (``profanity``).
    Exports start in the folder and format used last (``prefs``); the file
    is written off the GUI thread (``sessions.exports``), and the status
    line then says where and offers to open the folder, or says what went wrong.
    """

    def __init__(
        self,
        window: MainWindow,
        controller: CaptionController,
        sessions: SessionManager,
        prefs: Settings | None = None,
        profanity: ProfanityFilter | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.profanity = profanity or ProfanityFilter(parent=self)
        self._window = window
        self._controller = controller
        self.sessions = sessions
        self.export_place = ExportPlace(prefs)
        self.copier = TranscriptCopier(self)
        self._prefs = prefs  # the subtitle choice (bilingual cue or a file per language)
        self.sessions_window: SessionsWindow | None = None
        self._crashed_id: str | None = None
        self._crashed_said = ""  # "the session of <title> (40 lines saved)"
        self.ask_confirm: Callable[[QWidget, str, str, str], bool] = _ask_confirm
        self.ask_save_path: Callable[[QWidget, str], str] = ask_save_path
        self.open_url: Callable[[QUrl], object] = QDesktopServices.openUrl
        window.data_dir_provider = lambda: sessions.store.data_dir
        window.dataFolderRequested.connect(self.open_data_folder)
        window.exportRequested.connect(self.export_current)
        window.importRequested.connect(self.import_transcript)
        self.ask_open_path: Callable[[QWidget], str] = ask_open_path
        window.copyRequested.connect(self.copy_current)
        window.sessionsRequested.connect(self.show_sessions)
        window.recoverRequested.connect(self.recover_crashed)
        window.discardRequested.connect(self.discard_crashed)
        sessions.library.unfinishedFound.connect(self._offer_recovery)

    def export_current(self) -> None:
        turns = list(self._controller.transcript.finished)
        if not turns:
            self._window.show_status("There is nothing to export yet.", True)
            return
        # Named as the Sessions window names it: its title, else when it started.
        path = self.ask_save_path(self._window, self.export_place.suggest(self.sessions.info))
        if not path:
            return
        subtitles = self.export_place.subtitles()
        # Asked here, before the write: a question belongs on the GUI thread
        # (it costs one stat per translation track, as the save dialog does).
        if not confirm_tracks(self._window, path, turns, subtitles):
            return
        self._window.show_status(f"Exporting to “{path}”…")
        self.sessions.exports.write(
            path,
            turns,
            self.sessions.live.export_info(self.sessions.info),  # a live one: its length so far
            self._exported,
            owner=self,
            mask_profanity=self.profanity.enabled,
            subtitles=subtitles,
        )

    def _exported(self, outcome: ExportOutcome) -> None:
        if not outcome.ok:
            self._window.show_status(outcome.message, True)
            return
        self.export_place.remember(outcome.path)
        self._window.show_saved(outcome.message, outcome.path)

    def open_data_folder(self) -> None:
        """Show the folder where sessions are kept in the file manager."""
        self.open_url(QUrl.fromLocalFile(str(self.sessions.store.data_dir)))

    def import_transcript(self) -> None:
        path = self.ask_open_path(self._window)
        if not path:
            return
        self._window.show_status(f"Importing “{path}”…")  # read and written off the GUI thread
        self.sessions.import_file(path, self._imported)

    def _imported(self, session_id: str | None, problem: str | None) -> None:
        if session_id is None:
            self._window.show_status(problem or "The transcript could not be imported.", True)
            return
        self._window.show_status("Transcript imported; it is in View ▸ Sessions.")
        self.show_sessions(session_id)

    def copy_current(self) -> None:
        view = self._window.transcript
        selected = view.textCursor().selection().toPlainText()  # line breaks as \n, as Ctrl+C
        if selected:
            QGuiApplication.clipboard().setText(selected)
            self._copied(None)
            return
        self._window.show_status("Copying the transcript…")  # built off the GUI thread
        self.copier.copy(
            self._controller.transcript.finished,
            self._copied,
            mask_profanity=self.profanity.enabled,
        )

    def _copied(self, problem: str | None) -> None:
        self._window.show_status(problem or "Transcript copied to the clipboard.", bool(problem))

    def show_sessions(self, session_id: str | None = None) -> SessionsWindow:
        if self.sessions_window is None:
            from captioner.ui.sessions_window import SessionsWindow

            self.sessions_window = SessionsWindow(
                self.sessions,
                profanity=self.profanity,
                export_place=self.export_place,
                text_size=self._window.transcript.text_size,
            )
            self.sessions_window.quitRequested.connect(self._window.quitRequested)
        window = self.sessions_window
        window.refresh()
        if session_id:
            window.open_session(session_id)
        window.show()
        window.raise_()
        return window

    def check_for_crashed_sessions(self) -> None:
        """Look for sessions a crash left open; the banner follows when the index answers.

        Finding them means reading every journal, so the session index does
        it on its worker; start-up does not wait for it.
        """
        self.sessions.library.request_unfinished()

    def _offer_recovery(self, listing: Listing) -> None:
        # A crash before the first finished line leaves a journal with nothing
        # in it to recover: such a session is closed quietly (as a Stop before
        # any words would have left it), not offered as "0 lines saved".
        # One with damaged lines is still offered: the user is told of those.
        crashed = []
        for summary in listing.summaries:
            if summary.turn_count or summary.damaged_lines:
                crashed.append(summary)
            else:
                self.sessions.recover(summary.id)
        if not crashed:
            self._crashed_id = None
            self._window.hide_recovery()
            return
        newest = crashed[0]
        self._crashed_id = newest.id
        self._crashed_said = f"the session of {newest.display_title} ({newest.turn_count} lines)"
        more = f" (and {len(crashed) - 1} more in View ▸ Sessions)" if len(crashed) > 1 else ""
        self._window.show_recovery(
            f"Captioner closed unexpectedly during the session of {newest.display_title} "
            f"({newest.turn_count} lines saved){more}. Recover it?"
        )

    def recover_crashed(self) -> None:
        if self._crashed_id is None:
            return
        session_id, self._crashed_id = self._crashed_id, None
        self._window.hide_recovery()  # shown again if the index finds more
        self._window.show_status("Recovering the session…")  # the disk work is off the GUI thread
        self.sessions.recover(
            session_id, lambda turns, problem: self._recovered(session_id, turns, problem)
        )

    def _recovered(self, session_id: str, turns: list[Turn], problem: str | None) -> None:
        if problem is None:
            self._window.show_status(f"Recovered {len(turns)} lines; they are in View ▸ Sessions.")
        self.check_for_crashed_sessions()
        self.show_sessions(session_id)

    def discard_crashed(self) -> None:
        """Delete the unfinished session, once the user has said so (Discard sits by Recover)."""
        if self._crashed_id is None:
            return
        question = f"Delete {self._crashed_said} for good? This cannot be undone."
        if not self.ask_confirm(self._window, question, "Discard session", "&Discard"):
            return
        session_id, self._crashed_id = self._crashed_id, None
        self._window.hide_recovery()  # shown again if the index finds more
        said = self._crashed_said
        self.sessions.discard(
            session_id,
            lambda problem: self._window.show_status(problem or f"Deleted {said}.", bool(problem)),
        )
        self.check_for_crashed_sessions()
