"""On a Wayland desktop, run through XWayland unless the user chose otherwise.

The caption overlay must stay on top of the call, sit where the user put it,
fade, keep away from Captioner's own dialogs and never take the keyboard from
the app being typed in.  Wayland gives an ordinary window none of that: the
compositor places it (GNOME anywhere it likes), ignores "stay on top",
activates it each time it is shown again, and Qt's Wayland plugin cannot set
a window's opacity.  Through XWayland, which GNOME and KDE start for X11
apps, all of it works as on X11.  So a Wayland session with XWayland gets
``QT_QPA_PLATFORM=xcb;wayland`` (Qt tries xcb, and falls back to Wayland if the
xcb plugin cannot load).  A ``QT_QPA_PLATFORM`` the user set is left alone:
``QT_QPA_PLATFORM=wayland captioner`` runs natively (Settings ▸ Captions… then
says what the compositor decides).

No Qt import here: this runs before the QApplication exists.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping

log = logging.getLogger(__name__)

XWAYLAND = "xcb;wayland"


def prefer_xwayland(environ: MutableMapping[str, str]) -> bool:
    """Set ``QT_QPA_PLATFORM`` for XWayland in ``environ`` when that is right; True if so."""
    if environ.get("QT_QPA_PLATFORM"):
        return False  # the user's (or a test's) choice
    wayland = bool(environ.get("WAYLAND_DISPLAY")) or environ.get("XDG_SESSION_TYPE") == "wayland"
    if not wayland or not environ.get("DISPLAY"):
        return False  # X11, or Wayland without XWayland: Qt's own choice
    environ["QT_QPA_PLATFORM"] = XWAYLAND
    log.info(
        "Wayland session: the overlay runs through XWayland, so that it can stay on top, "
        "stay where it is put and fade (QT_QPA_PLATFORM=wayland runs natively)"
    )
    return True
