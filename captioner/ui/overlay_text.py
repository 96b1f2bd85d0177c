"""Caption lines laid out for the overlay: wrapped once, re-laid-out only when they change.

A finished line is laid out when it arrives and cached; only the line being
spoken is laid out again, at paint time.  A labelled line too long for its
share of the box keeps its label and shows "… newest words".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QFont, QTextLayout, QTextOption

from captioner.ui.overlay_style import CaptionLine


class Paragraph:
    """One laid-out caption line in its colour, and its height at the given width."""

    def __init__(self, line: CaptionLine, font: QFont, width: float, color: QColor) -> None:
        self.line = line
        self.text = line.display
        self.color = color
        self.layout = QTextLayout(self.text, font)
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.layout.setTextOption(option)
        self.layout.beginLayout()
        y = 0.0
        while True:
            text_line = self.layout.createLine()
            if not text_line.isValid():
                break
            text_line.setLineWidth(width)
            text_line.setPosition(QPointF(0, y))
            y += text_line.height()
        self.layout.endLayout()
        self.height = y


def tail_that_fits(
    line: CaptionLine, font: QFont, width: float, color: QColor, budget: int
) -> Paragraph:
    """``line`` cut at the front ("… rest") so that it takes at most ``budget`` lines."""
    words = line.text.split()
    low, high = 1, max(1, len(words) - 1)
    while low < high:  # the earliest word from which "label: … rest" fits
        mid = (low + high) // 2
        candidate = replace(line, text="… " + " ".join(words[mid:]))
        if Paragraph(candidate, font, width, color).layout.lineCount() <= budget:
            high = mid
        else:
            low = mid + 1
    rest = " ".join(words[low:])
    paragraph = Paragraph(replace(line, text="… " + rest), font, width, color)
    while paragraph.layout.lineCount() > budget and len(rest) > 1:
        # Even the last word is too wide for the box (a huge font on a small
        # screen): its last letters, rather than lines below the window's edge.
        rest = rest[1:]
        paragraph = Paragraph(replace(line, text="…" + rest), font, width, color)
    return paragraph


def whole_paragraphs(
    history: list[Paragraph],
    partials: list[Paragraph],
    lines: int,
    cut: Callable[[Paragraph, int], Paragraph],
) -> list[Paragraph]:
    """The caption lines to show in ``lines`` text lines, top to bottom.

    Lines in progress always show (each was already cut to its share); finished
    lines above them show whole or not at all, so the top line is never the
    orphan tail of a wrapped caption without its label.  Only a finished line
    that is the newest thing shown and alone too tall is cut, at its front,
    by ``cut`` ("You: … newest words").
    """
    shown = list(reversed(partials))
    remaining = lines - sum(p.layout.lineCount() for p in partials)
    for paragraph in reversed(history):
        count = paragraph.layout.lineCount()
        if count <= remaining:
            shown.append(paragraph)
            remaining -= count
            continue
        if not shown and remaining > 0:
            shown.append(cut(paragraph, remaining))
        break
    return list(reversed(shown))
