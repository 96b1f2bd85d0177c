"""Let a just-shown window paint before the app goes on setting itself up.

Start-up shows the main window as early as it can (issue 14); what is left
to set up on the GUI thread after ``show()`` (importing asyncio and qasync,
~30 ms) would otherwise run before the window's first paint, which only
happens once Qt's event loop turns.  So Qt's events are processed here until
the window has painted once, or ``timeout_ms`` passed (a platform that never
exposes a hidden or offscreen window must not hold start-up up).
:func:`wait_until` does the same until something says it is done.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

TIMEOUT_MS = 500


class _PaintWatcher(QObject):
    """Says when the watched window paints.

    It holds no reference to the loop it ends (a signal connection does): a
    Python reference cycle through QObjects would be freed by the cycle
    collector on whatever thread it runs, deleting them off the GUI thread.
    """

    painted = Signal()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.painted.emit()  # the loop ends once this paint is done
        return False


class FirstPaint:
    """Watches ``window`` for its first paint from before it is shown.

    Made before ``show()``, it also sees a paint that happens while the caller
    flushes the show to the display (``processEvents``), which a watcher
    installed afterwards would miss, and then wait out its whole timeout for.
    """

    def __init__(self, window: QWidget) -> None:
        self._window = window
        self._painted: list[bool] = []  # a list, not self: the slot holds no QObject
        self._watcher = _PaintWatcher()
        self._watcher.painted.connect(lambda painted=self._painted: painted.append(True))
        window.installEventFilter(self._watcher)

    def wait(self, timeout_ms: int = TIMEOUT_MS) -> None:
        """Process Qt's events until the window has painted once (at most ``timeout_ms``)."""
        try:
            if self._painted or not self._window.isVisible():
                return
            loop = QEventLoop()
            self._watcher.painted.connect(loop.quit)
            timer = QTimer()
            timer.setSingleShot(True)
            timer.timeout.connect(loop.quit)
            timer.start(timeout_ms)
            try:
                loop.exec()
            finally:
                timer.stop()
        finally:
            self._window.removeEventFilter(self._watcher)


def wait_for_first_paint(window: QWidget, timeout_ms: int = TIMEOUT_MS) -> None:
    """Process Qt's events until the shown ``window`` has painted once (at most ``timeout_ms``)."""
    FirstPaint(window).wait(timeout_ms)


def wait_until(arm: Callable[[Callable[[], None]], None], limit_ms: int) -> None:
    """Process Qt's events until the callback given to ``arm`` is called, or ``limit_ms``.

    ``arm`` hands the callback to whatever will say "done" (a signal, a hook);
    calling it after the wait ended does nothing.
    """
    loop = QEventLoop()
    ended: list[bool] = []

    def end() -> None:
        ended.append(True)
        loop.quit()

    arm(end)
    if ended:
        return
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    timer.start(limit_ms)
    try:
        loop.exec()
    finally:
        timer.stop()
