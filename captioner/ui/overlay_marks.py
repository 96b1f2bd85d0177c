"""Small notices drawn in the overlay's top margin: locked, interrupted, sample text.

Kept out of the caption painting so each stays readable on its own.  Each
notice sits on its own near-opaque pill, so it keeps its contrast over any
caption background the user picked (yellow or white on #141414: 11:1 and more).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontInfo,
    QFontMetricsF,
    QGuiApplication,
    QPainter,
    QPainterPath,
    QPen,
)

from captioner.core.caption_line import CaptionLine, Side

PILL = QColor(20, 20, 20, 240)
LOCK_TEXT = QColor("#ffd54f")
BADGE_TEXT = QColor("#ffd54f")
BUTTON_TEXT = QColor("#ffffff")
PAD = 6.0

# The sample the overlay shows while it is being placed before a run: both call-mode
# sides, so the colours and labels can be judged too.  The last line is the one
# always on screen, however small the overlay: it says what to do, with the mouse
# or the keys (see overlay_keys; Wayland's compositor alone moves windows).
SAMPLE_LINES = (
    CaptionLine("Captions look like this.", "You", Side.MIC),
    CaptionLine("Drag me (or Ctrl+arrows) into place, then Done (Esc).", "Them", Side.SYSTEM),
)
_DRAG_ONLY = CaptionLine("Drag me into place, then Done (Esc).", "Them", Side.SYSTEM)


def sample_lines(movable_by_keys: bool) -> tuple[CaptionLine, ...]:
    """The sample's lines: the keys are named only where they can move the overlay."""
    return SAMPLE_LINES if movable_by_keys else (SAMPLE_LINES[0], _DRAG_ONLY)


def mark_font(caption_font: QFont) -> QFont:
    """Half the caption size, bold, but never under 10 pt nor the desktop's font.

    People who need large text set a large desktop font (16–20 pt): half the
    default 22 pt captions drew the lock hint (how to unlock) and Done at 11 pt,
    smaller than anything else they read.  Never above the captions, though:
    the marks sit in the margin over them and must not crowd them out.
    """
    caption = caption_font.pointSizeF()
    desktop = QFontInfo(QGuiApplication.font()).pointSizeF()
    font = QFont(caption_font)
    font.setPointSizeF(max(10.0, caption * 0.5, min(desktop, caption)))
    font.setWeight(QFont.Weight.Bold)
    return font


def pill_rect(font: QFont, text: str, x: float, y: float, icon: bool = False) -> QRectF:
    metrics = QFontMetricsF(font)
    icon_width = metrics.height() * 0.8 + 4 if icon else 0.0
    return QRectF(x, y, metrics.horizontalAdvance(text) + icon_width + 2 * PAD, metrics.height())


def lock_text_that_fits(font: QFont, text: str, width: float) -> str:
    """``text``, or a shorter form of it that fits ``width`` (a narrow overlay, 2× scale).

    The way back matters more than the word "click-through": the shortcut is
    dropped last.
    """
    shortcut = text.split(" · ", 1)[1] if " · " in text else ""
    for candidate in (text, f"Locked · {shortcut}", shortcut, "Locked"):
        if candidate and pill_rect(font, candidate, 0, 0, icon=True).width() <= width:
            return candidate
    return "Locked"


def draw_lock(
    painter: QPainter, font: QFont, text: str, x: float, y: float, width: float = 1e9
) -> QRectF:
    """A padlock and ``text`` (what locked means and how to unlock) on a dark pill."""
    text = lock_text_that_fits(font, text, width)
    rect = pill_rect(font, text, x, y, icon=True)
    _pill(painter, rect)
    size = rect.height() * 0.8
    left, top = rect.left() + PAD, rect.top() + (rect.height() - size) / 2
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(LOCK_TEXT)
    body = QRectF(left, top + size * 0.45, size, size * 0.55)
    painter.drawRoundedRect(body, 1.5, 1.5)
    shackle = QPainterPath()
    shackle.moveTo(QPointF(left + size * 0.22, top + size * 0.47))
    shackle.arcTo(QRectF(left + size * 0.22, top, size * 0.56, size * 0.7), 180, -180)
    pen = QPen(LOCK_TEXT, max(1.5, size * 0.13))
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(shackle)
    painter.setFont(font)
    painter.setPen(LOCK_TEXT)
    text_rect = rect.adjusted(PAD + size + 4, 0, -PAD, 0)
    painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignVCenter), text)
    return rect


def draw_badge(painter: QPainter, font: QFont, text: str, right: float, y: float) -> QRectF:
    """An interruption notice ("Reconnecting…") ending at ``right``."""
    rect = pill_rect(font, text, 0, y)
    rect.moveRight(right)
    _pill(painter, rect)
    painter.setFont(font)
    painter.setPen(BADGE_TEXT)
    painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), text)
    return rect


def draw_button(painter: QPainter, font: QFont, text: str, right: float, y: float) -> QRectF:
    """A clickable pill ("Done") ending at ``right``; returns where it was drawn."""
    rect = pill_rect(font, text, 0, y)
    rect.moveRight(right)
    painter.setPen(QPen(BUTTON_TEXT, 1))
    painter.setBrush(QColor(60, 60, 60, 245))
    painter.drawRoundedRect(rect, rect.height() / 2, rect.height() / 2)
    painter.setFont(font)
    painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), text)
    return rect


def draw_marks(
    painter: QPainter,
    caption_font: QFont,
    left: float,
    right: float,
    *,
    sample: bool,
    locked: bool,
    hint: str,
    badge: str,
) -> QRectF:
    """The whole top-margin row between ``left`` and ``right``; returns the Done button's rect.

    While the sample is shown the Done button takes the right end (the lock
    notice is left out: the mouse works while placing); otherwise a locked
    overlay says how to unlock at the left, shortened to leave room for the
    badge.  The badge ends at ``right``, or just left of Done.  The returned
    rect is empty when there is no Done button.
    """
    font = mark_font(caption_font)
    done = QRectF()
    if sample:
        done = draw_button(painter, font, "Done", right, 2)
        right = done.left() - 6
    elif locked:
        room = right - left - (pill_rect(font, badge, 0, 0).width() + 6) * bool(badge)
        draw_lock(painter, font, hint, left, 2, room)
    if badge:
        draw_badge(painter, font, badge, right, 2)
    return done


def _pill(painter: QPainter, rect: QRectF) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(PILL)
    painter.drawRoundedRect(rect, rect.height() / 2, rect.height() / 2)
