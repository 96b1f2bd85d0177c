"""Quitting: end the captioning run first, then close everything, whatever asked.

Window close, File ▸ Quit, the tray's Quit, Ctrl+C and SIGTERM all come
here.  A cloud session is billed while open, so the run is stopped and its
end awaited (``Terminate`` sent, ``Termination`` received), with a bound in
case the engine never answers.  Closing the window while captioning with a
tray keeps captions going in the tray instead.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal

from captioner.core.settings import Key, Settings
from captioner.ui.controller import CaptionController
from captioner.ui.main_window import MainWindow
from captioner.ui.overlay import CaptionOverlay
from captioner.ui.tray import CaptionerTray

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT_S = 10.0  # Terminate → Termination wait is 5 s; leave room for the flush


class QuitSequence(QObject):
    """Stops the run (bounded wait), then hides the tray and closes the windows.

    Signals:
        finished(): captioning has ended and the windows are closed.
    """

    finished = Signal()

    def __init__(
        self,
        window: MainWindow,
        overlay: CaptionOverlay,
        controller: CaptionController,
        prefs: Settings,
        tray: CaptionerTray | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._overlay = overlay
        self._controller = controller
        self._prefs = prefs
        self._tray = tray
        self._quitting = False
        self.done = False
        window.closeRequested.connect(self.window_closed)
        window.quitRequested.connect(self.request)
        controller.runningChanged.connect(self._on_running)

    def request(self) -> None:
        """Stop captioning (bounded wait for the session to end), then quit."""
        if self._quitting:
            return
        self._quitting = True
        if not self._controller.running:
            self._finish()
            return
        self._window.show_status("Stopping…")
        self._controller.stop()
        QTimer.singleShot(int(SHUTDOWN_TIMEOUT_S * 1000), self._after_timeout)

    def window_closed(self) -> None:
        """Closing the window keeps captioning in the tray, where there is one."""
        if self._tray is None or not self._controller.running:
            self.request()
            return
        self._window.hide()
        if not self._prefs.get(Key.TRAY_NOTICE_SHOWN):
            self._prefs.set(Key.TRAY_NOTICE_SHOWN, True)
            self._tray.notify(
                "Captioner is still captioning",
                "Captions continue in the overlay. Use the tray icon to stop, "
                "show the window or quit.",
            )

    def _on_running(self, running: bool) -> None:
        if not running and self._quitting:
            self._finish()

    def _after_timeout(self) -> None:
        if not self.done:
            log.warning("The engine did not stop in %.0f s; quitting anyway", SHUTDOWN_TIMEOUT_S)
            self._finish()

    def _finish(self) -> None:
        if self.done:
            return
        self.done = True
        if self._tray is not None:
            self._tray.hide()
        self._overlay.close()
        self._window.allow_close()
        self._window.close()
        self.finished.emit()
