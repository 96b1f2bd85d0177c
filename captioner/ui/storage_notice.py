"""Says at once, and keeps saying, when sessions are not being saved; offers another folder.

A data folder that is a file, unreadable or read-only used to show only
after Stop: the whole session said "Listening" while nothing was kept.  Now
the session manager's ``savingProblem`` reaches the user the moment it is
known (the start-up check of the folder, or the live journal's first
failed write), in three places:

- a banner over the transcript with the reason and a "Choose another
  folder…" button (it stays until saving works again);
- the status line, and through it the overlay: the controller's status is
  what the overlay shows (its placeholder, and its badge over captions), so
  while a run goes on every state is said as "Listening · Not being saved";
- the log.

Choosing a folder hands it to :meth:`SessionManager.use_folder`, which
writes the transcript held in memory there (on the journal writer thread)
and journals on into it; once saving works there, the folder is remembered
for the next launches (``--data-dir`` still wins) and the status line says
where sessions now go.  Disk problems of single sessions (``problem``) and
damaged stored sessions (``damageFound``, once for each new damage) are said
in the status line.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QFileDialog, QMainWindow, QToolBar, QToolButton, QWidget

from captioner.ui.controller import CaptionController
from captioner.ui.recovery_banner import FolderBanner
from captioner.ui.session_manager import SessionManager

NOT_SAVED = "Not being saved"


def ask_folder(parent: QWidget, start: str) -> str:
    """The folder the user picks for saved sessions, or "" if they cancel."""
    return QFileDialog.getExistingDirectory(parent, "Choose a folder for saved sessions", start)


class StorageNotice(QObject):
    """The banner, status and overlay line for "sessions are not being saved"."""

    def __init__(
        self,
        window: QMainWindow,
        controller: CaptionController,
        sessions: SessionManager,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._controller = controller
        self._sessions = sessions
        self.ask_folder: Callable[[QWidget, str], str] = ask_folder  # tests replace it
        self._chosen = ""  # the folder picked here, until saving works in it
        self.banner = FolderBanner()
        self.banner.chooseRequested.connect(self.choose_folder)
        # A top tool bar is QMainWindow's own place for a bar over the content:
        # the window's layout stays the window's.
        self._bar = QToolBar("Saving sessions")
        self._bar.setObjectName("folderBannerBar")
        self._bar.setMovable(False)
        self._bar.setFloatable(False)
        self._bar.toggleViewAction().setVisible(False)
        # Its overflow button (a narrow window) has no text: name it for screen readers.
        overflow = self._bar.findChild(QToolButton, "qt_toolbar_ext_button")
        if overflow is not None:
            overflow.setAccessibleName("More of the saving-sessions notice")
        self._bar.addWidget(self.banner)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self._bar)
        self._bar.hide()
        sessions.savingProblem.connect(self._on_problem)
        sessions.savingResumed.connect(self._on_resumed)
        sessions.damageFound.connect(lambda message: window.show_status(message, True))
        sessions.problem.connect(lambda message: window.show_status(message, True))
        sessions.check_folder()

    @property
    def shown(self) -> bool:
        """Whether the banner is up (tests; the bar is what shows and hides)."""
        return not self._bar.isHidden()

    def choose_folder(self) -> None:
        start = str(self._sessions.store.data_dir.parent)
        chosen = self.ask_folder(self._window, start)
        if not chosen:
            return
        self._chosen = str(Path(chosen))
        self._sessions.use_folder(Path(chosen))
        self._window.show_status(f"Saving sessions in “{chosen}”…")

    def _on_problem(self, message: str) -> None:
        self.banner.set_text(message)
        self._bar.show()
        self._controller.set_status_note(NOT_SAVED)  # each state of a run says it
        if not self._controller.running:
            self._controller.report_error(message)

    def _on_resumed(self, folder: str) -> None:
        self._bar.hide()
        noted = self._controller.running and bool(self._controller.status_note)
        self._controller.set_status_note("")  # a run's state is said again without it
        if not noted:  # said where sessions go now
            lasting = " from now on, also after a restart" if folder == self._chosen else ""
            self._window.show_status(f"Sessions are saved in “{folder}”{lasting}.")
        if folder == self._chosen:
            self._chosen = ""
