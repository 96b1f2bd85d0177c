"""Placing the caption overlay from the keyboard (View ▸ Place caption overlay…).

The overlay never takes the focus, so its keys are the main window's, and only
while the sample is shown: Ctrl+arrows move it (Shift: farther), Alt+Left/Right
size it, Esc is Done.  Plain arrows stay with the focused control.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication

from captioner.core.settings import Key
from captioner.ui import overlay_placement as placement
from captioner.ui import platform_caps
from tests.ui.test_overlay_app import start_placing

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier


def test_ctrl_arrows_move_the_placed_overlay_whole_on_screen_and_the_place_is_kept(make_app, qtbot):
    app = make_app()
    app.prefs.set(Key.OVERLAY_DOCK, "bottom")
    start_placing(app, qtbot)
    overlay, keys_to = app.overlay, app.window.transcript
    start = overlay.geometry()
    qtbot.keyClick(keys_to, Qt.Key.Key_Left, CTRL)
    assert overlay.geometry().topLeft() == start.topLeft() + QRect(-10, 0, 0, 0).topLeft()
    assert app.prefs.get(Key.OVERLAY_DOCK) == "float"  # moved by the user, as a drag does
    assert "Ctrl+arrows" in " ".join(overlay.visible_text_lines())  # the sample says how
    for control in (app.window.input_combo, app.window.engine_combo, app.window.start_button):
        x = overlay.x()  # whichever control has the focus
        qtbot.keyClick(control, Qt.Key.Key_Right, CTRL)
        assert overlay.x() == x + 10
    start.translate(20, 0)
    qtbot.keyClick(keys_to, Qt.Key.Key_Up, CTRL | SHIFT)  # Shift: a larger step
    assert overlay.y() == start.y() - 100
    area = placement.available_area(overlay.screen())
    for _ in range(30):  # far past the screen's corner: it stops there, whole
        qtbot.keyClick(keys_to, Qt.Key.Key_Left, CTRL | SHIFT)
        qtbot.keyClick(keys_to, Qt.Key.Key_Up, CTRL | SHIFT)
    assert overlay.geometry().topLeft() == area.topLeft()
    assert area.contains(overlay.geometry()) and overlay.size() == start.size()
    qtbot.keyClick(keys_to, Qt.Key.Key_Right, CTRL)
    qtbot.keyClick(keys_to, Qt.Key.Key_Down, CTRL)
    placed = overlay.geometry()
    assert placed.topLeft() == area.topLeft() + QRect(10, 10, 0, 0).topLeft()

    qtbot.keyClick(keys_to, Qt.Key.Key_Escape)  # Done
    assert not overlay.isVisible()
    assert app.prefs.raw(placement.screen_key(overlay.screen())) == placed  # kept
    assert app.prefs.get(Key.OVERLAY_DOCK) == "float"


def test_alt_left_right_size_the_placed_overlay_docked_or_floating(make_app, qtbot):
    app = make_app()
    app.prefs.set(Key.OVERLAY_DOCK, "bottom")
    app.prefs.set(Key.OVERLAY_WIDTH_PERCENT, 70)
    start_placing(app, qtbot)
    overlay, keys_to = app.overlay, app.window.transcript
    area = placement.available_area(overlay.screen())
    qtbot.keyClick(keys_to, Qt.Key.Key_Right, ALT)  # docked: a wider share, still docked
    assert app.prefs.get(Key.OVERLAY_WIDTH_PERCENT) == 75
    assert app.prefs.get(Key.OVERLAY_DOCK) == "bottom"
    assert overlay.width() == area.width() * 75 // 100
    assert abs(overlay.geometry().center().x() - area.center().x()) <= 1

    qtbot.keyClick(keys_to, Qt.Key.Key_Down, CTRL)  # floated: narrower about its centre
    centre = overlay.geometry().center()
    qtbot.keyClick(keys_to, Qt.Key.Key_Left, ALT)
    qtbot.keyClick(keys_to, Qt.Key.Key_Left, ALT)
    assert overlay.width() == area.width() * 65 // 100
    assert abs(overlay.geometry().center().x() - centre.x()) <= 1
    for _ in range(30):  # never wider than its screen
        qtbot.keyClick(keys_to, Qt.Key.Key_Right, ALT)
    assert overlay.width() == area.width() and area.contains(overlay.geometry())
    qtbot.keyClick(keys_to, Qt.Key.Key_Escape)
    assert app.prefs.raw(placement.screen_key(overlay.screen())).width() == area.width()


def test_arrows_stay_with_the_focused_control_and_the_keys_wait_for_placing(make_app, qtbot):
    """Plain arrows move the transcript's caret even while placing; Ctrl+arrows only then."""
    app = make_app()
    window, overlay = app.window, app.overlay
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    transcript = window.transcript
    transcript.setPlainText("one two three")
    transcript.setFocus()
    transcript.moveCursor(QTextCursor.MoveOperation.End)
    before, dock = overlay.geometry(), app.prefs.get(Key.OVERLAY_DOCK)
    for key in (Qt.Key.Key_Left, Qt.Key.Key_Up, Qt.Key.Key_Right, Qt.Key.Key_Down):
        qtbot.keyClick(transcript, key, CTRL)
        qtbot.keyClick(transcript, key, ALT)
    assert overlay.geometry() == before and not overlay.isVisible()
    assert app.prefs.get(Key.OVERLAY_DOCK) == dock

    start_placing(app, qtbot)
    transcript.moveCursor(QTextCursor.MoveOperation.End)
    at = overlay.geometry()
    qtbot.keyClick(transcript, Qt.Key.Key_Left)
    assert transcript.textCursor().position() == len("one two three") - 1
    assert overlay.geometry() == at


def test_keyboard_shortcuts_list_the_keys_for_placing_the_overlay(make_app) -> None:
    rows = make_app().window.show_shortcuts().rows()
    placing = {what: key for where, what, key in rows if where == "Placing the overlay"}
    assert placing.get("Done placing") == "Esc"
    assert "Ctrl+arrow" in placing.get("Move it (Shift: farther)", "")
    assert "Alt+Left" in placing.get("Narrower / wider", "")


def test_keyboard_shortcuts_leave_out_the_move_keys_where_they_move_nothing(
    make_app, monkeypatch
) -> None:
    # On Wayland the compositor places windows: Ctrl+arrows cannot move the overlay there.
    app = make_app()
    monkeypatch.setattr(platform_caps, "current", lambda: platform_caps.WAYLAND)
    rows = app.window.show_shortcuts().rows()
    placing = {what: key for where, what, key in rows if where == "Placing the overlay"}
    assert "Move it (Shift: farther)" not in placing
    assert placing.get("Done placing") == "Esc"
