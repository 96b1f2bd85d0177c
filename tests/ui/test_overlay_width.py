"""A side of the overlay dragged: the width the user chose is the one it keeps.

Docked at the top or bottom of the screen, the overlay's width is a share of
the screen (Width in Settings ▸ Captions…, 70 % at first).  A side dragged
changed it only until the next launch, the next docking or the next change
tried in Settings ▸ Captions… (back to 70 % each time): a docked overlay's
width was never saved, and the dialog still said 70 %.  Now that share is
its Width, it is centred on its edge again once the drag rests, and it is a
share of whichever screen it is on.  A floating overlay keeps its dragged
rect, as before.

A side dragged is a resize of the window by the window system
(``startSystemResize``; the offscreen platform has none): the window grows
or shrinks, and moves too when it is the left side.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QFontMetricsF, QScreen

from captioner.core.settings import Key
from captioner.ui import overlay_placement as placement
from captioner.ui.overlay import CaptionOverlay
from captioner.ui.overlay_settings import OverlaySettingsDialog
from captioner.ui.overlay_window import MARGIN, SAVE_AFTER_MS
from tests.ui.screen_probe import run_probe
from tests.ui.test_overlay import _overlay_with as launch
from tests.ui.test_overlay import _settings as settings_file

PROBE = Path(__file__).with_name("dock_width_probe.py")


def relaunch(qtbot, tmp_path: Path, overlay: CaptionOverlay) -> CaptionOverlay:
    """Quit (the overlay closes, the settings file is written) and launch again from it."""
    overlay.close()
    overlay._settings.store.sync()
    return launch(qtbot, settings_file(tmp_path))


def drag_side(overlay: CaptionOverlay, side: str, by: int) -> None:
    """What dragging the ``side`` outwards by ``by`` px (inwards when negative) ends as."""
    g = overlay.geometry()
    x = g.x() - by if side == "left" else g.x()
    overlay.setGeometry(QRect(x, g.y(), g.width() + by, g.height()))


def rest(qtbot) -> None:
    qtbot.wait(SAVE_AFTER_MS + 200)


def docked_at(overlay: CaptionOverlay, dock: str, percent: int) -> QRect:
    """Centred on the ``dock`` edge of the overlay's screen, ``percent`` of its width."""
    return placement.default_rect(overlay.screen(), dock, percent, overlay.height())


def share(overlay: CaptionOverlay, width: int) -> int:
    return round(width * 100 / overlay.screen().availableGeometry().width())


