"""The input meters look at the level ten times a second while the window is in use,
four times behind another window (issue 14: each look that moves a bar is a paint)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from captioner.ui.meter_pace import BACKGROUND_MS, FOREGROUND_MS


def activate(qtbot, widget: QWidget) -> None:
    widget.show()
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow, timeout=5000)


def test_the_meters_slow_down_while_another_window_is_in_front(make_app, qtbot) -> None:
    app = make_app()
    timers = (app.levels.timer, app.call.level_timer)
    activate(qtbot, app.window)
    assert [t.interval() for t in timers] == [FOREGROUND_MS, FOREGROUND_MS]

    other = QWidget()  # the call or the video, in front
    qtbot.addWidget(other)
    activate(qtbot, other)
    assert [t.interval() for t in timers] == [BACKGROUND_MS, BACKGROUND_MS]

    activate(qtbot, app.window)  # back to the app: the meters follow the voice again
    assert [t.interval() for t in timers] == [FOREGROUND_MS, FOREGROUND_MS]


def test_a_meter_running_in_the_background_keeps_running(make_app, qtbot) -> None:
    app = make_app()
    timer = app.levels.timer
    activate(qtbot, app.window)
    timer.start()
    other = QWidget()
    qtbot.addWidget(other)
    activate(qtbot, other)
    assert timer.isActive() and timer.interval() == BACKGROUND_MS
    timer.stop()
