"""The overlay moved and resized with the mouse: by the window system where it can.

The compositor moves or resizes the window itself when asked
(``startSystemMove``/``startSystemResize``; required on Wayland, where
clients cannot position their windows); elsewhere, and where no window
manager handles the window (``system_drag`` False: an override-redirect
overlay on X11, which the window manager would not move), the window
follows the pointer.  A side (``EDGE`` px at the left or right) resizes,
the rest moves.
What a drag means for the overlay's place (floated, saved, refitted) is the
subclass's (see :class:`captioner.ui.overlay_window.OverlayWindow`).
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QGuiApplication, QMouseEvent
from PySide6.QtWidgets import QWidget

EDGE = 8  # px at the left/right border that resize instead of move
MIN_WIDTH = 120  # px: a side dragged past this stops


class DraggedWindow(QWidget):
    """A window the user drags by its body and resizes by its left and right sides.

    Subclasses say whether a click was a button of theirs (``_clicked``), what
    a move by the user means (``_floated``) and what to do once a drag ends
    (``_drag_ended``).
    """

    def __init__(self) -> None:
        super().__init__(None)
        self._drag_offset: QPoint | None = None
        # Where the pointer went down for a move by the window system (startSystemMove),
        # until the release: only a real move floats a docked overlay, not a click.
        self._system_move_from: QPoint | None = None
        # A side being dragged by hand: which, the geometry and pointer at the press.
        self._resizing: tuple[Qt.Edge, QRect, QPoint] | None = None
        self.system_drag = True  # ask the window system to move/resize (see the module)

    def _clicked(self, pos: QPointF) -> bool:
        """True when a left click at ``pos`` was a button of the content, not a drag."""
        return False

    def _floated(self) -> None:
        """The user moved it."""

    def _drag_ended(self) -> None:
        """The button was released after a press on the window."""

    def _edges_at(self, pos: QPoint) -> Qt.Edge | None:
        if pos.x() <= EDGE:
            return Qt.Edge.LeftEdge
        if pos.x() >= self.width() - EDGE:
            return Qt.Edge.RightEdge
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        self._system_move_from = None
        if self._clicked(event.position()):
            event.accept()
            return
        handle = self.windowHandle() if self.system_drag else None
        edge = self._edges_at(event.position().toPoint())
        if edge is not None and handle is None:
            self._resizing = (edge, self.geometry(), event.globalPosition().toPoint())
            event.accept()
            return
        if handle is not None:
            if edge is not None and handle.startSystemResize(edge):
                event.accept()
                return
            if edge is None and handle.startSystemMove():
                # Not floated yet: a click (no drag) left it docked (see _system_moved).
                self._system_move_from = event.globalPosition().toPoint()
                event.accept()
                return
        self._drag_offset = event.globalPosition().toPoint() - self.frameGeometry().topLeft()
        self.setCursor(Qt.CursorShape.ClosedHandCursor)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._resizing is not None:
            self._resize_by_hand(event.globalPosition().toPoint())
            event.accept()
            return
        if self._drag_offset is not None:
            self.move(event.globalPosition().toPoint() - self._drag_offset)
            self._floated()
            event.accept()
            return
        edge = self._edges_at(event.position().toPoint())
        self.setCursor(
            Qt.CursorShape.SizeHorCursor if edge is not None else Qt.CursorShape.OpenHandCursor
        )

    def _resize_by_hand(self, pointer: QPoint) -> None:
        edge, start, pressed = self._resizing or (None, QRect(), QPoint())
        dx = pointer.x() - pressed.x()
        if edge == Qt.Edge.LeftEdge:
            dx = min(dx, start.width() - MIN_WIDTH)
            self.setGeometry(start.x() + dx, start.y(), start.width() - dx, start.height())
        else:
            self.setGeometry(
                start.x(), start.y(), max(MIN_WIDTH, start.width() + dx), start.height()
            )

    def _system_moved(self, release: QPoint) -> bool:
        """True when the pointer went far enough, between press and release, to be a move.

        X11 window managers (openbox) may report the new position only after the
        release, which Qt sends when the move ends: the pointer's way says it.
        """
        start, self._system_move_from = self._system_move_from, None
        if start is None:
            return False
        travelled = (release - start).manhattanLength()
        return travelled >= QGuiApplication.styleHints().startDragDistance()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._system_moved(event.globalPosition().toPoint()):
            self._floated()
        self._drag_offset = self._resizing = None
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self._drag_ended()
