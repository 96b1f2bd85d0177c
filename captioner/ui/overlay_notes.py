"""What the overlay and Settings ▸ Captions… tell people about unlocking and placing it.

The way back from a click-through overlay is named where it really is: the
main window's Ctrl+Shift+L (View ▸ Lock overlay) first, the tray menu only
when this desktop has a tray (weston and GNOME without AppIndicator have
none), and on Wayland, where the overlay may hold the keyboard after it
appears, the Captioner window has to be clicked first.  On an X11 desktop
without a compositor, Background opacity says why nothing shows through, and
the contrast warning judges the colour the background really shows.
"""

from __future__ import annotations

from PySide6.QtGui import QColor

from captioner.ui import platform_caps, x11_compositor
from captioner.ui.global_hotkey import DEFAULT_HOTKEY_TEXT
from captioner.ui.overlay_style import MIN_CONTRAST, as_seen, contrast_ratio, readable_text_color
from captioner.ui.platform_caps import PlatformCaps

LOCK_KEYS = "Ctrl+Shift+L (View ▸ Lock overlay)"
MAIN_WINDOW_KEYS = f"{LOCK_KEYS} in the Captioner window"
POSITION_OFF = (
    "Wayland: the compositor decides where windows go, so Captioner cannot dock the "
    "overlay or remember its place. Drag it where you want it."
)

# Without a compositor X11 shows a window's colours, not its see-through parts: the
# background is drawn solid (premultiplied, so a lower opacity darkens it to black;
# see overlay_style.as_seen).
OPACITY_SOLID = (
    "No compositor is running, so nothing shows through the background: lower opacity "
    "only darkens it. Start one (such as picom) and reopen this dialog."
)


def background_solid(caps: PlatformCaps) -> bool:
    """Nothing shows through the overlay's background here (X11 without a compositor).

    Two X round trips (see :mod:`x11_compositor`): asked when the overlay is made
    and each time Settings ▸ Captions… opens (a compositor may have been started
    since), never polled.
    """
    return caps.opacity_needs_compositor and x11_compositor.compositor_missing()


def opacity_note(solid: bool) -> str:
    """Why Background opacity shows nothing through (``solid``), or "" where it works."""
    return OPACITY_SOLID if solid else ""


def contrast_warning(text: QColor, background: QColor, solid: bool) -> str:
    """What Settings ▸ Captions… says when ``text`` will not read on ``background``, or "".

    Judged on the colours as the screen shows them: without a compositor (``solid``)
    a translucent background is its colour darkened towards black, whatever the
    desktop behind (black text on a 20 % white box reads 1.7:1 on its #333333).
    """
    seen = as_seen(background, solid)
    shown = readable_text_color(text, seen)
    if shown == text:
        return ""
    ratio = contrast_ratio(text, seen)
    needed = f"(at least {MIN_CONTRAST:g}:1 is needed): captions will be shown in {shown.name()}."
    if solid and background.alpha() < 255:
        return (
            f"With no compositor this background shows as {seen.name()}, on which these "
            f"colours have a contrast of only {ratio:.1f}:1 {needed}"
        )
    return f"These colours have a contrast of only {ratio:.1f}:1 {needed}"


def _tray(tray: bool | None) -> bool:
    return platform_caps.tray_available() if tray is None else tray


def unlock_hint(
    global_shortcut: str | None, caps: PlatformCaps | None = None, tray: bool | None = None
) -> str:
    """What the locked overlay says about getting the mouse back."""
    if global_shortcut:
        return f"Locked (click-through) · {global_shortcut} unlocks"
    caps = caps or platform_caps.current()
    if caps.wayland:  # the overlay may hold the keyboard since it appeared
        way = "click the Captioner window, then Ctrl+Shift+L"
    else:
        way = "Ctrl+Shift+L in Captioner"
    also = " or the tray menu" if _tray(tray) else ""
    return f"Locked (click-through) · unlock: {way}{also}"


def wayland_note(tray: bool | None = None) -> str:
    """Plain words about what Wayland will not let the overlay do, and the way back."""
    tray_part = ", or use the tray menu" if _tray(tray) else ""
    return (
        "Wayland: the compositor decides where the overlay goes and whether it stays on "
        "top, so Position is off and its place is not remembered; apps cannot register "
        "global shortcuts. To unlock a click-through overlay, click the Captioner window "
        f"first, then press {LOCK_KEYS}{tray_part}. "
        "Running with QT_QPA_PLATFORM=xcb avoids these limits."
    )


def platform_notes(
    platform: str, caps: PlatformCaps | None = None, tray: bool | None = None
) -> str:
    """Plain words about what this desktop will not let the overlay do."""
    caps = caps or platform_caps.current()
    if caps.wayland:
        return wayland_note(tray)
    if platform == "xcb":
        also = ", and so does the tray menu" if _tray(tray) else ""
        return (
            f"{DEFAULT_HOTKEY_TEXT} locks or unlocks the overlay from any application; "
            f"so does {MAIN_WINDOW_KEYS}{also}."
        )
    also = " or from the tray menu" if _tray(tray) else ""
    return (
        "No global shortcut on this system yet: unlock a click-through overlay with "
        f"{MAIN_WINDOW_KEYS}{also}."
    )
