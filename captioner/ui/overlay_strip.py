"""Repainting only the overlay's lines in progress while nothing above them moves (issue 14).

A partial comes several times a second for as long as anyone speaks.  While
the line being spoken keeps its height, the finished lines, the background
and the marks above it are as they were, and repainting the whole translucent
window (each line four times more for its outline) would be mostly waste.
So a new partial asks Qt to repaint only the strip the lines in progress took
at the last paint.  Laying the line out is still left to the paint (a burst of
partials costs one layout per frame), so only the paint learns whether the
line wrapped onto one more line or one fewer, which moves everything: that
paint then shows what is on screen already and asks for the whole window, and
the new text appears in full in the next frame.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF
from PySide6.QtWidgets import QWidget

from captioner.ui.overlay_text import HALO_PX, Paragraph


def strip_of(partials: list[Paragraph], width: int, bottom: float) -> QRect:
    """The strip the lines in progress (and their outline) cover, the full ``width``."""
    top = bottom - sum(p.height for p in partials) - HALO_PX - 1
    return QRect(0, int(top), width, int(bottom + HALO_PX + 2) - int(top))


class PaintedStrip:
    """What the overlay last put on screen: caption lines, and the strip of those in progress."""

    def __init__(self) -> None:
        self.strip: QRect | None = None  # None: nothing painted yet, or a sample was
        self.shown: list[Paragraph] = []

    def ask_repaint(self, widget: QWidget, sampling: bool) -> None:
        """The lines in progress changed: repaint their strip (all of ``widget`` if unknown)."""
        if self.strip is None or sampling or not widget.isVisible():
            widget.update()
        else:
            widget.update(self.strip)

    def paint(
        self, widget: QWidget, dirty: QRect, strip: QRect | None, shown: list[Paragraph]
    ) -> tuple[QRectF | None, list[Paragraph]]:
        """At a paint of ``dirty``: (the part to draw, None for all; the caption lines to draw).

        ``strip`` and ``shown`` are the lines in progress and the caption lines
        as they are now (``strip`` None while a sample shows).  When they moved
        and only a part is repainted, that part keeps what the screen shows and
        the whole window is asked for.
        """
        part = QRectF(dirty)
        whole = part.contains(QRectF(widget.rect()))
        moved = strip is not None and strip != self.strip
        if not whole and moved:
            widget.update()
            return part, self.shown
        self.shown, self.strip = shown, strip
        return (None if whole else part), shown
