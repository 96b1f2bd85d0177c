"""Fading the overlay out after a silence, and back in with the next words.

Optional (Settings ▸ Captions… ▸ Fade out after): an overlay that stays up
over a video is distracting when nobody speaks.  The window's opacity is
stepped from a timer, about 0.8 s from visible to invisible.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

STEP_MS = 40
STEP = 0.05


class OverlayFade(QObject):
    """Fades ``window`` out ``seconds`` after the last activity (0: never).

    Signals:
        fadedOut(): the window has become fully transparent.
        shown(): it is fully visible again after a fade (new text, or asked to).
    """

    fadedOut = Signal()
    shown = Signal()

    def __init__(self, window: QWidget, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._window = window
        self._seconds = 0
        self._after_stop = 0  # while stopped: fade this long after the last text
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.timeout.connect(self._start_fading)
        self._step = QTimer(self)
        self._step.setInterval(STEP_MS)
        self._step.timeout.connect(self._tick)

    def set_seconds(self, seconds: int) -> None:
        self._seconds = seconds
        if seconds <= 0 and not self._after_stop:
            self._idle.stop()
            self.show_fully()

    @property
    def gone(self) -> bool:
        """Fully transparent: out of sight, yet still a window the mouse could hit."""
        return self._window.windowOpacity() <= 0.0

    @property
    def faded(self) -> bool:
        """True while fading out or faded."""
        return self._step.isActive() or self._window.windowOpacity() < 0.5

    def activity(self) -> None:
        """New text: fully visible again, and the silence count starts over."""
        self.show_fully()
        # A last line that arrives after Stop restarts the count, never cancels it.
        delay = self._seconds or self._after_stop
        if delay > 0:
            self._idle.start(delay * 1000)
        else:
            self._idle.stop()

    def fade_after(self, seconds: int) -> None:
        """Stopped: fade out ``seconds`` after the last text, whatever the silence setting."""
        self._after_stop = max(0, seconds)
        if self._after_stop:
            self._idle.start(self._after_stop * 1000)

    def resume(self) -> None:
        """Captioning again: only the silence setting applies."""
        self._after_stop = 0
        self.activity()

    def show_fully(self) -> None:
        self._step.stop()
        if self._window.windowOpacity() < 1.0:
            self._window.setWindowOpacity(1.0)
            self.shown.emit()

    def _start_fading(self) -> None:
        self._step.start()

    def _tick(self) -> None:
        opacity = max(0.0, self._window.windowOpacity() - STEP)
        self._window.setWindowOpacity(opacity)
        if opacity <= 0.0:
            self._step.stop()
            self.fadedOut.emit()
