"""Whether an X11 desktop has a compositing manager, which see-through windows need.

Without one (openbox, i3 or Fluxbox as they come, no picom or xcompmgr) nothing
shows through the overlay's translucent background: X shows its colour darkened
towards black (``overlay_style.as_seen``).  Settings ▸ Captions… says so under
Background opacity, and the caption colours are judged on that shade.

The EWMH way to know: a compositing manager owns the selection
``_NET_WM_CM_S<screen>``.  Qt 6 no longer answers this
(``QX11Info::isCompositingManagerRunning`` is gone), so it is asked through
libxcb on the connection Qt already has (``QNativeInterface.QX11Application``):
no new connection to open, and xcb is safe to share between threads.  It costs
two round trips to the X server (the atom, then its owner), too few to notice
on the GUI thread.  Anywhere this cannot be asked (not X11, no libxcb), a
compositor is assumed, so nothing is said that may be wrong.
"""

from __future__ import annotations

import ctypes
import os

from PySide6.QtGui import QGuiApplication, QNativeInterface


class _Reply(ctypes.Structure):
    """The head every xcb reply shares, then the one 32-bit value both replies here carry
    (``xcb_intern_atom_reply_t.atom``, ``xcb_get_selection_owner_reply_t.owner``)."""

    _fields_ = [
        ("response_type", ctypes.c_uint8),
        ("pad0", ctypes.c_uint8),
        ("sequence", ctypes.c_uint16),
        ("length", ctypes.c_uint32),
        ("value", ctypes.c_uint32),
    ]


class _Cookie(ctypes.Structure):
    _fields_ = [("sequence", ctypes.c_uint)]


def _load(*names: str) -> ctypes.CDLL | None:
    """The first library of ``names`` that loads (Qt's xcb plugin has it loaded already).

    By file name, not ``ctypes.util.find_library``, which runs ``ldconfig`` (a
    subprocess, on the GUI thread).
    """
    for name in names:
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    return None


def _screen_number(display: int) -> int:
    """Qt's X screen: Xlib's default screen for its Display, else the one ``$DISPLAY`` names."""
    xlib = _load("libX11.so.6", "libX11.so") if display else None
    if xlib is not None:
        xlib.XDefaultScreen.argtypes = [ctypes.c_void_p]
        xlib.XDefaultScreen.restype = ctypes.c_int
        return int(xlib.XDefaultScreen(display))  # a field of the Display: no round trip
    _, _, screen = os.environ.get("DISPLAY", "").rpartition(".")
    return int(screen) if screen.isdigit() else 0


def _reply(xcb: ctypes.CDLL, libc: ctypes.CDLL, pointer: int | None) -> int | None:
    """The value of an xcb reply, freed (None for an error, which xcb hands back instead)."""
    if not pointer:
        return None
    try:
        return int(ctypes.cast(pointer, ctypes.POINTER(_Reply)).contents.value)
    finally:
        libc.free(ctypes.c_void_p(pointer))


def _owner(connection: int, name: bytes) -> int | None:
    """The owner of the selection ``name`` (0: nobody), or None where xcb cannot be used."""
    xcb, libc = _load("libxcb.so.1", "libxcb.so"), _load("libc.so.6")
    if xcb is None or libc is None:
        return None
    error = ctypes.c_void_p()
    xcb.xcb_intern_atom.argtypes = [
        ctypes.c_void_p,
        ctypes.c_uint8,
        ctypes.c_uint16,
        ctypes.c_char_p,
    ]
    xcb.xcb_intern_atom.restype = _Cookie
    xcb.xcb_intern_atom_reply.argtypes = [ctypes.c_void_p, _Cookie, ctypes.c_void_p]
    xcb.xcb_intern_atom_reply.restype = ctypes.c_void_p
    xcb.xcb_get_selection_owner.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
    xcb.xcb_get_selection_owner.restype = _Cookie
    xcb.xcb_get_selection_owner_reply.argtypes = [ctypes.c_void_p, _Cookie, ctypes.c_void_p]
    xcb.xcb_get_selection_owner_reply.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    # only_if_exists: a name no compositor ever claimed on this server is not made here.
    cookie = xcb.xcb_intern_atom(connection, 1, len(name), name)
    atom = _reply(xcb, libc, xcb.xcb_intern_atom_reply(connection, cookie, ctypes.byref(error)))
    if error.value:
        libc.free(error)
        return None
    if not atom:
        return 0
    cookie = xcb.xcb_get_selection_owner(connection, atom)
    owner = _reply(
        xcb, libc, xcb.xcb_get_selection_owner_reply(connection, cookie, ctypes.byref(error))
    )
    if error.value:
        libc.free(error)
        return None
    return owner


def compositor_missing() -> bool:
    """True only when this is X11 and no compositing manager runs on Qt's screen now.

    Asked afresh each time: a user may start picom while the app runs.
    """
    if QGuiApplication.platformName() != "xcb":
        return False
    native = QGuiApplication.instance().nativeInterface()  # type: ignore[union-attr]
    if not isinstance(native, QNativeInterface.QX11Application) or not native.connection():
        return False
    name = f"_NET_WM_CM_S{_screen_number(native.display())}".encode()
    return _owner(native.connection(), name) == 0
