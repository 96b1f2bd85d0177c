"""A small input-level bar that costs next to nothing to move (issue 14).

The meter moves several times a second for as long as captions run, in an app
open all day.  ``QProgressBar.setValue`` repaints *synchronously*: each call
sends the main window an update request at once (through every event filter
on it, each a trip into Python under a contended interpreter lock), paints the
status row's background under the non-opaque bar, waits on an X round trip in
``QBackingStore.beginPaint`` and flushes.  Profiled during cloud captioning,
that was half of the GUI thread's CPU.  This bar is opaque, asks for an
ordinary (coalesced) ``update()`` only when its filled width changes by a
whole pixel, and paints two rectangles.

Its value is a percentage on a dB scale (:func:`level_to_percent`), the same
for the main meter and call mode's per-side meters.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

# -60..0 dBFS: speech sits around -30..-10, so a linear RMS bar would hardly move.
METER_FLOOR_DB = -60.0


def level_to_percent(level: float) -> int:
    """0..1 RMS → 0..100 on a dB scale (-60 dBFS and below is 0)."""
    if level <= 0:
        return 0
    db = 20.0 * math.log10(min(level, 1.0))
    return max(0, min(100, round((db - METER_FLOOR_DB) / -METER_FLOOR_DB * 100)))


class LevelMeter(QWidget):
    """A horizontal bar filled to ``value()`` percent, in the palette's highlight colour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._value = 0
        self._filled = 0  # pixels inside the frame, as last painted
        # Every pixel is painted: Qt need not paint the parent's background first.
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def value(self) -> int:
        """The level shown, 0..100."""
        return self._value

    def setValue(self, value: int) -> None:
        """Show ``value`` (clamped to 0..100); repaints only when the bar's length changes."""
        value = max(0, min(100, int(value)))
        if value == self._value:
            return
        self._value = value
        filled = self._filled_width()
        if filled != self._filled:
            self._filled = filled
            self.update()

    def set_level(self, level: float) -> None:
        """Show a linear RMS level (0..1)."""
        self.setValue(level_to_percent(level))

    def sizeHint(self) -> QSize:
        return QSize(56, max(8, self.fontMetrics().height() * 2 // 3))

    def minimumSizeHint(self) -> QSize:
        return QSize(24, 6)

    def _filled_width(self) -> int:
        inner = max(0, self.width() - 2)
        return round(inner * self._value / 100)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._filled = self._filled_width()
        super().resizeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        palette = self.palette()
        painter = QPainter(self)
        outer = self.rect()
        painter.fillRect(outer, palette.color(QPalette.ColorRole.Mid))
        inner = outer.adjusted(1, 1, -1, -1)
        painter.fillRect(inner, palette.color(QPalette.ColorRole.Base))
        if self._filled > 0:
            bar = QRect(inner.left(), inner.top(), self._filled, inner.height())
            painter.fillRect(bar, palette.color(QPalette.ColorRole.Highlight))
        painter.end()
