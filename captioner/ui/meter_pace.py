"""How often the input meters look at the level: often while the window is in use, less behind.

Each look that moves a meter is a paint of the whole main window, and a paint
cycle costs ~0.3-0.5 ms of the GUI thread's CPU whatever the bar draws (Qt's
repaint manager, then the window system: ``benchmarks/steady_cpu.py``), so
ten a second were a third of what captioning cost the GUI thread (issue 14).
While the window is the active one, someone is looking at it (choosing a
microphone, checking it hears them): the meters follow the voice at ten looks
a second.  While another window is active (the call, the video) the meters
are at best in the corner of an eye, and a few looks a second show as well
that the microphone hears; captioning itself is not slowed.

Behind another window the meters also look *with* the captions: a new partial
repaints the transcript anyway, and a look made in the same turn of the event
loop joins that paint instead of costing one of its own (the main window's
paint cycles while captioning: 345 a minute, meter and transcript never in
the same one).  Their timers then only fire when no caption came for
``BACKGROUND_MS``: in silence, or between turns.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, SignalInstance
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget
from shiboken6 import isValid

FOREGROUND_MS = 100
# Longer than the ~0.3 s between a speaker's partials, so that while someone
# speaks the meters look with the captions (see ride) and not between them.
BACKGROUND_MS = 400

Meter = tuple[QTimer, Callable[[], None]]  # the timer that looks, and the look


class MeterPace(QObject):
    """Sets the meters' timer interval from whether ``window`` is the active window.

    A running timer keeps running (``setInterval`` restarts its count, so the
    change shows at once); a stopped one stays stopped with the new interval.
    """

    def __init__(self, window: QWidget, *meters: Meter) -> None:
        super().__init__(window)
        self._window = window
        self._meters = list(meters)
        # Not an event filter on the window: that would be a Python call per event.
        QGuiApplication.instance().focusWindowChanged.connect(self._apply)
        self._apply()

    def interval(self) -> int:
        """The interval a meter's timer should have now, in milliseconds."""
        return FOREGROUND_MS if self._window.isActiveWindow() else BACKGROUND_MS

    def ride(self, *signals: SignalInstance) -> None:
        """Behind other windows, the running meters look whenever one of ``signals`` fires.

        Give the signals that repaint the main window (a caption changed):
        the look then shares that paint, and the timer starts its count again.
        """
        for signal in signals:
            signal.connect(self._look_along)

    def _look_along(self, *_args: object) -> None:
        if not isValid(self._window) or self._window.isActiveWindow():
            return  # in front the timers look often enough; the paint is shared anyway
        for timer, look in self._live():
            if timer.isActive():
                look()
                timer.start()  # restart the count: the next look is a full interval away

    def _live(self) -> list[Meter]:
        # The timers' owners may go first (the window outlives the app's parts at quit).
        self._meters = [meter for meter in self._meters if isValid(meter[0])]
        return self._meters

    def _apply(self, *_focus_window: object) -> None:
        meters = self._live()
        if not isValid(self._window):
            return
        interval = self.interval()
        for timer, _look in meters:
            if timer.interval() != interval:
                timer.setInterval(interval)
