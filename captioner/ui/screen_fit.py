"""Windows that fit the screen they open on, with their buttons reachable.

At 1024×600 with 2× scaling a screen is 512×300 logical pixels, less than the
sizes the windows were laid out for; a window taller than its screen puts its
OK/Cancel (or Start, or the Sessions buttons) off the bottom edge, where no
window manager lets the user reach them.  So each window asks for a roomy
size where there is room and no more than the screen's available area where
there is not; its layout must then be able to shrink (a form scrolls above
its buttons, the transcript gives up its slack), and :class:`KeepOnScreen`
pulls a window back whenever it is shown (a geometry saved on a bigger
monitor, a dialog centred on a parent that is half off-screen).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget

# Room left for a window manager's title bar and borders before the window is
# shown (afterwards the real frame is measured).
FRAME_ALLOWANCE = QSize(8, 32)

# The line height (pixels) of the font the roomy sizes were laid out for: a
# 9–10 pt sans serif, as most desktops default to.
DESIGN_LINE_PX = 16


def available_area(widget: QWidget) -> QRect:
    """The part of the widget's screen that windows may use (panels and docks excluded)."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def _frame_extra(window: QWidget) -> QSize:
    """How much the window manager's frame adds, measured once shown, guessed before."""
    frame, inner = window.frameGeometry().size(), window.size()
    if window.isVisible() and frame != inner:
        return frame - inner
    return FRAME_ALLOWANCE


def for_text(window: QWidget, size: QSize) -> QSize:
    """``size``, laid out for the usual font, grown in step with ``window``'s text.

    People who need larger text set a larger system font (16 pt, 20 pt); a
    window that kept its size in pixels then cut the Input and Engine pickers
    to "No input devices four" and the shortcuts' names to "Import transcript
    (…", and held a third of the lines.  Display scaling needs nothing here:
    it grows the logical pixels, font and sizes alike.
    """
    factor = max(1.0, window.fontMetrics().height() / DESIGN_LINE_PX)
    return QSize(round(size.width() * factor), round(size.height() * factor))


def fit_size(window: QWidget, preferred: QSize) -> None:
    """Resize to ``preferred``, or to as much of it as the available screen holds."""
    room = available_area(window).size() - _frame_extra(window)
    window.resize(min(preferred.width(), room.width()), min(preferred.height(), room.height()))


def clamp_to_screen(window: QWidget) -> None:
    """Shrink and move the window so that its frame lies inside the available screen."""
    area = available_area(window)
    extra = window.frameGeometry().size() - window.size()
    width = min(window.width(), area.width() - extra.width())
    height = min(window.height(), area.height() - extra.height())
    if (width, height) != (window.width(), window.height()):
        window.resize(max(width, window.minimumWidth()), max(height, window.minimumHeight()))
    frame = window.frameGeometry()
    x = max(area.left(), min(frame.x(), area.x() + area.width() - frame.width()))
    y = max(area.top(), min(frame.y(), area.y() + area.height() - frame.height()))
    if (x, y) != (frame.x(), frame.y()):
        window.move(x, y)  # a top-level's move() places its frame


class KeepOnScreen(QObject):
    """Clamps ``window`` to its screen each time it is shown, and again once the frame is known."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Only Show is looked at: while the window is torn down, events still
        # arrive after Python has let go of this object's attributes.
        if event.type() == QEvent.Type.Show and isinstance(watched, QWidget) and watched.isWindow():
            clamp_to_screen(watched)
            # The window manager adds its frame after mapping: measure it then.
            QTimer.singleShot(0, self, lambda: clamp_to_screen(watched))
        return False


class GrowWithText(QObject):
    """Grows ``window`` toward ``design`` (its size at the usual font) as its text grows.

    ``for_text`` sizes a window for the font it opens with; a desktop font made
    larger while the app runs left the windows at their old size, cutting the
    pickers and lists that had just grown.  On a font change the window grows
    to what it would open at now, within the screen; it never shrinks (a size
    the user chose stays), and a font no larger than before leaves it alone.
    """

    def __init__(self, window: QWidget, design: QSize) -> None:
        super().__init__(window)
        self.design = QSize(design)
        self.line = window.fontMetrics().height()  # grown from, so only a larger text grows it
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # FontChange comes once the window's font is the new one (ApplicationFontChange
        # comes before).  getattr: events still arrive while the window is torn down.
        design = getattr(self, "design", None)
        if (
            event.type() != QEvent.Type.FontChange
            or design is None
            or not isinstance(watched, QWidget)
            or not watched.isWindow()
        ):
            return False
        line, self.line = self.line, watched.fontMetrics().height()
        if self.line <= line:
            return False  # a size the user chose stays when the text did not grow
        wanted = for_text(watched, design).expandedTo(watched.size())
        if wanted != watched.size():
            fit_size(watched, wanted)
            if watched.isVisible():
                clamp_to_screen(watched)
        return False


class FittingScroll(QScrollArea):
    """A frameless vertical scroll area as tall as its contents when there is room.

    It shrinks (and scrolls) only when the window is smaller than its
    contents, so the parts kept outside it (buttons) never leave the window.
    """

    def __init__(self, inner: QWidget, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidget(inner)
        # Tab goes to the fields inside (the area scrolls to show them), not to the area.
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAccessibleName(name)
        inner.installEventFilter(self)

    def sizeHint(self) -> QSize:
        inner = self.widget()
        want = inner.sizeHint() if inner is not None else QSize()
        bar = self.verticalScrollBar().sizeHint().width()
        return QSize(want.width() + bar, want.height())

    def minimumSizeHint(self) -> QSize:
        inner = self.widget()
        if inner is None:
            return QSize()
        # A few lines stay in view however small the window: enough to see it scrolls.
        height = min(inner.sizeHint().height(), 3 * self.fontMetrics().height())
        width = inner.minimumSizeHint().width() + self.verticalScrollBar().sizeHint().width()
        return QSize(width, height)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()  # contents grew or shrank (call mode opened): re-ask
        return super().eventFilter(watched, event)
