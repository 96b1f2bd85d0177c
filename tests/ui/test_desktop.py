"""Desktop integration: tray, close-to-tray, single instance, keyboard, level meter."""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from captioner.app import CaptionerApp
from captioner.cli import parse_args
from captioner.core.settings import Key
from captioner.ui.level_monitor import SILENCE_HINT_AFTER_S, LevelMonitor
from captioner.ui.overlay_settings import OverlaySettingsDialog
from captioner.ui.single_instance import SingleInstance
from tests.conftest import DATA
from tests.ui.conftest import end_run_before_close

CLIP = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav"


@pytest.fixture
def app(qtbot, tmp_path: Path) -> Iterator[CaptionerApp]:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    captioner = CaptionerApp(
        parse_args(["--engine", "offline", "--input-file", str(CLIP)]),
        settings,
        list_devices=list,
        use_tray=True,
    )
    # The run ends before pytest-qt deletes the widgets (it does that before this
    # fixture's teardown), so its last status never reaches a deleted window.
    qtbot.addWidget(
        captioner.window, before_close_func=lambda _w: end_run_before_close(qtbot, captioner)
    )
    qtbot.addWidget(captioner.overlay)
    captioner.window.show()
    qtbot.waitExposed(captioner.window)
    yield captioner
    assert captioner.tray is not None
    captioner.tray.hide()


def test_tray_starts_and_stops_captioning(app, qtbot) -> None:
    tray = app.tray
    tray.start_action.trigger()
    assert app.controller.running and tray.start_action.text() == "Stop captioning"
    tray.start_action.trigger()
    qtbot.waitUntil(lambda: not app.controller.running, timeout=15000)
    assert tray.start_action.text() == "Start captioning"


def test_tray_shows_hides_and_locks_the_overlay(app) -> None:
    tray = app.tray
    tray.overlay_action.setChecked(False)
    assert not app.window.overlay_check.isChecked() and not app.overlay.isVisible()
    tray.lock_action.setChecked(True)
    assert app.overlay.locked and app.window.lock_action.isChecked()
    app.window.lock_action.setChecked(False)  # the way back from the main window too
    assert not app.overlay.locked and not tray.lock_action.isChecked()


def test_closing_the_window_keeps_captioning_in_the_tray(app, qtbot) -> None:
    app.start_captioning()
    app.window.close()
    assert not app.window.isVisible()
    assert app.controller.running  # captions continue in the overlay
    assert app.prefs.get(Key.TRAY_NOTICE_SHOWN)  # told once
    app.tray.showWindowRequested.emit()
    assert app.window.isVisible()
    with qtbot.waitSignal(app.quitFinished, timeout=15000):
        app.tray.quitRequested.emit()


def test_a_second_instance_raises_the_first(qtbot, tmp_path) -> None:
    name = f"captioner-test-{tmp_path.name}"
    first = SingleInstance(name)
    assert first.listen()
    second = SingleInstance(name)
    with qtbot.waitSignal(first.activationRequested, timeout=5000):
        assert second.notify_running_instance()
    first.close()
    assert not SingleInstance(name).notify_running_instance()  # gone with the first


def test_a_closed_instance_is_released_with_its_sockets_at_once(qtbot, tmp_path) -> None:
    """Not kept alive until interpreter exit, where its sockets died after the application."""
    name = f"captioner-test-{tmp_path.name}"
    first = SingleInstance(name)
    assert first.listen()
    with qtbot.waitSignal(first.activationRequested, timeout=5000):
        assert SingleInstance(name).notify_running_instance()
    first.close()
    released = weakref.ref(first)
    del first
    assert released() is None  # no garbage collection needed: nothing holds it
    assert not SingleInstance(name).notify_running_instance()


def test_keyboard_reaches_every_main_action(app, qtbot) -> None:
    window = app.window
    QTest.keyClick(
        window,
        Qt.Key.Key_O,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert not window.overlay_check.isChecked()
    QTest.keyClick(
        window,
        Qt.Key.Key_L,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert app.overlay.locked
    QTest.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert app.controller.running
    QTest.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not app.controller.running, timeout=15000)


def test_every_interactive_widget_has_an_accessible_name(app) -> None:
    unnamed = []
    for widget in app.window.findChildren(QWidget):
        if widget.focusPolicy() == Qt.FocusPolicy.NoFocus or not widget.isVisibleTo(app.window):
            continue
        interface = QAccessible.queryAccessibleInterface(widget)
        if interface is None or not interface.text(QAccessible.Text.Name).strip():
            unnamed.append(f"{type(widget).__name__} {widget.objectName()}")
    assert not unnamed


def test_tab_order_follows_the_controls_left_to_right(app) -> None:
    w = app.window
    order = [w.input_combo, w.refresh_button, w.engine_combo, w.start_button]
    for before, after in itertools.pairwise(order):
        chain = before.nextInFocusChain()
        while chain is not after and chain.focusPolicy() == Qt.FocusPolicy.NoFocus:
            chain = chain.nextInFocusChain()
        assert chain is after, f"{before.accessibleName()} → {chain.accessibleName()}"


class FakeLevelSource:
    name = "Desk mic"

    def __init__(self) -> None:
        self.level = 0.0


def test_level_meter_moves_and_digital_silence_gets_a_hint(app, qtbot) -> None:
    now = [0.0]
    monitor = LevelMonitor(clock=lambda: now[0])
    monitor.levelChanged.connect(app.window.set_level)
    monitor.silenceDetected.connect(app.window.show_no_sound)
    source = FakeLevelSource()
    monitor.watch(source)
    source.level = 0.3
    monitor.poll()
    assert app.window.level_meter.value() > 70
    source.level = 0.0
    monitor.poll()
    now[0] += SILENCE_HINT_AFTER_S + 0.1
    monitor.poll()
    assert "No sound from “Desk mic”" in app.window.status_text()
    monitor.watch(None)
    assert not app.window.level_meter.isVisible()


def test_overlay_settings_preview_live_cancel_restores_ok_keeps(app, qtbot) -> None:
    app.overlay.show()
    before = app.overlay.height()
    dialog = OverlaySettingsDialog(app.overlay, app.prefs, app.window)
    qtbot.addWidget(dialog)
    dialog.size_spin.setValue(40)
    assert app.overlay.height() > before  # previewed on the real overlay
    dialog.reject()
    assert app.overlay.height() == before
    dialog = OverlaySettingsDialog(app.overlay, app.prefs, app.window)
    qtbot.addWidget(dialog)
    dialog.size_spin.setValue(30)
    dialog.lines_spin.setValue(4)
    dialog.accept()
    assert app.prefs.get(Key.OVERLAY_FONT_SIZE) == 30
    assert app.prefs.get(Key.OVERLAY_HISTORY_LINES) == 4
    assert app.overlay.style_settings.visible_lines == 5
