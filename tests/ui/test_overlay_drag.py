"""Only a real move un-docks the overlay: a click on it leaves it docked.

Where the window system moves windows itself (``startSystemMove``: X11 window
managers, Wayland compositors), a press on the overlay hands it the move.  The
overlay became "Where I drag it" as soon as that was accepted, before anything
moved: one click on a docked overlay un-docked it, and a screen change no longer
put it back on its edge.  The offscreen platform has no system move; here it is
accepted as a window manager would, which then moves the window (or does not).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QWindow

from captioner.core.settings import Key
from captioner.ui import overlay_placement as placement
from captioner.ui.overlay import CaptionOverlay
from tests.ui.test_overlay import _overlay_with as launch
from tests.ui.test_overlay import _settings as settings_file


@pytest.fixture
def system_move(monkeypatch) -> list[QWindow]:
    """startSystemMove accepted, as a window manager does: the windows it was asked for."""
    asked: list[QWindow] = []

    def accepted(window: QWindow) -> bool:
        asked.append(window)
        return True

    monkeypatch.setattr(QWindow, "startSystemMove", accepted)
    return asked


def docked(qtbot, tmp_path: Path) -> CaptionOverlay:
    overlay = launch(qtbot, settings_file(tmp_path, overlay__dock="bottom"))
    overlay.set_history(["A finished line."])
    return overlay


def test_a_click_on_a_docked_overlay_leaves_it_docked(qtbot, tmp_path, system_move):
    overlay = docked(qtbot, tmp_path)
    before = overlay.geometry()
    middle = QPoint(overlay.width() // 2, overlay.height() // 2)
    qtbot.mousePress(overlay, Qt.MouseButton.LeftButton, pos=middle)
    assert system_move  # the window system was asked to move it
    qtbot.mouseRelease(overlay, Qt.MouseButton.LeftButton, pos=middle)  # nothing moved
    assert overlay._settings.get(Key.OVERLAY_DOCK) == "bottom"
    assert overlay.geometry() == before
    overlay.keep_on_screen()  # as at a screen change: still on its edge
    assert overlay.geometry() == overlay.default_rect(overlay.screen(), "bottom")


@pytest.mark.parametrize("reported", ["after the release", "while held"])
def test_a_docked_overlay_moved_by_the_window_system_floats_where_dropped(
    qtbot, tmp_path, system_move, reported
):
    """openbox reports the new place after the release Qt sends when the move ends;
    other window managers move the window while the button is still down."""
    overlay = docked(qtbot, tmp_path)
    middle = QPoint(overlay.width() // 2, overlay.height() // 2)
    dropped = overlay.pos() + QPoint(-100, -150)
    qtbot.mousePress(overlay, Qt.MouseButton.LeftButton, pos=middle)
    if reported == "while held":
        overlay.move(dropped)  # the window manager moves it
        assert overlay._settings.get(Key.OVERLAY_DOCK) == "float"
    # The release comes where the pointer was let go (mapped from the old place).
    qtbot.mouseRelease(overlay, Qt.MouseButton.LeftButton, pos=middle + QPoint(-100, -150))
    if reported == "after the release":
        overlay.move(dropped)
    assert overlay._settings.get(Key.OVERLAY_DOCK) == "float"
    assert overlay.pos() == dropped
    overlay.keep_on_screen()
    assert overlay.pos() == dropped  # not sent back to its edge
    overlay.save_place()
    assert overlay._settings.raw(placement.screen_key(overlay.screen())).topLeft() == dropped
