"""The overlay repaints only the line in progress while it grows, and the screen stays right.

What is checked is what the window really shows: the offscreen platform's
``grabWindow`` reads the window's backing store (what partial repaints leave
on screen), while ``QWidget.grab`` paints the whole overlay afresh.  Under
``QT_SCALE_FACTOR`` the offscreen ``grabWindow`` returns only a logical-size
crop of the device-pixel store, so these comparisons hold at scale 1 (the
suite's); the strip keeps a margin of a pixel or more around the outline, as
fractional scales round the repainted rectangle to device pixels.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage

from captioner.core.settings import Settings
from captioner.ui.overlay import CaptionOverlay
from tests.ui.paints import Paints


def on_screen(overlay: CaptionOverlay) -> QImage:
    return overlay.screen().grabWindow(overlay.winId()).toImage()


def painted_afresh(overlay: CaptionOverlay) -> QImage:
    """The whole overlay painted now (into an image: a paint event, but not on screen)."""
    return overlay.grab().toImage().convertToFormat(on_screen(overlay).format())


def shown(qtbot, tmp_path: Path) -> tuple[CaptionOverlay, Paints]:
    settings = QSettings(str(tmp_path / "overlay.ini"), QSettings.Format.IniFormat)
    overlay = CaptionOverlay(Settings(settings))
    qtbot.addWidget(overlay)
    overlay.show()
    qtbot.waitExposed(overlay)
    overlay.set_history(["The first finished line.", "And the second one."])
    overlay.set_partial("so")
    rects = Paints(overlay)
    qtbot.wait(200)  # the paints of showing and of the first text are over
    rects.clear()
    return overlay, rects


def test_a_growing_line_repaints_only_its_strip_and_the_screen_is_right(qtbot, tmp_path):
    overlay, rects = shown(qtbot, tmp_path)
    before = on_screen(overlay)
    for words in ("so what", "so what we", "so what we saw"):
        overlay.set_partial(words)
        qtbot.waitUntil(lambda: bool(rects.rects))
        assert all(r.height() < overlay.height() / 2 for r in rects.rects), rects.rects
        assert all(r.width() == overlay.width() for r in rects.rects)
        assert on_screen(overlay) == painted_afresh(overlay)
        rects.clear()  # (painted_afresh paints the whole overlay, off screen)
    assert on_screen(overlay) != before  # the words really changed on screen


def test_a_line_that_wraps_moves_the_finished_lines_up_on_screen(qtbot, tmp_path):
    overlay, rects = shown(qtbot, tmp_path)
    longer = " ".join(["and then the meeting went on for quite a while"] * 3)
    overlay.set_partial(longer)
    qtbot.waitUntil(lambda: any(r == overlay.rect() for r in rects.rects))
    qtbot.wait(30)
    assert on_screen(overlay) == painted_afresh(overlay)
    assert "The first finished line." not in overlay.visible_text_lines()  # pushed out
    # And back to one line: everything moves down again.
    rects.clear()
    overlay.set_partial("short")
    qtbot.waitUntil(lambda: any(r == overlay.rect() for r in rects.rects))
    qtbot.wait(30)
    assert on_screen(overlay) == painted_afresh(overlay)
