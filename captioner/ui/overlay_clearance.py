"""Keeping the always-on-top overlay off Captioner's own windows while one is in use.

The overlay stays on top of other applications, but it must never sit over
the OK/Cancel of a settings dialog or the buttons of Sessions (it did, at
1024×600 and at 2× scale).  While one of the app's windows has the focus
and the overlay would cover it, the overlay slides just above or below that
window.  A dialog that has just opened over the overlay is first placed
clear of it when the screen has room for both (the Captions dialog then
previews on a visible overlay, and is moved clear again when a preview grows
the overlay over it).  When there is no room on that screen the
overlay steps out of sight.  This is decided again whenever the focus
moves, the window in use moves or resizes, or the overlay appears.  As
soon as the focus leaves Captioner, or goes to a window it doesn't cover,
it comes back to where the user put it.  None of this is remembered as the
overlay's place.

Not on Wayland (see :mod:`captioner.ui.platform_caps`): the app cannot
tell where its windows are, and each time the overlay came back from out
of sight it was a new window that took the keyboard.  There the overlay
stays where the user dragged it.

One exception: the sample text a user asked for to place the overlay
(see :mod:`captioner.ui.overlay_visibility`) is not hidden behind the main
window that asked for it; it only moves aside when there is room.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QWindow
from shiboken6 import isValid

from captioner.ui import overlay_placement as placement
from captioner.ui.overlay import CaptionOverlay

GAP = 4  # px between the overlay and the window it keeps clear of
PLACED = "captionerPlacedClearOfOverlay"

_FOLLOWED = (QEvent.Type.Move, QEvent.Type.Resize, QEvent.Type.Expose, QEvent.Type.Show)


class OverlayClearance(QObject):
    """Moves the overlay aside (or out of sight) while it would cover an active app window."""

    # True when the overlay stepped out of sight (no room beside the window in use),
    # False when it is back: a vanished overlay is otherwise taken for a broken one.
    outOfSight = Signal(bool)

    def __init__(self, overlay: CaptionOverlay, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._overlay = overlay
        self._home = QRect()
        self._watched: QWindow | None = None
        self._again = QTimer(self)
        self._again.setSingleShot(True)
        self._again.timeout.connect(self.update)
        self.active = overlay.caps.places_windows  # Wayland: never steps aside
        if not self.active:
            return
        # Shown (a run starts) over the window in use: no focus change says so.
        overlay.installEventFilter(self)
        # Back on its monitor, plugged in again: it may no longer cover the window (or now does).
        overlay.screens.homeBack.connect(self._decide_again)
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.focusWindowChanged.connect(self._on_focus)
            # At launch the main window has the focus before this is built.
            self._on_focus(QGuiApplication.focusWindow())

    @property
    def home(self) -> QRect:
        """Where the overlay goes back to (its own place, not where it stepped to).

        While it stands aside the app may place it anew (Settings ▸ Captions… trying
        Top or Bottom): that place is decided on.  Decided on the place before, the
        preview of Top stayed where the overlay had stepped to, below the dialog.
        """
        if not self._overlay.held:
            return self._overlay.geometry()
        placed = self._overlay.placed_while_held
        return QRect(placed if placed is not None else self._home)

    def _on_focus(self, window: QWindow | None) -> None:
        if not isValid(self._overlay):  # the overlay was closed for good (quit, tests)
            return
        if self._watched is not None and isValid(self._watched):
            self._watched.removeEventFilter(self)
        self._watched = None
        # A window being deleted can still be announced (a menu's popup, closed by its click).
        if window is not None and isValid(window) and window is not self._overlay.windowHandle():
            window.installEventFilter(self)  # it may still be placed or resized
            self._watched = window
        self._again.start(0)

    def _decide_again(self) -> None:
        self._again.start(0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The window in use placed, resized or shown, or the overlay shown: decide again.

        The overlay never takes the focus, so when it appears (Start, the sample, a
        dialog's preview) over the window in use, only its Show event tells: it stood
        over Stop until the focus left the window and came back.
        """
        if watched is self._overlay:
            kind = event.type()
            # A preview that grows or moves the overlay (Settings ▸ Captions…) must
            # not grow it over that dialog's OK and Cancel.
            if kind == QEvent.Type.Show or (
                self._overlay.previewing and kind in (QEvent.Type.Resize, QEvent.Type.Move)
            ):
                self._again.start(0)
        elif event.type() in _FOLLOWED:
            self._again.start(0)
        return False

    def update(self) -> None:
        """Decide again from the window that has the focus now."""
        if not isValid(self._overlay) or not self.active:
            return
        window = _app_window(QGuiApplication.focusWindow(), self._overlay)
        if window is None:
            self.come_back()
            return
        home = self.home
        frame = window.frameGeometry()
        if not frame.intersects(home):
            self.come_back()
            return
        area = placement.available_area(placement.screen_for(home))
        # A dialog is placed clear of the overlay once (afterwards the user may move it
        # anywhere), and again whenever a preview it makes grows the overlay over it.
        if _is_dialog(window) and (not window.property(PLACED) or self._overlay.previewing):
            window.setProperty(PLACED, True)
            spot = placement.clear_spot(frame, home, area, GAP)  # the dialog, clear of it
            if spot is None and frame.height() + GAP + home.height() <= area.height():
                # Both fit, not with the overlay where it is: the dialog goes to the
                # far edge and the overlay slides just beside it (below).
                low = home.center().y() >= area.center().y()
                top = area.y() if low else area.y() + area.height() - frame.height()
                spot = QRect(frame.x(), top, frame.width(), frame.height())
            if spot is not None and spot != frame:
                window.setFramePosition(QPoint(spot.x(), spot.y()))
                return  # its Move event brings us back here
        spot = placement.clear_spot(home, frame, area, GAP)
        if spot is None and self._overlay.showing_sample and not _is_dialog(window):
            self.come_back()  # the user asked to see it, to place it
            return
        if not self._overlay.held:
            self._home = QRect(home)
        self._overlay.hold(spot)
        self.outOfSight.emit(spot is None)

    def come_back(self) -> None:
        if self._overlay.held:
            self._overlay.release(self._home)
            self.outOfSight.emit(False)


def _app_window(window: QWindow | None, overlay: CaptionOverlay) -> QWindow | None:
    """The app window in use: a menu or tooltip counts as the window it belongs to."""
    while window is not None and window.type() in (Qt.WindowType.Popup, Qt.WindowType.ToolTip):
        window = window.transientParent()
    if window is None or window is overlay.windowHandle() or not window.isVisible():
        return None
    return window


def _is_dialog(window: QWindow) -> bool:
    return window.type() == Qt.WindowType.Dialog or window.modality() != Qt.WindowModality.NonModal
