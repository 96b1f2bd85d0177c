"""A one-line label that ends in "…" when the room it gets is narrower than its text.

The status bar's permanent labels (a service notice, the model in use) give
way to the status line, which says what the run is doing.  A QLabel given less
than its text's width cuts it mid-letter at its edge; this one says that
there is more (its tooltip, set by its owner, has it all).  ``text()`` stays
the whole text, for tests and for screen readers.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel


class ElidedLabel(QLabel):
    """A plain-text, one-line QLabel drawn elided when it is too narrow."""

    def minimumSizeHint(self) -> QSize:
        return QSize(1, super().minimumSizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        rect = self.contentsRect()
        metrics = self.fontMetrics()
        if metrics.horizontalAdvance(self.text()) <= rect.width():
            super().paintEvent(event)
            return
        shown = metrics.elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        painter = QPainter(self)
        self.drawFrame(painter)  # a style sheet's border, as QLabel's own paint draws it
        self.style().drawItemText(
            painter,
            rect,
            int(self.alignment()),
            self.palette(),
            self.isEnabled(),
            shown,
            self.foregroundRole(),
        )
