"""Start-up lets the window paint before it imports asyncio and qasync (issue 14)."""

from __future__ import annotations

import gc

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QLabel

from captioner.ui import first_paint
from captioner.ui.first_paint import wait_for_first_paint
from tests.ui.paints import Paints


def test_it_returns_once_the_window_has_painted(qtbot) -> None:
    window = QLabel("Captioner")
    qtbot.addWidget(window)
    paints = Paints(window)
    window.show()
    assert paints.count == 0  # show() alone paints nothing: the event loop must turn
    wait_for_first_paint(window, timeout_ms=10_000)
    assert paints.count >= 1


def test_a_hidden_window_is_not_waited_for(qtbot) -> None:
    window = QLabel("Captioner")
    qtbot.addWidget(window)
    paints = Paints(window)
    wait_for_first_paint(window, timeout_ms=10_000)  # would hang the test for 10 s if it waited
    assert paints.count == 0


def test_what_it_makes_is_freed_at_once_on_the_gui_thread(qtbot) -> None:
    # A reference cycle between its event loop and the paint watcher was freed later by
    # the cycle collector, on another thread: Qt killed timers from the wrong thread and
    # the app crashed (SIGSEGV) in a launch with --start.
    window = QLabel("Captioner")
    qtbot.addWidget(window)
    window.show()
    gc.collect()
    gc.disable()
    try:
        wait_for_first_paint(window, timeout_ms=10_000)
        left = [
            o for o in gc.get_objects() if isinstance(o, (QEventLoop, first_paint._PaintWatcher))
        ]
    finally:
        gc.enable()
    assert left == []


def test_a_paint_while_the_show_is_flushed_is_not_waited_for_again(qtbot) -> None:
    # The app flushes show() to the display at once (processEvents); on some platforms the
    # window paints right then.  Watched from before show(), that paint counts: waiting
    # for another would hold start-up for the whole timeout.
    window = QLabel("Captioner")
    qtbot.addWidget(window)
    paints = Paints(window)
    watch = first_paint.FirstPaint(window)
    window.show()
    qtbot.waitUntil(lambda: paints.count >= 1, timeout=10_000)  # painted before the wait
    loops = []

    class NoLoop(QEventLoop):
        def exec(self) -> int:  # type: ignore[override]
            loops.append(self)
            return 0

    original, first_paint.QEventLoop = first_paint.QEventLoop, NoLoop
    try:
        watch.wait(timeout_ms=10_000)
    finally:
        first_paint.QEventLoop = original
    assert loops == []  # it returned at once, without running a loop until the timeout
