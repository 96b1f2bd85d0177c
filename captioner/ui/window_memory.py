"""The main window opens where it was last closed, at the size it had.

Saved whenever the window is hidden (closed, or closed to the tray), which is
also the moment a user last arranged it; restored once at start-up.  Qt's
own geometry blob is used so that a window on a monitor that has since been
unplugged comes back on a connected one.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QEvent, QObject
from PySide6.QtWidgets import QWidget

from captioner.core.settings import Settings

GEOMETRY_KEY = "window/geometry"


class WindowMemory(QObject):
    """Restores ``window``'s geometry now and saves it each time the window hides."""

    def __init__(self, window: QWidget, prefs: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._window = window
        self._prefs = prefs
        saved = prefs.raw(GEOMETRY_KEY)
        if isinstance(saved, QByteArray | bytes) and saved:
            window.restoreGeometry(QByteArray(saved))
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.Hide:
            self._prefs.set_raw(GEOMETRY_KEY, self._window.saveGeometry())
        return False
