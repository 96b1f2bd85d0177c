"""The always-on-top caption overlay.

A frameless, translucent window that never takes focus and stays out of the
task bar.  It shows the last finished lines above the in-progress line.  The
in-progress line is rewritten in place: each partial re-lays-out only that
one paragraph (finished paragraphs are laid out once and cached), the window
never changes size, and when the text no longer fits the newest words stay
visible at the bottom while older lines scroll off the top.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, QSettings, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QMouseEvent,
    QMoveEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import QWidget

MARGIN = 16


@dataclass
class OverlayStyle:
    """How captions look; high contrast by default (white on ~85 % black)."""

    font_family: str = "Sans Serif"
    font_point_size: int = 22
    text_color: QColor = field(default_factory=lambda: QColor("#ffffff"))
    # In-progress words are a little dimmer: they may still change.
    partial_color: QColor = field(default_factory=lambda: QColor("#c8c8c8"))
    background: QColor = field(default_factory=lambda: QColor(0, 0, 0, 217))
    history_lines: int = 2
    visible_lines: int = 3


class _Paragraph:
    """One laid-out paragraph; re-laid-out only when its text or the width changes."""

    def __init__(self, text: str, font: QFont, width: float) -> None:
        self.text = text
        self.layout = QTextLayout(text, font)
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.layout.setTextOption(option)
        self.height = 0.0
        self.layout.beginLayout()
        y = 0.0
        while True:
            line = self.layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            line.setPosition(QPointF(0, y))
            y += line.height()
        self.layout.endLayout()
        self.height = y


class CaptionOverlay(QWidget):
    """Always-on-top caption window: finished lines, then the line being spoken."""

    def __init__(self, settings: QSettings | None = None, style: OverlayStyle | None = None):
        super().__init__(None)
        self.setWindowTitle("Captions")
        self.setObjectName("captionOverlay")
        self.setAccessibleName("Live captions")
        self.setWindowFlags(
            Qt.WindowType.Window
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
            | Qt.WindowType.Tool  # no task-bar entry
            | Qt.WindowType.WindowDoesNotAcceptFocus
        )
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self._settings = settings
        self._style = style or OverlayStyle()
        self._font = QFont(self._style.font_family, self._style.font_point_size)
        self._font.setWeight(QFont.Weight.DemiBold)
        self._history: list[_Paragraph] = []
        self._partial: _Paragraph | None = None
        self._placeholder = ""
        self._drag_offset: QPoint | None = None
        self.partial_layouts = 0  # how many times the in-progress line was laid out
        self._apply_geometry()

    # -- content -------------------------------------------------------------

    def set_history(self, lines: list[str]) -> None:
        """Show the last finished lines (only the newest ``history_lines`` are kept)."""
        keep = [line for line in lines if line.strip()][-self._style.history_lines :]
        if keep == [p.text for p in self._history]:
            return
        cached = {p.text: p for p in self._history}
        width = self._text_width()
        self._history = [cached.get(t) or _Paragraph(t, self._font, width) for t in keep]
        self.update()

    def set_partial(self, text: str) -> None:
        """Rewrite the in-progress line in place."""
        current = self._partial.text if self._partial else ""
        if text == current:
            return
        self._partial = _Paragraph(text, self._font, self._text_width()) if text else None
        self.partial_layouts += 1
        self.update()

    def set_placeholder(self, text: str) -> None:
        """A dim hint shown while there is nothing to caption (e.g. "Listening…")."""
        if text != self._placeholder:
            self._placeholder = text
            self.update()

    def history_texts(self) -> list[str]:
        return [p.text for p in self._history]

    def partial_text(self) -> str:
        return self._partial.text if self._partial else ""

    def visible_text_lines(self) -> list[str]:
        """The text lines actually on screen, top to bottom (for tests and screen readers)."""
        return [text for text, _y, _partial in self._visible_lines()]

    # -- geometry ------------------------------------------------------------

    def _line_height(self) -> float:
        return QFontMetricsF(self._font).lineSpacing()

    def _text_width(self) -> float:
        return max(50.0, self.width() - 2 * MARGIN)

    def _default_rect(self) -> QRect:
        screen = QGuiApplication.primaryScreen()
        area = screen.availableGeometry() if screen else QRect(0, 0, 1280, 800)
        width = int(min(area.width() * 0.7, 1100))
        height = self._content_height()
        x = area.x() + (area.width() - width) // 2
        y = area.y() + area.height() - height - int(area.height() * 0.08)
        return QRect(x, y, width, height)

    def _content_height(self) -> int:
        return int(self._style.visible_lines * self._line_height() + 2 * MARGIN)

    def _apply_geometry(self) -> None:
        rect = self._default_rect()
        saved = self._settings.value("overlay/pos") if self._settings else None
        if isinstance(saved, QPoint) and _on_some_screen(QRect(saved, rect.size())):
            rect.moveTopLeft(saved)
        self.setGeometry(rect)
        self.setFixedHeight(rect.height())  # never grows with the text
        self.setMinimumWidth(240)

    def resizeEvent(self, event: QResizeEvent) -> None:
        if event.oldSize().width() != event.size().width():
            width = self._text_width()
            self._history = [_Paragraph(p.text, self._font, width) for p in self._history]
            if self._partial:
                self._partial = _Paragraph(self._partial.text, self._font, width)
        super().resizeEvent(event)

    # -- painting ------------------------------------------------------------

    def _visible_lines(self) -> list[tuple[str, float, bool]]:
        """(text, top y inside the text box, is_partial) for each line that fits."""
        paragraphs = [(p, False) for p in self._history]
        if self._partial:
            paragraphs.append((self._partial, True))
        box = self._style.visible_lines * self._line_height() + 0.5
        out: list[tuple[str, float, bool]] = []
        bottom = box
        for paragraph, partial in reversed(paragraphs):
            layout = paragraph.layout
            for i in reversed(range(layout.lineCount())):
                line = layout.lineAt(i)
                top = bottom - line.height()
                if top < 0:
                    return list(reversed(out))
                text = paragraph.text[line.textStart() : line.textStart() + line.textLength()]
                out.append((text.strip(), top, partial))
                bottom = top
        return list(reversed(out))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self._style.background)
        painter.drawRoundedRect(QRectF(self.rect()), 12, 12)
        painter.setFont(self._font)
        if not self._history and not self._partial:
            if self._placeholder:
                painter.setPen(QColor(255, 255, 255, 150))
                painter.drawText(
                    self.rect().adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN),
                    int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom),
                    self._placeholder,
                )
            return
        # Draw whole paragraphs bottom-anchored and clip to the text box, so the
        # newest words are always visible and old lines slide off the top.
        box_height = self._style.visible_lines * self._line_height()
        top = (self.height() - box_height) / 2
        painter.setClipRect(QRectF(MARGIN, top, self._text_width(), box_height + 1))
        bottom = top + box_height
        paragraphs = [(p, self._style.text_color) for p in self._history]
        if self._partial:
            paragraphs.append((self._partial, self._style.partial_color))
        for paragraph, color in reversed(paragraphs):
            y = bottom - paragraph.height
            if y + paragraph.height < top:
                break
            painter.setPen(color)
            paragraph.layout.draw(painter, QPointF(MARGIN, y))
            bottom = y

    # -- dragging --------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            handle = self.windowHandle()
            # The compositor moves the window itself where it can (required on
            # Wayland, where clients cannot position their windows).
            if handle is not None and handle.startSystemMove():
                event.accept()
                return
            self._drag_offset = event.globalPosition().toPoint() - self.frameGeometry().topLeft()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_offset is not None:
            self.move(event.globalPosition().toPoint() - self._drag_offset)
            event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag_offset = None
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self._remember_position()

    def moveEvent(self, event: QMoveEvent) -> None:
        super().moveEvent(event)
        self._remember_position()

    def _remember_position(self) -> None:
        if self._settings is not None and self.isVisible():
            self._settings.setValue("overlay/pos", self.pos())


def _on_some_screen(rect: QRect) -> bool:
    """True when most of ``rect`` lies on a connected screen (monitors come and go)."""
    for screen in QGuiApplication.screens():
        visible = screen.availableGeometry().intersected(rect)
        if visible.width() * visible.height() >= rect.width() * rect.height() // 2:
            return True
    return False
