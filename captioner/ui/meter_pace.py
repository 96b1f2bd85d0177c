"""How often the input meters look at the level: often while the window is in use, less behind.

Each look that moves a meter is a paint of the whole main window, and a paint
cycle costs ~0.3-0.5 ms of the GUI thread's CPU whatever the bar draws (Qt's
repaint manager, then the window system: ``benchmarks/steady_cpu.py``), so
ten a second were a third of what captioning cost the GUI thread (issue 14).
While the window is the active one, someone is looking at it (choosing a
microphone, checking it hears them): the meters follow the voice at ten looks
a second.  While another window is active (the call, the video) the meters
are at best in the corner of an eye, and four looks a second show as well
that the microphone hears; captioning itself is not slowed.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget
from shiboken6 import isValid

FOREGROUND_MS = 100
BACKGROUND_MS = 250


class MeterPace(QObject):
    """Sets ``timers``' interval from whether ``window`` is the active window.

    A running timer keeps running (``setInterval`` restarts its count, so the
    change shows at once); a stopped one stays stopped with the new interval.
    """

    def __init__(self, window: QWidget, *timers: QTimer) -> None:
        super().__init__(window)
        self._window = window
        self._timers = list(timers)
        # Not an event filter on the window: that would be a Python call per event.
        QGuiApplication.instance().focusWindowChanged.connect(self._apply)
        self._apply()

    def interval(self) -> int:
        """The interval a meter's timer should have now, in milliseconds."""
        return FOREGROUND_MS if self._window.isActiveWindow() else BACKGROUND_MS

    def _apply(self, *_focus_window: object) -> None:
        # The timers' owners may go first (the window outlives the app's parts at quit).
        self._timers = [timer for timer in self._timers if isValid(timer)]
        if not isValid(self._window):
            return
        interval = self.interval()
        for timer in self._timers:
            if timer.interval() != interval:
                timer.setInterval(interval)
