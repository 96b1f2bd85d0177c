"""A focus ring you can see on check boxes and pickers.

The Fusion style marks a focused check box or combo box with a light outline
whose contrast against the unfocused look is under 3:1 (measured: no pixel of
either changes by 3:1 or more), so a keyboard user loses track of where they
are.  Restyling those controls with a style sheet throws away their native
drawing (the combo box loses its arrow), so instead one small transparent
widget per window draws a 2-px ring in the palette's highlight colour around
whichever of them has the focus, and follows it.  Buttons, fields and the
transcript get their ring from ``main.qss``.
"""

from __future__ import annotations

import weakref

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QRadioButton,
    QWidget,
)
from shiboken6 import isValid

RINGED = (QCheckBox, QComboBox, QRadioButton, QAbstractSpinBox)
WIDTH = 2
GAP = 1  # between the control and its ring


class FocusRing(QWidget):
    """Draws the ring around the focused check box, radio button, picker or spin box."""

    def __init__(self, window: QWidget, ringed: tuple[type[QWidget], ...] = RINGED) -> None:
        # ``ringed``: the kinds of control to ring (About rings its text, whose caret
        # is otherwise all that shows the focus is there).
        super().__init__(window)
        self._ringed = ringed
        self.setObjectName("focusRing")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.hide()
        self._target: QWidget | None = None
        ring = weakref.ref(self)

        def on_focus(_old: QWidget | None, new: QWidget | None) -> None:
            alive = ring()
            if alive is not None and isValid(alive):
                alive.follow(new)

        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(on_focus)
            self.destroyed.connect(lambda: app.focusChanged.disconnect(on_focus))

    @property
    def target(self) -> QWidget | None:
        return self._target

    def follow(self, widget: QWidget | None) -> None:
        """Put the ring around ``widget`` if it is one of ours that draws a faint focus."""
        if self._target is not None and isValid(self._target):
            self._target.removeEventFilter(self)
        self._target = None
        window = self.parentWidget()
        if (
            widget is None
            or window is None
            or not isinstance(widget, self._ringed)
            or widget.window() is not window.window()
        ):
            self.hide()
            return
        self._target = widget
        widget.installEventFilter(self)
        self._place()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._target and event.type() in (
            QEvent.Type.Move,
            QEvent.Type.Resize,
            QEvent.Type.Show,
            QEvent.Type.Hide,
        ):
            self._place()
        return False

    def _place(self) -> None:
        target, window = self._target, self.parentWidget()
        if target is None or window is None or not target.isVisible():
            self.hide()
            return
        margin = WIDTH + GAP
        top_left = target.mapTo(window, QPoint(0, 0))
        self.setGeometry(QRect(top_left, target.size()).adjusted(-margin, -margin, margin, margin))
        self.raise_()
        self.show()
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(self.palette().color(QPalette.ColorRole.Highlight), WIDTH)
        painter.setPen(pen)
        half = WIDTH / 2
        painter.drawRoundedRect(self.rect().toRectF().adjusted(half, half, -half, -half), 4, 4)
