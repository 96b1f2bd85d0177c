"""The input-level bar: what it shows, and that it repaints only when what it shows changes."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

from captioner.ui.level_meter import LevelMeter, level_to_percent
from tests.ui.paints import Paints


def filled_columns(meter: LevelMeter) -> int:
    """How many columns of the grabbed bar show the highlight colour (on its middle row)."""
    image = meter.grab().toImage()
    highlight = meter.palette().color(QPalette.ColorRole.Highlight).rgb()
    row = image.height() // 2
    return sum(1 for x in range(image.width()) if QColor(image.pixel(x, row)).rgb() == highlight)


def test_the_bar_is_filled_in_proportion_to_the_level_on_a_db_scale(qtbot) -> None:
    meter = LevelMeter()
    qtbot.addWidget(meter)
    meter.resize(102, 10)  # 100 columns inside the frame
    meter.show()
    assert filled_columns(meter) == 0
    meter.set_level(1.0)
    assert meter.value() == 100 and filled_columns(meter) == 100
    meter.set_level(0.01)  # -40 dBFS: a third of the way up a -60..0 scale
    assert meter.value() == 33 and filled_columns(meter) == 33
    meter.set_level(0.0)
    assert filled_columns(meter) == 0
    assert level_to_percent(0.0005) == 0  # below -60 dBFS: empty


def test_a_level_that_moves_the_bar_by_less_than_a_pixel_paints_nothing(qtbot) -> None:
    """A meter that moves ten times a second all day must not repaint for nothing."""
    meter = LevelMeter()
    qtbot.addWidget(meter)
    meter.resize(22, 10)  # 20 columns: one per five percent
    meter.show()
    qtbot.waitExposed(meter)
    paints = Paints(meter)
    meter.setValue(50)
    qtbot.waitUntil(lambda: paints.count == 1)
    meter.setValue(51)  # 10.2 columns round to 10, as 50 did: the same bar
    meter.setValue(52)
    qtbot.wait(50)
    assert paints.count == 1
    meter.setValue(60)
    qtbot.waitUntil(lambda: paints.count == 2)
    assert meter.value() == 60
