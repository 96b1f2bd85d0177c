"""A system-wide shortcut that locks/unlocks the click-through overlay (X11).

A locked overlay ignores the mouse by design, and the main window's shortcuts
only work while it has focus.  On X11 we grab one key combination on the
root window so the overlay can be unlocked from any application.  Wayland
lets no application do this (by design), and Windows/macOS would need their
own APIs, not wired yet: there the tray menu is the way back, and Settings ▸
Captions… says so.
"""

from __future__ import annotations

import contextlib
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

    The listener thread owns the X connection: it connects, grabs, waits for
    presses and closes it (the X server lets go of a client's grabs when its
    connection closes: closing is all the undoing there is).  ``start_soon``
    does the connecting and grabbing there too, so the GUI thread never waits
    on the X server's answers (five round trips: a remote display's latency
    each, over ``ssh -X``); ``start`` does them first and says how it went.

    Signals:
        activated(): the combination was pressed, whichever window had focus.
    """

    activated = Signal()

    def __init__(self, display_name: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._display_name = display_name
        self._stop = threading.Event()  # the running listener's: each run has its own
        self._wake: tuple[int, int] | None = None
        self._thread: threading.Thread | None = None
        self.problem = ""

    def start(self) -> bool:
        """Grab the keys now; False (with :attr:`problem` set) when that is not possible."""
        grabber = self._grab()
        if grabber is not None:
            self._run(lambda: grabber, None)
        return grabber is not None

    def start_soon(self, on_started: Callable[[bool], None]) -> None:
        """Grab the keys on the listener thread; ``on_started(ok)`` then runs on the GUI
        thread (:attr:`problem` says why when not ok)."""
        self._run(self._grab, to_gui(self, lambda _hotkey, ok: on_started(ok)))

    def _grab(self) -> KeyGrabber | None:
        """An X connection holding the grabs, or None with :attr:`problem` set."""
        name = self._display_name or os.environ.get("DISPLAY", "")
        if not name:
            self.problem = "No X display for a global shortcut (DISPLAY is not set)."
            return None
        try:
            grabber = KeyGrabber(self._display_name)
        except XcbError as exc:  # no X server (Wayland without XWayland, headless)
            self.problem = f"No X display for a global shortcut ({exc})."
            return None
        keycode = grabber.keycode(_KEYSYM_L)
        if keycode is None:
            self.problem = "No L key on this keyboard layout; no global shortcut."
            grabber.close()
            return None
        # Grab with and without NumLock (Mod2) and CapsLock (Lock), which X
        # counts as modifiers: otherwise the shortcut dies when NumLock is on.
        for extra in (0, MOD2, LOCK, MOD2 | LOCK):
            if grabber.grab(keycode, _BASE | extra):
                self.problem = f"{DEFAULT_HOTKEY_TEXT} is already taken by another application."
                grabber.close()
                return None
        return grabber

    def _run(
        self,
        grab: Callable[[], KeyGrabber | None],
        answer: Callable[[bool], None] | None,
    ) -> None:
        self._stop = stop = threading.Event()
        self._wake = wake = os.pipe()  # stop() writes to it: no poll interval to wait out
        # Presses cross to the GUI thread on the relay, never as a signal emitted on
        # this object from the listener thread (see gui_relay).
        pressed = to_gui(self, lambda hotkey, _none: hotkey.activated.emit())

        def listen() -> None:
            grabber = None
            try:
                grabber = grab()
                if answer is not None:
                    answer(grabber is not None and not stop.is_set())
                while grabber is not None and not stop.is_set():
                    for _ in range(grabber.key_presses()):
                        pressed(None)
                    select.select([grabber.fileno(), wake[0]], [], [])
            except (XcbError, OSError) as exc:  # the X server went away (the session ends)
                log.info("Global shortcut: lost the X display (%s)", exc)
            finally:
                if grabber is not None:
                    grabber.close()  # its grabs go with the connection
                os.close(wake[0])

        self._thread = threading.Thread(target=listen, name="global-hotkey", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Let the keys go: the listener closes its connection and ends."""
        wake, self._wake = self._wake, None
        if wake is None:
            return
        self._stop.set()
        with contextlib.suppress(OSError):  # BrokenPipeError: the listener ended (X gone)
            os.write(wake[1], b"x")
        os.close(wake[1])
        if self._thread is not None:
            self._thread.join(2)  # gone with its grabs, unless a grab is still under way


def grab_for(
    hotkey: GlobalHotkey,
    platform: str,
    on_press: Callable[[], None],
    announce: Callable[[str], None],
) -> None:
    """Grab the shortcut where the platform allows it and route its presses.

    Called once the window shows: importing python-xlib (before xcb_grab) and
    grabbing the keys took 55-120 ms, which delayed the first paint (issue 14);
    the grab runs on the listener thread.  ``announce`` gets the combination's
    text once it is held (the locked overlay's label says it).
    """
    if platform != "xcb":
        log.info("No global shortcut: %s", platform)
        return
    hotkey.activated.connect(on_press)

    def started(ok: bool) -> None:
        if ok:
            announce(DEFAULT_HOTKEY_TEXT)
        else:
            log.info("No global shortcut: %s", hotkey.problem)

    hotkey.start_soon(started)
