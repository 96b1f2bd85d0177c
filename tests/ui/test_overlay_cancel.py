"""Settings ▸ Captions… Cancel puts a floating overlay back exactly where it was.

A bigger font or more lines tried out grow the overlay, and near the bottom of the
screen keep_on_screen moves it up to keep it whole.  Cancel put the old style back
but left the overlay at the raised top edge, and saved that as its place: each
cancelled try moved it further up.  The user's own drag while the dialog is open is
still theirs.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QPoint, Qt

from captioner.ui import overlay_placement as placement
from captioner.ui.overlay_settings import OverlaySettingsDialog
from tests.ui.test_overlay import _overlay_with as launch
from tests.ui.test_overlay import _settings as settings_file
from tests.ui.test_overlay_width import relaunch, rest

TRIES: dict[str, Callable[[OverlaySettingsDialog], None]] = {
    "size 40": lambda d: d.size_spin.setValue(40),
    "5 lines": lambda d: d.lines_spin.setValue(5),
    "size 40, Width 40": lambda d: (d.size_spin.setValue(40), d.width_spin.setValue(40)),
    "Top tried, then back": lambda d: (
        d.size_spin.setValue(40),
        d.dock_combo.setCurrentIndex(d.dock_combo.findData("top")),
        d.dock_combo.setCurrentIndex(d.dock_combo.findData("float")),
    ),
}


@pytest.mark.parametrize("tried", list(TRIES))
def test_cancel_puts_a_floating_overlay_back_where_it_was_and_keeps_that_place(
    qtbot, tmp_path, tried
):
    overlay = launch(qtbot, settings_file(tmp_path))  # floating, near the screen's bottom
    overlay.set_history(["one", "two"])
    before = overlay.geometry()
    dialog = OverlaySettingsDialog(overlay, overlay._settings)
    qtbot.addWidget(dialog)
    TRIES[tried](dialog)
    assert overlay.geometry().top() < before.top()  # pushed up to stay whole (the preview)
    rest(qtbot)  # longer than a place takes to be saved
    dialog.reject()
    assert overlay.geometry() == before
    rest(qtbot)
    again = relaunch(qtbot, tmp_path, overlay)  # the raised place was not saved as its own
    assert again.geometry() == before


def test_a_drag_while_the_dialog_is_open_is_where_cancel_leaves_it(qtbot, tmp_path):
    overlay = launch(qtbot, settings_file(tmp_path))
    dialog = OverlaySettingsDialog(overlay, overlay._settings)
    qtbot.addWidget(dialog)
    dialog.size_spin.setValue(40)  # grown and pushed up
    grab = QPoint(overlay.width() // 2, overlay.height() // 2)
    qtbot.mousePress(overlay, Qt.MouseButton.LeftButton, pos=grab)
    qtbot.mouseMove(overlay, grab + QPoint(-50, -60))
    qtbot.mouseRelease(overlay, Qt.MouseButton.LeftButton, pos=grab + QPoint(-50, -60))
    dropped = overlay.pos()
    dialog.lines_spin.setValue(1)  # another try after the drag
    dialog.reject()
    assert overlay.pos() == dropped
    overlay.save_place()
    assert overlay._settings.raw(placement.screen_key(overlay.screen())).topLeft() == dropped
