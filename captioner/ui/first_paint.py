"""Let a just-shown window paint before the app goes on setting itself up.

Start-up shows the main window as early as it can (issue 14); what is left
to set up on the GUI thread after ``show()`` (importing asyncio and qasync,
~30 ms) would otherwise run before the window's first paint, which only
happens once Qt's event loop turns.  So Qt's events are processed here until
the window has painted once, or ``timeout_ms`` passed (a platform that never
exposes a hidden or offscreen window must not hold start-up up).
"""

from __future__ import annotations

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


def wait_for_first_paint(window: QWidget, timeout_ms: int = TIMEOUT_MS) -> None:
    """Process Qt's events until ``window`` has painted once (at most ``timeout_ms``)."""
    if not window.isVisible():
        return
    loop = QEventLoop()
    watcher = _PaintWatcher()
    watcher.painted.connect(loop.quit)
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    window.installEventFilter(watcher)
    timer.start(timeout_ms)
    try:
        loop.exec()
    finally:
        timer.stop()
        window.removeEventFilter(watcher)
