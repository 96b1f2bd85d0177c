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
import re
import select
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from captioner.ui.gui_relay import to_gui

log = logging.getLogger(__name__)

DEFAULT_HOTKEY_TEXT = "Ctrl+Alt+Shift+L"


class GlobalHotkey(QObject):
    """Grabs Ctrl+Alt+Shift+L on an X display and reports each press.

    Signals:
        activated(): the combination was pressed, whichever window had focus.
    """

    activated = Signal()

    def __init__(self, display_name: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._display_name = display_name
        self._display = None
        self._grabs: list[tuple[int, int]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lost = False  # the X connection broke under the listener
        self.problem = ""

    def start(self) -> bool:
        """Grab the keys; False (with :attr:`problem` set) when that is not possible."""
        try:
            from Xlib import XK, X, error
            from Xlib.display import Display
        except ImportError:
            self.problem = "python-xlib is not installed; no global shortcut."
            return False
        name = self._display_name or os.environ.get("DISPLAY", "")
        local = re.fullmatch(r":(\d+)(\.\d+)?", name)
        if not name or (local and not os.path.exists(f"/tmp/.X11-unix/X{local.group(1)}")):
            # Checked first: python-xlib leaks its socket when the connection fails.
            self.problem = f"No X display for a global shortcut ({name or 'DISPLAY is not set'})."
            return False
        try:
            display = Display(self._display_name)
        except Exception as exc:  # no X server (Wayland without XWayland, headless)
            self.problem = f"No X display for a global shortcut ({exc})."
            return False
        root = display.screen().root
        keycode = display.keysym_to_keycode(XK.string_to_keysym("l"))
        base = X.ControlMask | X.Mod1Mask | X.ShiftMask
        failed: list[error.XError] = []

        def refused(err: error.XError, *_request: object) -> bool:
            failed.append(err)
            return True  # handled: python-xlib prints the errors nobody handled

        # Grab with and without NumLock (Mod2) and CapsLock (Lock), which X
        # counts as modifiers: otherwise the shortcut dies when NumLock is on.
        for extra in (0, X.Mod2Mask, X.LockMask, X.Mod2Mask | X.LockMask):
            root.grab_key(
                keycode,
                base | extra,
                True,
                X.GrabModeAsync,
                X.GrabModeAsync,
                onerror=refused,
            )
            self._grabs.append((keycode, base | extra))
        display.sync()
        if failed:
            self.problem = f"{DEFAULT_HOTKEY_TEXT} is already taken by another application."
            display.close()
            self._grabs.clear()
            return False
        self._display = display
        self._stop.clear()
        self._lost = False
        self._wake = os.pipe()  # stop() writes to it: no poll interval to wait out at quit
        # Presses cross to the GUI thread on the relay, never as a signal emitted on
        # this object from the listener thread (see gui_relay).
        self._pressed = to_gui(self, lambda hotkey, _none: hotkey.activated.emit())
        self._thread = threading.Thread(target=self._listen, name="global-hotkey", daemon=True)
        self._thread.start()
        return True

    def _listen(self) -> None:
        from Xlib import X

        display = self._display
        assert display is not None
        try:
            while not self._stop.is_set():
                if not display.pending_events():
                    select.select([display.fileno(), self._wake[0]], [], [])
                    continue
                event = display.next_event()
                if event.type == X.KeyPress:
                    self._pressed(None)
        except Exception as exc:  # the X server went away (the session is ending)
            self._lost = True
            log.info("Global shortcut: lost the X display (%s)", type(exc).__name__)

    def stop(self) -> None:
        display = self._display
        if display is None:
            return
        self._stop.set()
        os.write(self._wake[1], b"x")
        if self._thread is not None:
            self._thread.join(2)
        for fd in self._wake:
            os.close(fd)
        self._display = None
        grabs, self._grabs = self._grabs, []
        if self._lost:
            return  # no server to ungrab from: its grabs went with it
        try:
            root = display.screen().root
            for keycode, modifiers in grabs:
                root.ungrab_key(keycode, modifiers)
            display.sync()
            display.close()
        except Exception as exc:  # the server went away between the check and here
            log.info("Global shortcut: could not ungrab (%s)", type(exc).__name__)


def grab_for(
    hotkey: GlobalHotkey,
    platform: str,
    on_press: Callable[[], None],
    announce: Callable[[str], None],
) -> None:
    """Grab the shortcut where the platform allows it and route its presses.

    Called once the window shows: importing python-xlib and grabbing the keys
    took 55-120 ms, which delayed the first paint (issue 14).  ``announce``
    gets the combination's text (the locked overlay's label says it).
    """
    if platform == "xcb" and hotkey.start():
        hotkey.activated.connect(on_press)
        announce(DEFAULT_HOTKEY_TEXT)
    else:
        log.info("No global shortcut: %s", hotkey.problem or platform)
