"""The input meters look at the level ten times a second while the window is in use, less
often behind another window, and there with each caption (issue 14: a look that moves a
bar is a paint, and one made with a caption shares the caption's)."""

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


class Source:
    """A device whose level the test sets (what the meter's look reads)."""

    name = "test mic"
    level = 0.0


def test_behind_another_window_the_meter_looks_when_a_caption_comes(make_app, qtbot) -> None:
    """The look joins the transcript's repaint instead of costing a paint cycle of its own."""
    app = make_app()
    source = Source()
    app.levels.watch(source)
    shown: list[float | None] = []
    app.levels.levelChanged.connect(shown.append)
    other = QWidget()
    qtbot.addWidget(other)
    activate(qtbot, app.window)
    activate(qtbot, other)
    timer = app.levels.timer
    assert timer.isActive() and timer.interval() == BACKGROUND_MS

    source.level = 0.25
    shown.clear()
    app.controller.partialChanged.emit(None)  # a caption changed: the transcript repaints
    assert shown == [0.25]  # at once, not at the timer's next tick
    left = timer.remainingTime()
    assert left > BACKGROUND_MS - 100, left  # the count started again from the look

    source.level = 0.5
    app.controller.partialCleared.emit()
    assert shown == [0.25, 0.5]

    activate(qtbot, app.window)  # in front the timer looks often: captions add no looks
    shown.clear()
    app.controller.partialCleared.emit()
    assert shown == []
    app.levels.watch(None)


def test_meters_that_are_stopped_do_not_look_with_captions(make_app, qtbot) -> None:
    app = make_app()
    other = QWidget()
    qtbot.addWidget(other)
    activate(qtbot, app.window)
    activate(qtbot, other)
    assert not app.call.level_timer.isActive()  # no call running
    app.controller.partialCleared.emit()
    assert not app.call.level_timer.isActive()  # a caption does not start it
