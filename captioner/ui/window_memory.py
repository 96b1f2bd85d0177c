"""The main window opens where it was last closed, at the size it had, and stays on a screen.

Saved whenever the window is hidden (closed, or closed to the tray), which is
also the moment a user last arranged it; restored once at start-up.  Qt's
own geometry blob is used so that a window on a monitor that has since been
unplugged comes back on a connected one.

Unplugged while the window is on it, the monitor took the window with it:
Qt leaves a window where it was, and window managers differ (openbox keeps a
tenth of it in view, 82 px at the edge of the laptop's screen; with none it
is off every screen).  Quitting then saved that place, so the next launch,
with the monitor back, opened the window straddling both screens.  Now a
window left mostly off every screen is moved whole onto the screen showing
most of it (the primary one when none does).  As for the caption overlay
(see :mod:`captioner.ui.overlay_screens`), that place is the app's, not the
user's: while the window stands there, its place on the monitor is what is
saved, and when the monitor comes back the window goes back to it.  Once the
user moves or resizes it, where they put it is theirs.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QEvent, QObject, QRect, QSize
from PySide6.QtGui import QScreen
from PySide6.QtWidgets import QWidget

from captioner.core.settings import Settings
from captioner.ui import overlay_placement as placement
from captioner.ui import platform_caps
from captioner.ui.overlay_screens import ScreenWatch

GEOMETRY_KEY = "window/geometry"
_SEEN = (QEvent.Type.Move, QEvent.Type.Resize, QEvent.Type.ScreenChangeInternal)


class WindowMemory(QObject):
    """Restores ``window``'s geometry now and saves it each time the window hides.

    Also keeps the window on a screen when its monitor is unplugged, and puts
    it back there when that monitor returns.
    """

    def __init__(self, window: QWidget, prefs: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._window = window
        self._prefs = prefs
        saved = prefs.raw(GEOMETRY_KEY)
        if isinstance(saved, QByteArray | bytes) and saved:
            window.restoreGeometry(QByteArray(saved))
        window.installEventFilter(self)
        # Its monitor unplugged: that monitor's name, the window's place there (Qt's blob,
        # its frame and size), and where it was put instead (its frame).
        self._away: tuple[str, QByteArray, QRect, QSize] | None = None
        self._put = QRect()
        # Its geometry blob as of its last move, resize or change of screen (the blob
        # names the screen, which Qt updates after a move): taken once the monitor is
        # gone, it names none, and Qt restores nothing from it.
        self._seen = window.saveGeometry()
        if platform_caps.current().places_windows:  # Wayland: the compositor's business
            self._screens = ScreenWatch(self._away_name, window)  # gone with the window
            self._screens.leaving.connect(self._leaving)
            self._screens.changed.connect(self._keep_on_screen)
            self._screens.homeBack.connect(self._home_back)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # getattr: events still arrive while the window is torn down (see screen_fit).
        window = getattr(self, "_window", None)
        if window is None or watched is not window:
            return False
        kind = event.type()
        if kind == QEvent.Type.Hide:
            self._prefs.set_raw(GEOMETRY_KEY, self._place())
        elif kind in _SEEN:
            self._seen = window.saveGeometry()  # in memory: no file is written
        return False

    def _place(self) -> QByteArray:
        """What to save: its place on an unplugged monitor while it stands where it was put."""
        if self._away is not None and self._stands_where_put():
            return self._away[1]
        return self._window.saveGeometry()

    def _stands_where_put(self) -> bool:
        return not self._put.isNull() and self._window.frameGeometry() == self._put

    def _away_name(self) -> str:
        return self._away[0] if self._away is not None else ""

    def _leaving(self, screen: QScreen) -> None:
        """A monitor is unplugged: the window's place on it, if it is there (before it moves)."""
        window = self._window
        if self._away is not None and self._stands_where_put():
            return  # put on another screen before, it keeps its place on the first one
        self._away, self._put = None, QRect()
        frame = window.frameGeometry()
        shown = screen.geometry().intersected(frame)
        if (
            window.isVisible()
            and shown.width() * shown.height() * 2 > frame.width() * frame.height()
        ):
            self._away = (screen.name(), QByteArray(self._seen), frame, window.size())

    def _keep_on_screen(self) -> None:
        """Screens changed: a window mostly off every screen is moved whole onto one."""
        window = self._window
        frame = window.frameGeometry()
        if not window.isVisible() or window.isMaximized() or window.isFullScreen():
            return  # hidden: KeepOnScreen clamps it when shown; the others: the WM's
        if placement.on_some_screen(frame):
            return
        area = placement.available_area(placement.screen_for(frame))
        extra = frame.size() - window.size()  # the window manager's frame
        room = area.size() - extra
        size = window.size().boundedTo(room).expandedTo(window.minimumSize())
        if size != window.size():
            window.resize(size)
        self._put = placement.clamped(QRect(frame.topLeft(), size + extra), area)
        window.move(self._put.topLeft())  # a top-level's move() places its frame

    def _home_back(self) -> None:
        """The monitor it was on is back: there again, unless the user has moved it since."""
        if self._away is None:
            return
        _name, _blob, frame, size = self._away
        if self._stands_where_put():
            self._window.resize(size)
            self._window.move(frame.topLeft())
        self._away, self._put = None, QRect()
