"""Grabbing one key combination on an X server, through libxcb (ctypes).

The global shortcut's whole use of X: connect, find a key's keycode, grab it
on the root window, wait for presses, disconnect (which ends the grabs).
libxcb is the library Qt's own xcb platform already loaded, so this costs a
few function prototypes; the pure-Python python-xlib it replaces imported 55
modules (its protocol and every extension), held ~2.5 MB for as long as the
app ran (idle app, each page counted once, ``benchmarks/pagemap.py``), and its
import took 55-120 ms of the GUI thread after the first paint (issue 14).

The connection is the grabber's own, not Qt's: a grab on it stays when Qt's
windows come and go, and it is read on the listener's thread (libxcb is
thread-safe).
"""

from __future__ import annotations

import ctypes
from ctypes import (
    POINTER,
    Structure,
    c_char_p,
    c_int,
    c_uint,
    c_uint8,
    c_uint16,
    c_uint32,
    c_void_p,
)

KEY_PRESS = 2  # an event's response_type, its top bit (sent by SendEvent) masked off
SHIFT, LOCK, CONTROL, MOD1, MOD2 = 1, 2, 4, 8, 16  # ModMask: Mod1 is Alt, Mod2 NumLock
_GRAB_MODE_ASYNC = 1
_MIN_KEYCODE_OFFSET = 34  # xcb_setup_t: min_keycode, then max_keycode (one byte each)
_KEYSYMS_OFFSET = 32  # xcb_get_keyboard_mapping_reply_t's keysyms follow its 32 bytes


class XcbError(Exception):
    """The X server cannot be reached, or the library is missing."""


class _Cookie(Structure):
    _fields_ = [("sequence", c_uint)]


class _ScreenIterator(Structure):
    _fields_ = [("data", c_void_p), ("rem", c_int), ("index", c_int)]


class _GenericError(Structure):
    _fields_ = [("response_type", c_uint8), ("error_code", c_uint8)]


class _MappingReply(Structure):
    _fields_ = [("response_type", c_uint8), ("keysyms_per_keycode", c_uint8)]


_PROTOTYPES: dict[str, tuple[object, list[object]]] = {
    "xcb_connect": (c_void_p, [c_char_p, POINTER(c_int)]),
    "xcb_connection_has_error": (c_int, [c_void_p]),
    "xcb_disconnect": (None, [c_void_p]),
    "xcb_get_file_descriptor": (c_int, [c_void_p]),
    "xcb_get_setup": (c_void_p, [c_void_p]),
    "xcb_setup_roots_iterator": (_ScreenIterator, [c_void_p]),
    "xcb_screen_next": (None, [POINTER(_ScreenIterator)]),
    "xcb_get_keyboard_mapping": (_Cookie, [c_void_p, c_uint8, c_uint8]),
    "xcb_get_keyboard_mapping_reply": (c_void_p, [c_void_p, _Cookie, c_void_p]),
    "xcb_grab_key_checked": (
        _Cookie,
        [c_void_p, c_uint8, c_uint32, c_uint16, c_uint8, c_uint8, c_uint8],
    ),
    "xcb_request_check": (c_void_p, [c_void_p, _Cookie]),
    "xcb_poll_for_event": (c_void_p, [c_void_p]),
}
_lib: ctypes.CDLL | None = None
_free = None


def _library() -> ctypes.CDLL:
    global _lib, _free
    if _lib is None:
        try:
            lib = ctypes.CDLL("libxcb.so.1")
            libc = ctypes.CDLL(None)
        except OSError as exc:
            raise XcbError(f"libxcb is not available ({exc})") from exc
        for name, (restype, argtypes) in _PROTOTYPES.items():
            function = getattr(lib, name)
            function.restype, function.argtypes = restype, argtypes
        libc.free.restype, libc.free.argtypes = None, [c_void_p]
        _lib, _free = lib, libc.free
    return _lib


class KeyGrabber:
    """One connection to an X server, grabbing keys on its default screen's root."""

    def __init__(self, display_name: str | None) -> None:
        lib = _library()
        screen = c_int(0)
        connection = lib.xcb_connect(display_name.encode() if display_name else None, screen)
        # A failed connect still returns a connection object, one in an error state.
        if not connection or lib.xcb_connection_has_error(connection):
            if connection:
                lib.xcb_disconnect(connection)
            raise XcbError(f"cannot connect to {display_name or 'the default display'}")
        self._lib, self._connection = lib, connection
        self._root = self._root_of(screen.value)

    def _root_of(self, number: int) -> int:
        screens = self._lib.xcb_setup_roots_iterator(self._lib.xcb_get_setup(self._connection))
        for _ in range(number):
            self._lib.xcb_screen_next(ctypes.byref(screens))
        return ctypes.c_uint32.from_address(screens.data).value  # xcb_screen_t starts with root

    def keycode(self, keysym: int) -> int | None:
        """The first keycode whose keys produce ``keysym`` (None: no key does)."""
        setup = self._lib.xcb_get_setup(self._connection)
        first, last = (ctypes.c_uint8 * 2).from_address(setup + _MIN_KEYCODE_OFFSET)
        count = last - first + 1
        cookie = self._lib.xcb_get_keyboard_mapping(self._connection, first, count)
        reply = self._lib.xcb_get_keyboard_mapping_reply(self._connection, cookie, None)
        if not reply:
            return None
        try:
            per_key = _MappingReply.from_address(reply).keysyms_per_keycode
            keysyms = (c_uint32 * (count * per_key)).from_address(reply + _KEYSYMS_OFFSET)
            for index, value in enumerate(keysyms):
                if value == keysym:
                    return first + index // per_key
            return None
        finally:
            _free(reply)

    def grab(self, keycode: int, modifiers: int) -> int:
        """Grab ``keycode`` with exactly ``modifiers``: 0, or the X error's code (10,
        BadAccess: another client holds the same keys)."""
        cookie = self._lib.xcb_grab_key_checked(
            self._connection, 1, self._root, modifiers, keycode, _GRAB_MODE_ASYNC,
            _GRAB_MODE_ASYNC,
        )  # fmt: skip
        error = self._lib.xcb_request_check(self._connection, cookie)
        if not error:
            return 0
        code = _GenericError.from_address(error).error_code
        _free(error)
        return code

    def fileno(self) -> int:
        return self._lib.xcb_get_file_descriptor(self._connection)

    def key_presses(self) -> int:
        """How many key presses arrived since the last call (read without blocking).

        Raises XcbError once the connection is broken (the X server went away).
        """
        presses = 0
        while event := self._lib.xcb_poll_for_event(self._connection):
            if ctypes.c_uint8.from_address(event).value & 0x7F == KEY_PRESS:
                presses += 1
            _free(event)
        if self._lib.xcb_connection_has_error(self._connection):
            raise XcbError("the X connection broke")
        return presses

    def close(self) -> None:
        if self._connection:
            self._lib.xcb_disconnect(self._connection)
            self._connection = None
