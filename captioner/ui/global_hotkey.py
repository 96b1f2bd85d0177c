"""A system-wide shortcut that locks/unlocks the click-through overlay (X11).

A locked overlay ignores the mouse by design, and the main window's shortcuts
only work while it has focus.  On X11 we grab one key combination on the
root window so the overlay can be unlocked from any application.  Wayland
lets no application do this (by design), and Windows/macOS would need their
own APIs, not wired yet: there the tray menu is the way back, and Settings ▸
Captions… says so.
"""

from __future__ import annotations

import logging
import os
import select
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from captioner.ui.gui_relay import to_gui
from captioner.ui.xcb_grab import CONTROL, LOCK, MOD1, MOD2, SHIFT, KeyGrabber, XcbError

log = logging.getLogger(__name__)

DEFAULT_HOTKEY_TEXT = "Ctrl+Alt+Shift+L"
_KEYSYM_L = 0x6C  # XK_l
_BASE = CONTROL | MOD1 | SHIFT


class GlobalHotkey(QObject):
    """Grabs Ctrl+Alt+Shift+L on an X display and reports each press.

    Signals:
        activated(): the combination was pressed, whichever window had focus.
    """

    activated = Signal()

    def __init__(self, display_name: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._display_name = display_name
        self._display: KeyGrabber | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.problem = ""

    def start(self) -> bool:
        """Grab the keys; False (with :attr:`problem` set) when that is not possible."""
        name = self._display_name or os.environ.get("DISPLAY", "")
        if not name:
            self.problem = "No X display for a global shortcut (DISPLAY is not set)."
            return False
        try:
            grabber = KeyGrabber(self._display_name)
        except XcbError as exc:  # no X server (Wayland without XWayland, headless)
            self.problem = f"No X display for a global shortcut ({exc})."
            return False
        keycode = grabber.keycode(_KEYSYM_L)
        if keycode is None:
            self.problem = "No L key on this keyboard layout; no global shortcut."
            grabber.close()
            return False
        # Grab with and without NumLock (Mod2) and CapsLock (Lock), which X
        # counts as modifiers: otherwise the shortcut dies when NumLock is on.
        # The X server lets go of a client's grabs when its connection closes:
        # closing is all the undoing there is, here and in stop().
        for extra in (0, MOD2, LOCK, MOD2 | LOCK):
            if grabber.grab(keycode, _BASE | extra):
                self.problem = f"{DEFAULT_HOTKEY_TEXT} is already taken by another application."
                grabber.close()
                return False
        self._display = grabber
        self._stop.clear()
        self._wake = os.pipe()  # stop() writes to it: no poll interval to wait out at quit
        # Presses cross to the GUI thread on the relay, never as a signal emitted on
        # this object from the listener thread (see gui_relay).
        self._pressed = to_gui(self, lambda hotkey, _none: hotkey.activated.emit())
        self._thread = threading.Thread(target=self._listen, name="global-hotkey", daemon=True)
        self._thread.start()
        return True

    def _listen(self) -> None:
        grabber = self._display
        assert grabber is not None
        try:
            while not self._stop.is_set():
                for _ in range(grabber.key_presses()):
                    self._pressed(None)
                select.select([grabber.fileno(), self._wake[0]], [], [])
        except (XcbError, OSError) as exc:  # the X server went away (the session is ending)
            log.info("Global shortcut: lost the X display (%s)", exc)

    def stop(self) -> None:
        grabber = self._display
        if grabber is None:
            return
        self._stop.set()
        os.write(self._wake[1], b"x")
        if self._thread is not None:
            self._thread.join(2)
        for fd in self._wake:
            os.close(fd)
        self._display = None
        grabber.close()  # its grabs go with the connection


def grab_for(
    hotkey: GlobalHotkey,
    platform: str,
    on_press: Callable[[], None],
    announce: Callable[[str], None],
) -> None:
    """Grab the shortcut where the platform allows it and route its presses.

    Called once the window shows: importing python-xlib (before xcb_grab) and
    grabbing the keys took 55-120 ms, which delayed the first paint (issue 14).  ``announce``
    gets the combination's text (the locked overlay's label says it).
    """
    if platform == "xcb" and hotkey.start():
        hotkey.activated.connect(on_press)
        announce(DEFAULT_HOTKEY_TEXT)
    else:
        log.info("No global shortcut: %s", hotkey.problem or platform)
