"""A label of one or a few lines that ends in "…" when the room it gets is too small.

The status bar's permanent labels (a service notice, the model in use) give
way to the status line, which says what the run is doing.  A QLabel given less
than its text's width cuts it mid-letter at its edge; this one says that
there is more (its tooltip, set by its owner, has it all).  ``text()`` stays
the whole text, for tests and for screen readers.

A notice is a sentence people need to read (a lost headset, and what goes on
without it), not only a hint that there is one: given ``lines=2`` the label
wraps at word boundaries onto a second line before it cuts, and asks the
layout for that height only while the text needs it (a status bar grows
for a long notice and shrinks back after it).  A word wrapped QLabel cannot
do this: it asks for its wrapped height at a guessed width, so the bar stays
tall at any window width, and it never elides; nor does height-for-width, as
a status bar sizes itself from its labels' hints and never asks.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import (
    QHideEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QShowEvent,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import QLabel, QWidget


class ElidedLabel(QLabel):
    """A plain-text QLabel of at most ``lines`` lines, drawn elided when too narrow."""

    def __init__(self, parent_or_text: QWidget | str | None = None, *, lines: int = 1) -> None:
        super().__init__(parent_or_text)
        self._lines = max(1, lines)
        self._needed = 1  # lines the text takes at the label's present width

    def minimumSizeHint(self) -> QSize:
        return QSize(1, self._height(super().minimumSizeHint().height()))

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(hint.width(), self._height(hint.height()))

    def _height(self, one_line: int) -> int:
        """The height of the lines the text needs at the width the label has now."""
        return one_line + (self._needed - 1) * self.fontMetrics().lineSpacing()

    def setText(self, text: str) -> None:
        super().setText(text)
        self._count_lines()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._count_lines()

    def hideEvent(self, event: QHideEvent) -> None:
        # A status bar sizes itself from hidden labels' hints too: hidden, it takes one line.
        super().hideEvent(event)
        self._needed = 1
        self.updateGeometry()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._count_lines()

    def _count_lines(self) -> None:
        """Ask the layout again when the lines the text needs change with its width.

        A status bar sizes itself from its labels' hints, not from their height
        at a width (it never asks), so the hint follows the width it was given.
        """
        needed = len(self._wrapped(self.contentsRect().width())) if self._lines > 1 else 1
        if needed != self._needed:
            self._needed = needed
            self.updateGeometry()

    def _wrapped(self, width: int) -> list[str]:
        """The text cut into at most ``lines`` lines of ``width`` px, the last elided."""
        metrics = self.fontMetrics()
        text = self.text()
        if width <= 0 or metrics.horizontalAdvance(text) <= width:
            return [text]
        layout = QTextLayout(text, self.font())
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)  # a long path
        layout.setTextOption(option)
        layout.beginLayout()
        shown: list[str] = []
        end = 0  # where the kept lines end in the text (their trailing spaces included)
        while len(shown) < self._lines - 1:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            end = line.textStart() + line.textLength()
            shown.append(text[line.textStart() : end].rstrip())
        layout.endLayout()
        rest = text[end:].lstrip()
        if rest:
            shown.append(metrics.elidedText(rest, Qt.TextElideMode.ElideRight, width))
        return shown

    def paintEvent(self, event: QPaintEvent) -> None:
        rect = self.contentsRect()
        if self.fontMetrics().horizontalAdvance(self.text()) <= rect.width():
            super().paintEvent(event)
            return
        shown = self._wrapped(rect.width())
        painter = QPainter(self)
        self.drawFrame(painter)  # a style sheet's border, as QLabel's own paint draws it
        self.style().drawItemText(
            painter,
            rect,
            int(self.alignment()),
            self.palette(),
            self.isEnabled(),
            "\n".join(shown),
            self.foregroundRole(),
        )