@pytest.mark.parametrize(("dock", "side", "by"), [("bottom", "right", 120), ("top", "left", -160)])
def test_a_docked_overlay_keeps_the_width_its_side_was_dragged_to(qtbot, tmp_path, dock, side, by):
    overlay = launch(qtbot, settings_file(tmp_path, overlay__dock=dock))
    before = overlay.geometry()
    assert before == docked_at(overlay, dock, 70)
    drag_side(overlay, side, by)
    percent = share(overlay, before.width() + by)
    kept = docked_at(overlay, dock, percent)
    edge = QPoint(2 if side == "left" else overlay.width() - 2, overlay.height() // 2)
    qtbot.mouseRelease(overlay, Qt.MouseButton.LeftButton, pos=edge)  # where a drag ends
    assert overlay.width() == kept.width()  # not sent back to the old width meanwhile
    rest(qtbot)
    assert abs(kept.width() - (before.width() + by)) <= 4  # what was dragged, to 1 %
    assert overlay.geometry() == kept  # centred on its edge again
    assert overlay._settings.get(Key.OVERLAY_WIDTH_PERCENT) == percent
    overlay.keep_on_screen()  # what a change of screen or font does
    overlay.dock(dock)  # docked again (Settings ▸ Captions… ▸ OK does that)
    assert overlay.geometry() == kept
    again = relaunch(qtbot, tmp_path, overlay)
    assert again.geometry() == kept
    assert again.style_settings.width_percent == percent


def test_a_docked_overlay_is_centred_when_its_side_is_let_go_not_while_held(
    qtbot, tmp_path, monkeypatch
):
    """The window system resizes the overlay for as long as the button is down, from
    where the drag began: centred at a pause in the drag, it jumped away from the pointer
    and back at the next move (seen under Openbox).  It is centred once the side is let go."""
    overlay = launch(qtbot, settings_file(tmp_path, overlay__dock="bottom"))
    monkeypatch.setattr(overlay, "_side_held", lambda: True)
    drag_side(overlay, "right", -200)
    dragged = overlay.geometry()
    rest(qtbot)  # a pause, the button still down
    assert overlay.geometry() == dragged
    assert overlay._settings.get(Key.OVERLAY_WIDTH_PERCENT) == 70
    monkeypatch.setattr(overlay, "_side_held", lambda: False)
    edge = QPoint(overlay.width() - 2, overlay.height() // 2)
    qtbot.mouseRelease(overlay, Qt.MouseButton.LeftButton, pos=edge)
    percent = share(overlay, dragged.width())
    assert overlay.geometry() == docked_at(overlay, "bottom", percent)  # at once
    assert overlay._settings.get(Key.OVERLAY_WIDTH_PERCENT) == percent


def test_the_captions_are_rewrapped_when_the_window_system_resizes_it(qtbot, tmp_path):
    """A side dragged ends as a resize from the window system, not QWidget.setGeometry:
    the captions shown are wrapped at the new width, narrower and wider."""
    overlay = launch(qtbot, settings_file(tmp_path))
    overlay.set_history(["had he married a more amiable woman he might have been made"])
    overlay.set_partial("still more respectable he might even have been made amiable")
    metrics = QFontMetricsF(overlay.caption_font)
    for width in (overlay.width() // 2, overlay.width()):
        overlay.windowHandle().resize(width, overlay.height())
        qtbot.waitUntil(lambda width=width: overlay.width() == width, timeout=2000)
        lines = overlay.visible_text_lines()
        room = overlay.width() - 2 * MARGIN
        assert all(metrics.horizontalAdvance(line) <= room for line in lines)
        widest = max(metrics.horizontalAdvance(line) for line in lines)
        assert widest > room * 0.7  # wrapped at this width, not an older, narrower one


def test_a_docked_overlay_follows_its_screen_at_its_share(qtbot, tmp_path, monkeypatch):
    """The screen's usable area changes (another resolution, a panel, a mirrored
    projector): the docked overlay is centred on its edge at its share of the new width,
    not left where it was, and the screen narrowing it is not taken for a side dragged."""
    overlay = launch(qtbot, settings_file(tmp_path, overlay__dock="bottom"))
    drag_side(overlay, "right", 120)
    rest(qtbot)
    assert overlay.width() == 680  # 85 % of 800
    narrower = QRect(0, 0, 600, 700)
    monkeypatch.setattr(QScreen, "availableGeometry", lambda _screen: QRect(narrower))
    overlay.screen().availableGeometryChanged.emit(narrower)
    qtbot.waitUntil(lambda: overlay.geometry() == docked_at(overlay, "bottom", 85), timeout=2000)
    assert overlay.width() == 510
    rest(qtbot)
    assert overlay._settings.get(Key.OVERLAY_WIDTH_PERCENT) == 85


def test_the_captions_dialog_shows_the_dragged_width_and_keeps_it(qtbot, tmp_path):
    """Opened right after the drag (before it rests): Width says the new share; a font
    tried out keeps the dragged width; a Width tried out and cancelled goes back to it."""
    overlay = launch(qtbot, settings_file(tmp_path, overlay__dock="bottom"))
    drag_side(overlay, "right", 200)
    dialog = OverlaySettingsDialog(overlay, overlay._settings)
    qtbot.addWidget(dialog)
    dragged = overlay.geometry()
    assert dialog.width_spin.value() == share(overlay, dragged.width()) == 95
    dialog.size_spin.setValue(dialog.size_spin.value() + 4)  # previewed at once
    assert (overlay.x(), overlay.width()) == (dragged.x(), dragged.width())
    dialog.width_spin.setValue(40)
    assert overlay.geometry() == docked_at(overlay, "bottom", 40)
    dialog.reject()
    assert overlay.geometry() == dragged
    dialog = OverlaySettingsDialog(overlay, overlay._settings)
    qtbot.addWidget(dialog)
    dialog.accept()
    assert overlay.geometry() == dragged
    assert relaunch(qtbot, tmp_path, overlay).geometry() == dragged


@pytest.mark.parametrize("answer", ["ok", "cancel"])
def test_a_side_dragged_while_the_captions_dialog_is_open_is_its_width(qtbot, tmp_path, answer):
    """The dialog shows the overlay to be put in place: a side dragged then sets Width,
    OK keeps it, Cancel puts the overlay back as it was (the setting is not touched)."""
    overlay = launch(qtbot, settings_file(tmp_path, overlay__dock="bottom"))
    before = overlay.geometry()
    dialog = OverlaySettingsDialog(overlay, overlay._settings)
    qtbot.addWidget(dialog)
    drag_side(overlay, "left", -100)
    rest(qtbot)
    percent = share(overlay, before.width() - 100)
    assert dialog.width_spin.value() == percent
    assert overlay.geometry() == docked_at(overlay, "bottom", percent)  # centred, at once
    assert overlay._settings.get(Key.OVERLAY_WIDTH_PERCENT) == 70  # only tried so far
    if answer == "ok":
        dialog.accept()
        expected = docked_at(overlay, "bottom", percent)
    else:
        dialog.reject()
        expected = before
    assert overlay.geometry() == expected
    assert relaunch(qtbot, tmp_path, overlay).geometry() == expected


def test_a_floating_overlay_keeps_its_dragged_rect(qtbot, tmp_path):
    """Where I drag it (the default): the rect is its place, Width is not touched, and it
    is not centred anywhere."""
    overlay = launch(qtbot, settings_file(tmp_path))
    overlay.move(overlay.pos() + QPoint(-50, -80))
    drag_side(overlay, "right", 90)
    rest(qtbot)
    placed = overlay.geometry()
    overlay.keep_on_screen()
    assert overlay.geometry() == placed
    assert overlay._settings.get(Key.OVERLAY_WIDTH_PERCENT) == 70
    assert overlay._settings.get(Key.OVERLAY_DOCK) == "float"
    assert relaunch(qtbot, tmp_path, overlay).geometry() == placed


def test_the_dragged_width_is_a_share_of_whichever_screen_it_is_on(tmp_path):
    """Dragged to half of an 800 px wide screen, the docked overlay is half of a 1600 px
    one at the next launch (a laptop's screen, then a monitor), centred at the bottom."""
    path = f"{tmp_path / 'settings.ini'}"
    small = run_probe(PROBE, tmp_path, 800, 600, 1, f"drag={path}")
    assert QRect(*small["overlay"]).width() == 400
    big = run_probe(PROBE, tmp_path, 1600, 900, 1, f"launch={path}")
    screen, overlay = QRect(*big["screen"]), QRect(*big["overlay"])
    assert screen.width() == 1600  # the other screen really applied
    assert overlay.width() == 800
    assert abs(overlay.center().x() - screen.center().x()) <= 1
    assert 0 <= screen.bottom() - overlay.bottom() < screen.height() * 0.1
