"""The monitors under the overlay: one plugged in, unplugged, resized, or its own back again.

A laptop user captions on an external monitor, unplugs it for a meeting
elsewhere, and plugs it in again at the desk.  The overlay is pulled onto a
remaining screen while its monitor is away (the window does not follow it
by itself), but that place is the app's, not the user's: it is not saved
(see :meth:`OverlayWindow._by_user`), and when the monitor the overlay was
last put on comes back, the overlay goes back to it, where it was.  Found
on Xvfb with two RandR monitors: it stayed in the laptop screen's corner, at
that launch and at every later one.

It goes back at once even while it stands aside for one of the app's windows
(the clearance then decides afresh from there) or while Settings ▸ Captions…
tries places out (the dialog's previews and Cancel follow it: see
:mod:`captioner.ui.overlay_preview`).  Left until then, it came back only at
the next launch: it stood beside the window, or Cancel put it back on the
laptop's screen.

The main window is watched the same way (see :mod:`captioner.ui.window_memory`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QScreen


class ScreenWatch(QObject):
    """Says when the screens changed, and when a window's own monitor is back.

    ``home`` names the screen the window was last put on ("": none).

    Signals:
        leaving(QScreen): a screen is being removed (said at once: the windows
            on it still stand where they were).
        changed(): a screen was removed or its available area changed (once
            for a burst of them: a monitor unplugged changes several at once).
        homeBack(): the screen named by ``home`` was plugged in again.
    """

    leaving = Signal(QScreen)
    changed = Signal()
    homeBack = Signal()

    def __init__(self, home: Callable[[], str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._home = home
        self._burst = QTimer(self)
        self._burst.setSingleShot(True)
        self._burst.timeout.connect(self.changed)
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.screenAdded.connect(self._added)
            app.screenRemoved.connect(self._removed)
            for screen in app.screens():
                self._watch(screen)

    def _watch(self, screen: QScreen) -> None:
        # Bound methods (not lambdas), so a closed overlay is disconnected with it.
        screen.availableGeometryChanged.connect(self._changed)

    def _changed(self, *_changed: object) -> None:
        self._burst.start(0)

    def _removed(self, screen: QScreen) -> None:
        self.leaving.emit(screen)
        self._changed()

    def _added(self, screen: QScreen) -> None:
        self._watch(screen)
        if screen.name() and screen.name() == self._home():
            self.homeBack.emit()
