"""The overlay as a window: on top, never focused, dragged into place, kept on a screen.

What the caption overlay does as a window, apart from what it shows: its
flags (frameless, always on top, no task-bar entry, never takes focus),
dragging and resizing by its sides, docking, remembering its place per
screen, staying whole on a screen whatever its size (screens come, go and
change scale), and stepping aside while one of Captioner's own windows is
in use (see :mod:`captioner.ui.overlay_clearance`) without forgetting where
the user put it.  A docked overlay's width is a share of its screen (Width
in Settings ▸ Captions…): dragging its side changes that share.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QGuiApplication,
    QHideEvent,
    QMoveEvent,
    QResizeEvent,
    QScreen,
)

from captioner.core.settings import Key, Settings
from captioner.ui import overlay_placement as placement
from captioner.ui import platform_caps
from captioner.ui.overlay_drag import DraggedWindow
from captioner.ui.overlay_screens import ScreenWatch

MARGIN = 16
SAVE_AFTER_MS = 500  # a place is saved once the window has rested this long


class OverlayWindow(DraggedWindow):
    """A frameless always-on-top window placed by the user and kept whole on a screen.

    Subclasses say how tall they are (``_content_height``), how they refit to
    a screen's area (``_refit``), how wide they want to be (``_width_percent``,
    changed by ``_set_width_percent`` when a side is dragged) and whether a
    click was theirs (``_clicked``).

    Signals:
        widthDragged(int): a side was dragged (to this % of the screen's width)
            while a settings dialog is trying things out: the dialog decides.
    """

    widthDragged = Signal(int)

    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__()
        self.setWindowTitle("Captions")
        self.setObjectName("captionOverlay")
        self.setAccessibleName("Live captions")
        self.caps = platform_caps.current()  # what the window system lets it do
        bypass = self.caps.bypasses_window_manager  # X11: above full-screen windows too
        self.setWindowFlags(
            Qt.WindowType.Window
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
            | Qt.WindowType.Tool  # no task-bar entry
            | Qt.WindowType.WindowDoesNotAcceptFocus
            | (Qt.WindowType.X11BypassWindowManagerHint if bypass else Qt.WindowType.Widget)
        )
        self.system_drag = not bypass  # no window manager to move it
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self._settings = settings
        self._held = False  # stepped aside for one of the app's windows: not remembered
        self.placed_while_held: QRect | None = None  # the app's place for it (see release)
        self._refit_waiting = False  # the screens changed while it was held
        self._hidden_while_held = False
        self._wants_visible = False
        # A drag moves the window dozens of times; its place is saved once it rests
        # (each save is a settings file written and synced on the GUI thread).
        self._unsaved_place: placement.Place | None = None
        self._unsaved_width: int | None = None  # % of the screen a side was dragged to
        self._placing = False  # the app moves/sizes it (see place): not the user's width
        self._seen_width = -1  # its width at the last resize, to tell a dragged side
        self.previewing = False  # a settings dialog is trying places out: not the user's
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_AFTER_MS)
        self._save_timer.timeout.connect(self._rested)
        self._app_placed = QRect()  # its last place made by the app (see _by_user)
        # (Followed by the clearance and a dialog's preview too.)
        self.screens = ScreenWatch(lambda: placement.saved_screen_name(settings), self)
        self.screens.changed.connect(self._screens_changed)
        self.screens.homeBack.connect(self._home_back)

    # -- what the subclass decides -------------------------------------------------

    def _content_height(self) -> int:
        return 100

    def _refit(self, area: QRect) -> None:
        """Adapt the content to a screen's available ``area`` (fewer lines, smaller font)."""

    def _width_percent(self) -> int:
        return 70

    def _set_width_percent(self, percent: int) -> None:
        """A docked overlay's side was dragged: ``percent`` is its width from now on."""

    # -- staying on a screen -------------------------------------------------------

    def available_area(self) -> QRect:
        """The available area of the screen showing most of the overlay."""
        return placement.available_area(placement.screen_for(self.geometry()))

    def keep_on_screen(self) -> None:
        """Refit to the screen the overlay is on, and move it wholly onto that screen.

        A docked overlay goes back to its edge of that screen, centred, at its
        share of the width: the screen's size or the overlay's height may have
        changed.  (Only moved onto the screen, it stood off its edge after a new
        resolution, and a smaller screen's width stuck to it.)
        """
        screen = placement.screen_for(self.geometry())
        area = placement.available_area(screen)
        self._refit(area)
        height = self._content_height()
        if height != self.height():
            self.setFixedHeight(height)
        target = placement.clamped(QRect(self.pos(), QSize(self.width(), height)), area)
        dock = self._dock()
        if dock != "float" and not self.previewing:  # a dialog places what it tries out
            dragged = self._unsaved_width  # a side dragged just now: that width
            percent = dragged if dragged is not None else self._width_percent()
            target = placement.default_rect(screen, dock, percent, height)
        if target != self.geometry() and not self._held:
            self.place(target)
        self.update()

    def place(self, rect: QRect) -> None:
        """Move and size it for the app (docking, refitting, a dialog's preview).

        Unlike a side dragged by the user, a width set here is not taken for
        the overlay's new width.
        """
        if self._held and not self._placing:  # a dialog's Cancel, a dock: release goes there
            self.placed_while_held = QRect(rect)
        self._set_place(rect)

    def _set_place(self, rect: QRect) -> None:
        """:meth:`place`, without taking it for the place to come back to (a step aside)."""
        placing, self._placing = self._placing, True
        self._app_placed = QRect(rect)
        try:
            if self.caps.places_windows:
                self.setGeometry(rect)
            else:  # Wayland: only its size is the app's; the compositor keeps its place
                self.resize(rect.size())
        finally:
            self._placing = placing

    def _dock(self) -> str:
        return self._settings.get(Key.OVERLAY_DOCK) if self._settings is not None else "float"

    def _screens_changed(self) -> None:
        self._refit_waiting = self._held  # its home is fitted to the new screens at release
        self.keep_on_screen()

    def _home_back(self) -> None:
        """The monitor it was last put on is back: to the user's place there (see ScreenWatch)."""
        self._restore_geometry()  # stood aside, it comes back there; a preview follows it

    def default_rect(self, screen: QScreen | None = None, dock: str = "bottom") -> QRect:
        return placement.default_rect(screen, dock, self._width_percent(), self._content_height())

    def _restore_geometry(self) -> None:
        rect = placement.restored_rect(
            self._settings, self._width_percent(), self._content_height()
        )
        self.setMinimumWidth(min(240, rect.width()))
        self.place(rect)
        self.keep_on_screen()  # the saved screen may be smaller, or scaled, since

    def dock(self, where: str) -> None:
        """Snap to the top or bottom edge of the current screen, or float where it is."""
        chosen = where != self._dock()  # not the same again (OK): see overlay_preview
        if self._settings is not None:
            self._settings.set(Key.OVERLAY_DOCK, where)
        if where in ("top", "bottom"):
            if chosen:  # this screen is the user's, also at a relaunch
                placement.remember_screen(self._settings, self.screen())
            self.place(self.default_rect(self.screen(), where))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # the desktop's: the notices follow it
            self.keep_on_screen()  # refitted: the top margin grows with the desktop's font

    def moveEvent(self, event: QMoveEvent) -> None:
        super().moveEvent(event)
        if self._system_move_from is not None and not self._placing:
            self._system_move_from = None
            self._floated()  # the window system moves it for the user (some do so live)
        if self._by_user():
            self.remember_place()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # Its own width is compared: a resize from the window system (a side dragged
        # through startSystemResize) need not carry the old size in the event.
        dragged = self.width() != self._seen_width and not self._placing
        self._seen_width = self.width()
        if dragged and self.isVisible() and not self._held:
            area = self.available_area()
            spec = Key.OVERLAY_WIDTH_PERCENT.spec
            percent = round(self.width() * 100 / max(1, area.width()))
            self._unsaved_width = int(min(spec.maximum or 100, max(spec.minimum or 0, percent)))
            self._save_timer.start()  # kept once the drag rests (see save_place)
        if self._by_user():
            self.remember_place()

    def _by_user(self) -> bool:
        """A move or resize is the user's, unless it left the overlay where the app put it.

        When a monitor is unplugged the app pulls the overlay onto another screen: that
        place is not saved, so the overlay goes back to its monitor (see ScreenWatch).
        Once moved elsewhere, even back there is the user's.
        """
        if self.geometry() == self._app_placed:
            return False
        self._app_placed = QRect()
        return True

    def remember_place(self) -> None:
        """Note the user's place; a docked overlay's place follows from its screen."""
        settings = self._settings
        if settings is None or not self.isVisible() or self._held or self.previewing:
            return
        if not self.caps.places_windows:  # Wayland: Qt's positions are not where it is
            return
        if settings.get(Key.OVERLAY_DOCK) == "float":
            self._unsaved_place = placement.users_place(self.geometry()) or self._unsaved_place
            self._save_timer.start()  # again: saved once the moves stop

    def _rested(self) -> None:
        """The moves have stopped for a while: save the place, unless a side is still held.

        A side is dragged by the window system (startSystemResize), which goes on
        resizing from where the drag began: centring a docked overlay while the
        button is still down made it jump under the pointer and back at the next
        move.  The release (mouseReleaseEvent) saves and centres it instead.
        """
        if self._unsaved_width is not None and self._side_held():
            self._save_timer.start()  # asked again, in case no release ever comes
            return
        self.save_place()

    def _side_held(self) -> bool:
        return bool(QGuiApplication.mouseButtons() & Qt.MouseButton.LeftButton)

    def save_place(self) -> None:
        """Save where the user last put it now, if not saved yet (also when it hides)."""
        self._save_timer.stop()
        place, self._unsaved_place = self._unsaved_place, None
        percent, self._unsaved_width = self._unsaved_width, None
        # Docked since (a dock chosen within the rest): the dock's screen is the one kept.
        if place is not None and self._settings is not None and self._dock() == "float":
            placement.remember(self._settings, place)
        if percent is not None:
            self._width_dragged(percent)

    def _width_dragged(self, percent: int) -> None:
        """A side was dragged to ``percent`` of the screen's width, and has rested.

        Docked, that share is its width from now on, kept as Width in Settings ▸
        Captions… is (pixels would be wrong on a screen of another size), and it is
        centred on its edge again, as it will be at the next launch.  Floating, its
        rect is its place (saved as such).  While that dialog is open, the dialog's
        Width takes it, and its OK or Cancel decides.
        """
        if self.previewing:
            self.widthDragged.emit(percent)
            return
        if self._dock() == "float":
            return
        if self._settings is not None:
            self._settings.set(Key.OVERLAY_WIDTH_PERCENT, percent)
        self._set_width_percent(percent)
        self.keep_on_screen()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.save_place()  # hidden, closed or quitting: a place just chosen is not lost

    # -- stepping aside for the app's own windows ------------------------------------

    @property
    def held(self) -> bool:
        """True while stepped aside (moved or out of sight) for one of the app's windows."""
        return self._held

    def hold(self, elsewhere: QRect | None) -> None:
        """Step aside: to ``elsewhere`` for now, or out of sight when None; not remembered."""
        self._held = True
        if elsewhere is None:
            if not self._hidden_while_held:
                self._wants_visible = self.isVisible()
                self._hidden_while_held = True
                super().setVisible(False)
            return
        self._reveal()
        if elsewhere != self.geometry():
            self._set_place(elsewhere)

    def release(self, home: QRect) -> None:
        """Back to ``home`` (or where the app placed it meanwhile), shown again if wanted."""
        if self.placed_while_held is not None:
            home, self.placed_while_held = self.placed_while_held, None
        if self.geometry() != home:
            self._set_place(home)
        self._reveal()
        self._held = False
        if self._refit_waiting:  # the screen changed meanwhile: its place may be off it now
            self._refit_waiting = False
            self.keep_on_screen()

    def _reveal(self) -> None:
        if self._hidden_while_held:
            self._hidden_while_held = False
            if self._wants_visible:
                super().setVisible(True)

    def setVisible(self, visible: bool) -> None:
        """Show/hide asked while stepped out of sight applies when the overlay comes back.

        On Wayland (weston, Qt 6.11) a window hidden and shown again got no mouse
        input (no drag, no Done): it is shown as a new native window instead.
        """
        if self._hidden_while_held:
            self._wants_visible = visible
            return
        renew = self.caps.reshow_needs_new_window and self.windowHandle() is not None
        if visible and renew and not self.isVisible():
            self.destroy()
        super().setVisible(visible)

    @property
    def wanted_visible(self) -> bool:
        """Visible, or would be if it were not stepped out of sight."""
        return self._wants_visible if self._hidden_while_held else self.isVisible()

    # -- dragged by the user (see DraggedWindow) ---------------------------------------

    def _floated(self) -> None:
        """The user moves it: its place is theirs (no longer docked, nor standing aside)."""
        self._held = False  # where it is dropped is its home now, not where it stood before
        if self._settings is not None and self._settings.get(Key.OVERLAY_DOCK) != "float":
            self._settings.set(Key.OVERLAY_DOCK, "float")

    # -- moved and sized from the keyboard (see overlay_keys) ---------------------------

    def nudge(self, dx: int, dy: int) -> None:
        """Moved by ``dx``, ``dy`` px from the keyboard: floated and remembered as by a drag.

        It stays whole on the screen showing most of it, so a keyboard user can
        also take it to the next monitor (it goes over once most of it would be
        there).  Wayland: the compositor keeps its place, as it does for the app.
        """
        if not self.caps.places_windows:
            return
        self._floated()
        target = self.geometry().translated(dx, dy)
        self.place(
            placement.clamped(target, placement.available_area(placement.screen_for(target)))
        )
        self.remember_place()

    def widen(self, step: int) -> None:
        """Wider by ``step`` % of its screen's width (narrower when negative), from the keyboard.

        Docked, it keeps its dock and takes the new share as its Width (as a
        dragged side does); floating, it grows or shrinks about its centre.
        Either way within the Width setting's bounds and whole on its screen.
        """
        spec = Key.OVERLAY_WIDTH_PERCENT.spec
        low, high = spec.minimum or 1, spec.maximum or 100
        area = self.available_area()
        if self._dock() != "float":
            self._width_dragged(int(min(high, max(low, self._width_percent() + step))))
            return
        percent = min(high, max(low, round(self.width() * 100 / max(1, area.width())) + step))
        rect = QRect(0, 0, area.width() * percent // 100, self.height())
        rect.moveCenter(self.geometry().center())
        self.place(placement.clamped(rect, area))
        self.remember_place()

    def _drag_ended(self) -> None:
        if self._unsaved_width is not None:
            self.save_place()  # a side was dragged: its width is kept, docked it is centred
        self.keep_on_screen()
        self.remember_place()
