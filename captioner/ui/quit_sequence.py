"""Quitting: end the captioning run first, then close everything, whatever asked.

Window close, File ▸ Quit, the tray's Quit, Ctrl+C and SIGTERM all come
here.  A cloud session is billed while open, so the run is stopped and its
end awaited (``Terminate`` sent, ``Termination`` received), with a bound in
case the engine never answers.  Closing the window while captioning with a
tray keeps captions going in the tray instead.

Then the session journals are let finish (bounded), and sessions that the
folder could not take — held only in memory — are never lost silently:
quitting from the window asks ("Choose folder… / Quit without saving /
Cancel"); a signal (SIGTERM, Ctrl+C in a terminal) cannot ask, so they are
written to a ``captioner-unsaved-<date>`` folder and the log says where.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox, QWidget
from shiboken6 import isValid

from captioner.core.settings import Key, Settings
from captioner.core.unsaved import FallbackResult
from captioner.ui.controller import CaptionController
from captioner.ui.main_window import MainWindow
from captioner.ui.overlay import CaptionOverlay
from captioner.ui.session_manager import SessionManager
from captioner.ui.storage_notice import ask_folder
from captioner.ui.tray import CaptionerTray

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT_S = 10.0  # Terminate → Termination wait is 5 s; leave room for the flush
SAVE_TIMEOUT_S = 5.0  # journals closing, sessions held in memory being written
E = TypeVar("E", bound=Enum)  # the answers of a question


class Unsaved(Enum):
    """What the user chose for sessions held only in memory."""

    CHOOSE_FOLDER = "choose"
    QUIT = "quit"
    CANCEL = "cancel"


def ask_unsaved(
    parent: QWidget, count: int, reason: str, answer: Callable[[Unsaved], None]
) -> QMessageBox:
    """Ask whether to save the sessions held in memory before quitting; ``answer`` gets it.

    Window-modal and not waited for (``open``, not ``exec``): the GUI thread
    goes on (captions of a run still stopping, the journals' answers).
    """
    plural = "sessions were" if count > 1 else "session was"
    text = f"{count} {plural} not saved. Quitting now loses {'them' if count > 1 else 'it'}."
    return _ask(
        parent,
        (QMessageBox.Icon.Warning, "Sessions not saved", text, reason),
        ("Choose folder…", Unsaved.CHOOSE_FOLDER),
        ("Quit without saving", Unsaved.QUIT),
        Unsaved.CANCEL,
        answer,
    )


class Closing(Enum):
    """What the user chose when closing the window while captioning, with no tray to keep it."""

    MINIMISE = "minimise"
    QUIT = "quit"
    CANCEL = "cancel"


def ask_closing(parent: QWidget, answer: Callable[[Closing], None]) -> QMessageBox:
    """Closing the window would stop the captions (no tray): minimise, quit or cancel.

    Without a tray (GNOME without the AppIndicator extension) a close mid-call
    quit at once and the captions stopped; minimising keeps them going, the
    window one click away in the taskbar.  Not waited for (``open``).
    """
    return _ask(
        parent,
        (
            QMessageBox.Icon.Question,
            "Stop captioning?",
            "Captioning is running. Quitting Captioner stops the captions.",
            "Minimise the window to keep captioning in the overlay.",
        ),
        ("&Minimise", Closing.MINIMISE),
        ("&Quit", Closing.QUIT),
        Closing.CANCEL,
        answer,
    )


def _ask(
    parent: QWidget,
    said: tuple[QMessageBox.Icon, str, str, str],
    default: tuple[str, E],
    destructive: tuple[str, E],
    cancelled: E,
    answer: Callable[[E], None],
) -> QMessageBox:
    """A window-modal question (icon, title, text, more) with a default, a destructive
    choice and Cancel (Escape); ``answer`` gets the choice's value, not waited for."""
    icon, title, text, more = said
    box = QMessageBox(parent)
    box.setIcon(icon)
    box.setWindowTitle(title)
    box.setText(text)
    box.setInformativeText(more)
    first = box.addButton(default[0], QMessageBox.ButtonRole.AcceptRole)
    second = box.addButton(destructive[0], QMessageBox.ButtonRole.DestructiveRole)
    box.setEscapeButton(box.addButton(QMessageBox.StandardButton.Cancel))
    box.setDefaultButton(first)

    def finished(_result: int) -> None:
        clicked = box.clickedButton()
        box.deleteLater()
        answer(
            default[1] if clicked is first else destructive[1] if clicked is second else cancelled
        )

    box.finished.connect(finished)
    box.open()
    return box


class QuitSequence(QObject):
    """Stops the run (bounded wait), saves or asks about sessions, then closes the windows.

    Signals:
        quitting(): quitting has begun: a Start still waiting (for the keyring) must
            be cancelled, or its answer would begin a run while the app quits.
        finished(): captioning has ended and the windows are closed.
    """

    quitting = Signal()
    finished = Signal()

    def __init__(
        self,
        window: MainWindow,
        overlay: CaptionOverlay,
        controller: CaptionController,
        prefs: Settings,
        sessions: SessionManager | None = None,
        tray: CaptionerTray | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._overlay = overlay
        self._controller = controller
        self._prefs = prefs
        self._sessions = sessions
        self._tray = tray
        self._quitting = False
        self._unattended = False
        self._dialog: QWidget | None = None  # ours, while it is up
        self._waiting = ""  # what the bound timer bounds: "run", "sessions", "" (nothing)
        self.done = False
        self.ask_unsaved: Callable[
            [QWidget, int, str, Callable[[Unsaved], None]], QWidget | None
        ] = ask_unsaved  # tests replace it
        self.ask_folder: Callable[[QWidget, str], str] = ask_folder
        self.ask_closing: Callable[[QWidget, Callable[[Closing], None]], QWidget | None] = (
            ask_closing
        )
        self.starting: Callable[[], bool] = lambda: False  # a Start waits (the app sets it)
        self._bound = QTimer(self)
        self._bound.setSingleShot(True)
        self._bound.timeout.connect(self._after_timeout)
        window.closeRequested.connect(self.window_closed)
        window.quitRequested.connect(self.request)
        if tray is not None:
            tray.quitRequested.connect(self.request)
        controller.runningChanged.connect(self._on_running)
        if sessions is not None:
            sessions.settled.connect(self._on_settled)
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):  # the desktop session is ending: nobody to ask
            app.commitDataRequest.connect(self._on_logout)  # gone with this object

    def request(self) -> None:
        """Stop captioning (bounded wait for the session to end), then quit."""
        if self._quitting:
            return
        self._quitting = True
        self.quitting.emit()
        if not self._controller.running:
            self._after_run()
            return
        self._window.show_status("Stopping…")
        self._controller.stop()
        self._wait("run", SHUTDOWN_TIMEOUT_S)

    def request_unattended(self) -> None:
        """Quit with nobody to ask (SIGTERM, Ctrl+C, a logout): unsaved sessions go to a fallback.

        A dialog asked before the signal came is answered for the user.
        """
        self._unattended = True
        if self._dialog is not None:
            self._dialog.close()  # answers "Cancel"; _answered sees that nobody is there
            return
        self.request()

    def _on_logout(self, _manager: object) -> None:
        self.request_unattended()

    def window_closed(self) -> None:
        """Closing the window keeps captioning in the tray, where there is one: a Start
        still waiting (for the keyring, say) goes on to caption there too.  Without a
        tray, the user is asked (minimise, quit or cancel) rather than captions ending."""
        if not (self._controller.running or self.starting()):
            self.request()
            return
        if self._tray is None:
            if self._dialog is None and not self._quitting:
                self._dialog = self.ask_closing(self._window, self._closing_answered)
            return
        self._window.hide()
        if not self._prefs.get(Key.TRAY_NOTICE_SHOWN):
            self._prefs.set(Key.TRAY_NOTICE_SHOWN, True)
            self._tray.notify(
                "Captioner is still captioning",
                "Captions continue in the overlay. Use the tray icon to stop, "
                "show the window or quit.",
            )

    def _closing_answered(self, answer: Closing) -> None:
        self._dialog = None
        if answer is Closing.QUIT or self._unattended:  # a signal came meanwhile: it quits
            self.request()
        elif answer is Closing.MINIMISE and isValid(self._window):
            self._window.showMinimized()

    def _wait(self, what: str, seconds: float) -> None:
        self._waiting = what
        self._bound.start(int(seconds * 1000))

    def _on_running(self, running: bool) -> None:
        if not running and self._quitting and self._waiting == "run":
            self._after_run()

    def _after_run(self) -> None:
        """The run is over (the session manager has been told): let the journals finish."""
        self._bound.stop()
        if self._sessions is not None and self._sessions.pending:
            if isValid(self._window):  # Stop, then the journal: it may outlive a torn-down window
                self._window.show_status("Saving the session…")
            self._wait("sessions", SAVE_TIMEOUT_S)  # _on_settled goes on
            return
        self._waiting = ""
        self._check_unsaved()

    def _on_settled(self) -> None:
        if self._quitting and self._waiting == "sessions":
            self._bound.stop()
            self._waiting = ""
            self._check_unsaved()

    def _after_timeout(self) -> None:
        waiting, self._waiting = self._waiting, ""
        if self.done:
            return
        if waiting == "run":
            log.warning("The engine did not stop in %.0f s; quitting anyway", SHUTDOWN_TIMEOUT_S)
            self._finish()
        elif waiting == "sessions":
            log.warning("The session journals did not finish in %.0f s", SAVE_TIMEOUT_S)
            self._check_unsaved()
        elif waiting == "fallback":
            log.warning("Writing the unsaved sessions did not finish; quitting anyway")
            self._finish()

    def _check_unsaved(self) -> None:
        """Quit, unless sessions held only in memory would be lost without a word."""
        sessions = self._sessions
        count = sessions.unsaved_count if sessions is not None else 0
        if sessions is None or count == 0:
            self._finish()
            return
        if self._unattended:
            self._wait("fallback", SAVE_TIMEOUT_S)
            sessions.save_held_elsewhere(self._saved_elsewhere)
            return
        if self._dialog is None:
            reason = sessions.not_saving or ""
            self._dialog = self.ask_unsaved(self._window, count, reason, self._answered)

    def _answered(self, choice: Unsaved) -> None:
        self._dialog = None
        sessions = self._sessions
        assert sessions is not None
        if self._unattended:  # a signal came while the dialog was up: nobody is there
            self._check_unsaved()
            return
        count = sessions.unsaved_count
        if choice is Unsaved.CHOOSE_FOLDER:
            folder = self.ask_folder(self._window, str(sessions.store.data_dir.parent))
            if folder:
                self._window.show_status(f"Saving sessions in “{folder}”…")
                sessions.use_folder(Path(folder))
                self._wait("sessions", SAVE_TIMEOUT_S)  # then asked again if it failed too
                return
            choice = Unsaved.CANCEL
        if choice is Unsaved.QUIT:
            log.warning("Quitting without saving %d session(s) held in memory", count)
            self._finish()
            return
        self._quitting = False
        plural = "sessions are" if count > 1 else "session is"
        self._window.show_status(f"Not quitting: {count} {plural} still only in memory.", True)

    def _saved_elsewhere(self, result: FallbackResult) -> None:
        if self._waiting == "fallback":
            self._bound.stop()
            self._waiting = ""
        log.warning("Quitting: %s", result.describe())
        self._finish()

    def _finish(self) -> None:
        if self.done:
            return
        self.done = True
        self._bound.stop()
        # The journals' answer may come after the widgets were deleted (a test's teardown,
        # the desktop closing windows at logout): close what is still there.
        if self._tray is not None and isValid(self._tray):
            self._tray.hide()
        if isValid(self._overlay):
            self._overlay.close()
        if isValid(self._window):
            self._window.allow_close()
            self._window.close()
        self.finished.emit()
