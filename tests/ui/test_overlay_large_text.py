"""The overlay's own notices (the lock hint, the sample's Done) with a large desktop font.

People who need larger text set a larger desktop font (16–20 pt).  The notices
were drawn at half the caption size, 11 pt at the default 22 pt captions,
whatever the desktop's font: smaller than anything else such a user reads, and
the lock hint is how to get a click-through overlay back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage
from PySide6.QtWidgets import QApplication

from captioner.ui import overlay_marks as marks
from captioner.ui import overlay_placement as placement
from captioner.ui.overlay import CaptionOverlay
from captioner.ui.overlay_window import MARGIN
from tests.ui.test_overlay import make_overlay


@pytest.fixture
def desktop_font(qapp) -> Iterator[Callable[[float], None]]:
    """Sets the desktop's (the application's) font size; the usual one comes back after."""
    before = QApplication.font()

    def set_points(points: float) -> None:
        font = QFont(before)
        font.setPointSizeF(points)
        QApplication.setFont(font)
        QApplication.processEvents()  # the windows hear of it as events

    yield set_points
    QApplication.setFont(before)
    QApplication.processEvents()


def line_height(points: float) -> float:
    font = QFont(QApplication.font())
    font.setPointSizeF(points)
    font.setWeight(QFont.Weight.Bold)
    return QFontMetricsF(font).height()


def lock_mark_height(overlay: CaptionOverlay) -> int:
    """How tall the lock hint is painted: the rows of its yellow (padlock and words)."""
    image = overlay.grab().toImage().convertToFormat(QImage.Format.Format_ARGB32)
    yellow = QColor(marks.LOCK_TEXT)
    rows = [
        y
        for y in range(overlay._top_margin())
        if any(
            abs(QColor(image.pixel(x, y)).red() - yellow.red()) < 40
            and abs(QColor(image.pixel(x, y)).blue() - yellow.blue()) < 40
            for x in range(image.width() // 2)
        )
    ]
    return rows[-1] - rows[0] + 1 if rows else 0


def test_with_a_16_pt_desktop_font_done_and_the_lock_hint_are_no_smaller(
    qtbot, tmp_path, desktop_font
) -> None:
    desktop_font(16)
    overlay = make_overlay(qtbot, tmp_path)  # the default 22 pt captions
    overlay.set_sample(True)
    overlay.grab()
    assert overlay._done_rect.height() >= line_height(16) - 0.5
    overlay.set_sample(False)
    overlay.set_locked(True)
    assert lock_mark_height(overlay) >= 0.8 * line_height(16) - 2  # the padlock is 0.8 of it
    assert overlay.lines_shown == overlay.style_settings.visible_lines  # room for them all
    area = placement.available_area(overlay.screen())
    assert area.contains(overlay.geometry())


def test_the_notices_follow_the_desktop_font_made_larger_while_running_but_not_past_captions(
    qtbot, tmp_path, desktop_font
) -> None:
    overlay = make_overlay(qtbot, tmp_path)
    overlay.set_sample(True)
    overlay.grab()
    usual = overlay._done_rect.height()
    desktop_font(20)
    overlay.grab()
    assert overlay._done_rect.height() >= line_height(20) - 0.5 > usual
    # The box grew with them: the last caption line is not pushed into its bottom margin.
    assert overlay._text_bottom() + MARGIN <= overlay.height() + 1  # (whole px)
    assert placement.available_area(overlay.screen()).contains(overlay.geometry())

    small = make_overlay(qtbot, tmp_path / "small", OVERLAY_FONT_SIZE=14)  # the user's choice
    small.set_sample(True)
    small.grab()
    assert small._done_rect.height() <= line_height(14) + 0.5  # never over the captions
