"""Problems said from the tray while the main window is hidden in it.

Closing the main window keeps captioning in the tray (:mod:`captioner.ui.quit_sequence`).
A run that then ends with an error (a key refused, credit gone, the network
gone for good, the microphone unplugged), or a Start from the tray menu that
cannot begin, was said only in the hidden window's status line: the captions
stopped, the overlay faded, and nothing said why.  A deaf or hard-of-hearing
user who reads captions and nothing else must be told where they look: a
desktop notification from the tray icon, whose click brings the window back.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from captioner.ui.controller import CaptionController
from captioner.ui.tray import CaptionerTray

STOPPED_TITLE = "Captioning stopped"
NOT_STARTED_TITLE = "Captioning did not start"


class TrayAlerts(QObject):
    """Say a run's error, or a failed Start, in the tray while the window is hidden."""

    def __init__(
        self,
        window: QWidget,
        controller: CaptionController,
        tray: CaptionerTray,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._window, self._controller, self._tray = window, controller, tray
        self._hushed = False
        controller.statusChanged.connect(self._on_status)
        controller.runningChanged.connect(self._on_running)
        tray.icon.messageClicked.connect(tray.showWindowRequested)

    def hush(self) -> None:
        """The app is quitting: whatever ends now was asked for."""
        self._hushed = True

    def _on_status(self, text: str, is_error: bool) -> None:
        # An error while no run goes on is a Start that could not begin (no key, no input…);
        # a run's own error is said when it has ended (below), once.
        if is_error and not self._controller.running:
            self._tell(NOT_STARTED_TITLE, text)

    def _on_running(self, running: bool) -> None:
        error = self._controller.last_error
        if not running and error is not None:
            self._tell(STOPPED_TITLE, error.message)

    def _tell(self, title: str, message: str) -> None:
        if not self._hushed and not self._window.isVisible():  # shown, its status line says it
            self._tray.notify(title, message, warning=True)
