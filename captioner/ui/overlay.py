"""The always-on-top caption overlay.

A frameless, translucent window that never takes focus and stays out of the
task bar.  It shows the last finished lines above the in-progress line.  The
in-progress line is rewritten in place: finished paragraphs are laid out once
and cached, the in-progress paragraph is laid out lazily at paint time (so a
burst of partials costs one layout per frame), the window never changes size,
and when the text no longer fits the newest words stay visible at the bottom
while older lines slide off the top.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QPoint,
    QPointF,
    QRect,
    QRectF,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QMouseEvent,
    QMoveEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QScreen,
)
from PySide6.QtWidgets import QWidget

from captioner.core.settings import Key, Settings
from captioner.ui import overlay_placement as placement
from captioner.ui.overlay_fade import OverlayFade
from captioner.ui.overlay_style import CaptionLine, OverlayStyle, SpeakerColors
from captioner.ui.overlay_text import Paragraph, tail_that_fits

__all__ = ["CaptionLine", "CaptionOverlay", "OverlayStyle"]

MARGIN = 16
EDGE = 8  # px at the left/right border that resize instead of move


class CaptionOverlay(QWidget):
    """Always-on-top caption window: finished lines, then the line being spoken.

    Signals:
        lockedChanged(bool): click-through was switched on (True) or off.
    """

    lockedChanged = Signal(bool)

    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__(None)
        self.setWindowTitle("Captions")
        self.setObjectName("captionOverlay")
        self.setAccessibleName("Live captions")
        self._base_flags = (
            Qt.WindowType.Window
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
            | Qt.WindowType.Tool  # no task-bar entry
            | Qt.WindowType.WindowDoesNotAcceptFocus
        )
        self.setWindowFlags(self._base_flags)
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self._settings = settings
        self._style = OverlayStyle.from_settings(settings) if settings else OverlayStyle()
        self._font = QFont()
        self._history: list[Paragraph] = []
        # In call mode both sides can be mid-sentence at once: one line each.
        self._partial_lines: tuple[CaptionLine, ...] = ()
        self._partials: list[Paragraph] = []
        self._partial_dirty = False
        self._placeholder = ""
        self._badge = ""
        self._drag_offset: QPoint | None = None
        self._speaker_colors = SpeakerColors(self._style)
        self._locked = False
        self.partial_layouts = 0  # how many times the in-progress line was laid out
        self._fade = OverlayFade(self, self)
        self.apply_style(self._style)
        self._restore_geometry()
        if settings is not None and settings.get(Key.OVERLAY_LOCKED):
            self.set_locked(True)

    # -- content -------------------------------------------------------------

    def set_history(self, lines: list[CaptionLine | str]) -> None:
        """Show the last finished lines (only the newest ``history_lines`` are kept)."""
        wanted = [line if isinstance(line, CaptionLine) else CaptionLine(line) for line in lines]
        wanted = [line for line in wanted if line.text.strip()]
        keep = wanted[-self._style.history_lines :] if self._style.history_lines else []
        if keep == [p.line for p in self._history]:
            return
        cached = {p.line: p for p in self._history}
        width = self._text_width()
        self._history = [
            cached.get(line)
            or Paragraph(line, self._font, width, self._color_for(line.speaker, line.source))
            for line in keep
        ]
        self._on_activity()
        self.update()

    def set_partial(self, text: str, speaker: str | None = None, provisional: bool = False) -> None:
        """Rewrite the in-progress line in place (laid out at the next paint)."""
        self.set_partials([CaptionLine(text, speaker, provisional)] if text else [])

    def set_partials(self, lines: list[CaptionLine]) -> None:
        """The in-progress lines, oldest first (one per speaking side in call mode)."""
        wanted = tuple(line for line in lines if line.text)
        if wanted == self._partial_lines:
            return
        self._partial_lines = wanted
        self._partial_dirty = True
        if wanted:
            self._on_activity()
        self.update()

    def set_placeholder(self, text: str) -> None:
        """A dim hint shown while there is nothing to caption (e.g. "Listening…")."""
        if text != self._placeholder:
            self._placeholder = text
            self.update()

    def set_badge(self, text: str) -> None:
        """A small notice in the corner while captions are interrupted ("Reconnecting…")."""
        if text != self._badge:
            self._badge = text
            self.update()

    @property
    def badge(self) -> str:
        return self._badge

    def history_texts(self) -> list[str]:
        return [p.text for p in self._history]

    def partial_text(self) -> str:
        """The in-progress text (several lines joined by a newline in call mode)."""
        return "\n".join(line.display for line in self._partial_lines)

    def visible_text_lines(self) -> list[str]:
        """The text lines actually on screen, top to bottom (for tests and screen readers)."""
        self._ensure_partial_layout()
        box = self._style.visible_lines * self._line_height() + 0.5
        out: list[str] = []
        bottom = box
        for paragraph in reversed(self._paragraphs()):
            layout = paragraph.layout
            for i in reversed(range(layout.lineCount())):
                line = layout.lineAt(i)
                if bottom - line.height() < 0:
                    return list(reversed(out))
                start = line.textStart()
                out.append(paragraph.text[start : start + line.textLength()].strip())
                bottom -= line.height()
        return list(reversed(out))

    # -- style, lock, fade -----------------------------------------------------

    def apply_style(self, style: OverlayStyle) -> None:
        """Restyle live (the settings dialog previews through this)."""
        self._style = style
        self._font = QFont(style.font_family)
        self._font.setPointSizeF(style.font_point_size)
        self._font.setWeight(QFont.Weight.DemiBold)
        self._speaker_colors = SpeakerColors(style)
        self.setFixedHeight(self._content_height())  # never grows with the text
        lines = [p.line for p in self._history]
        self._history = []
        self.set_history(lines)
        self._partial_dirty = True
        self._fade.set_seconds(style.fade_seconds)
        self.update()

    @property
    def style_settings(self) -> OverlayStyle:
        return self._style

    @property
    def locked(self) -> bool:
        return self._locked

    def set_locked(self, locked: bool) -> None:
        """Click-through: mouse input passes to the window below while locked."""
        if locked == self._locked:
            return
        self._locked = locked
        visible = self.isVisible()
        self.setWindowFlag(Qt.WindowType.WindowTransparentForInput, locked)
        if visible:
            self.show()  # changing window flags hides a window
        if self._settings is not None:
            self._settings.set(Key.OVERLAY_LOCKED, locked)
        self.update()
        self.lockedChanged.emit(locked)

    @property
    def faded(self) -> bool:
        """True while fading out or faded (after ``fade_seconds`` of no new text)."""
        return self._fade.faded

    def _on_activity(self) -> None:
        self._fade.activity()

    def _color_for(self, speaker: str | None, source: str = "") -> QColor:
        return self._speaker_colors.color_for(speaker, source)

    # -- geometry ------------------------------------------------------------

    def _line_height(self) -> float:
        return QFontMetricsF(self._font).lineSpacing()

    def _text_width(self) -> float:
        return max(50.0, self.width() - 2 * MARGIN)

    def _content_height(self) -> int:
        return int(self._style.visible_lines * self._line_height() + 2 * MARGIN)

    def default_rect(self, screen: QScreen | None = None, dock: str = "bottom") -> QRect:
        return placement.default_rect(
            screen, dock, self._style.width_percent, self._content_height()
        )

    def _restore_geometry(self) -> None:
        rect = placement.restored_rect(
            self._settings, self._style.width_percent, self._content_height()
        )
        self.setGeometry(rect)
        self.setMinimumWidth(240)

    def dock(self, where: str) -> None:
        """Snap to the top or bottom edge of the current screen, or float where it is."""
        if self._settings is not None:
            self._settings.set(Key.OVERLAY_DOCK, where)
        if where in ("top", "bottom"):
            self.setGeometry(self.default_rect(self.screen(), where))

    def resizeEvent(self, event: QResizeEvent) -> None:
        if event.oldSize().width() != event.size().width():
            width = self._text_width()
            self._history = [Paragraph(p.line, self._font, width, p.color) for p in self._history]
            self._partial_dirty = True
        super().resizeEvent(event)
        self._remember_geometry()

    def moveEvent(self, event: QMoveEvent) -> None:
        super().moveEvent(event)
        self._remember_geometry()

    def _remember_geometry(self) -> None:
        if self._settings is not None and self.isVisible():
            placement.remember(self._settings, self.screen(), self.geometry())

    # -- painting ------------------------------------------------------------

    def _ensure_partial_layout(self) -> None:
        if not self._partial_dirty:
            return
        self._partial_dirty = False
        self._partials = []
        width = self._text_width()
        # Several sides mid-sentence share the box; a labelled line that does
        # not fit shows "Them: … newest words" so the label is never scrolled off.
        budget = max(1, self._style.visible_lines // max(1, len(self._partial_lines)))
        for line in self._partial_lines:
            color = QColor(self._color_for(line.speaker, line.source)) if line.speaker else None
            if color is not None:
                color.setAlphaF(0.78)
            color = color or self._style.partial_color
            paragraph = Paragraph(line, self._font, width, color)
            if line.speaker and paragraph.layout.lineCount() > budget:
                paragraph = tail_that_fits(line, self._font, width, color, budget)
            self._partials.append(paragraph)
        self.partial_layouts += 1

    def _paragraphs(self) -> list[Paragraph]:
        return [*self._history, *self._partials]

    def paintEvent(self, event: QPaintEvent) -> None:
        self._ensure_partial_layout()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self._style.background)
        painter.drawRoundedRect(QRectF(self.rect()), 12, 12)
        if self._locked:  # a small padlock-ish marker: the overlay ignores the mouse
            painter.setBrush(QColor(255, 255, 255, 90))
            painter.drawEllipse(QRectF(self.width() - 14, 6, 8, 8))
        if self._badge:
            small = QFont(self._font)
            small.setPointSizeF(max(8.0, self._font.pointSizeF() * 0.45))
            painter.setFont(small)
            painter.setPen(QColor("#ffd54f"))
            painter.drawText(
                self.rect().adjusted(MARGIN, 4, -MARGIN - 12, 0),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop),
                self._badge,
            )
        painter.setFont(self._font)
        paragraphs = self._paragraphs()
        if not paragraphs:
            if self._placeholder:
                painter.setPen(QColor(255, 255, 255, 150))
                painter.drawText(
                    self.rect().adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN),
                    int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom)
                    | int(Qt.TextFlag.TextWordWrap),
                    self._placeholder,
                )
            return
        # Whole paragraphs, bottom-anchored and clipped to the text box, so the
        # newest words are always visible and old lines slide off the top.
        box_height = self._style.visible_lines * self._line_height()
        top = (self.height() - box_height) / 2
        # Clip exactly at the top of the box: no sliver of a scrolled-off line shows.
        painter.setClipRect(QRectF(MARGIN - 3, top, self._text_width() + 6, box_height + 3))
        bottom = top + box_height
        for paragraph in reversed(paragraphs):
            y = bottom - paragraph.height
            if y + paragraph.height < top:
                break
            if self._style.outline:
                # A dark halo keeps captions legible over any background.
                painter.setPen(QColor(0, 0, 0, 200))
                for dx, dy in ((-1.5, 0), (1.5, 0), (0, -1.5), (0, 1.5)):
                    paragraph.layout.draw(painter, QPointF(MARGIN + dx, y + dy))
            painter.setPen(paragraph.color)
            paragraph.layout.draw(painter, QPointF(MARGIN, y))
            bottom = y

    # -- dragging and resizing ---------------------------------------------------

    def _edges_at(self, pos: QPoint) -> Qt.Edge | None:
        if pos.x() <= EDGE:
            return Qt.Edge.LeftEdge
        if pos.x() >= self.width() - EDGE:
            return Qt.Edge.RightEdge
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        handle = self.windowHandle()
        edge = self._edges_at(event.position().toPoint())
        # The compositor moves/resizes the window itself where it can (required
        # on Wayland, where clients cannot position their windows).
        if handle is not None:
            if edge is not None and handle.startSystemResize(edge):
                event.accept()
                return
            if edge is None and handle.startSystemMove():
                if self._settings is not None:
                    self._settings.set(Key.OVERLAY_DOCK, "float")
                event.accept()
                return
        self._drag_offset = event.globalPosition().toPoint() - self.frameGeometry().topLeft()
        self.setCursor(Qt.CursorShape.ClosedHandCursor)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_offset is not None:
            self.move(event.globalPosition().toPoint() - self._drag_offset)
            if self._settings is not None:
                self._settings.set(Key.OVERLAY_DOCK, "float")
            event.accept()
            return
        edge = self._edges_at(event.position().toPoint())
        self.setCursor(
            Qt.CursorShape.SizeHorCursor if edge is not None else Qt.CursorShape.OpenHandCursor
        )

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag_offset = None
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self._remember_geometry()
