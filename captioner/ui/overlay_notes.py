"""What the overlay and Settings ▸ Captions… tell people about unlocking and placing it.

The way back from a click-through overlay is named where it really is: the
main window's Ctrl+Shift+L (View ▸ Lock overlay) first, the tray menu only
when this desktop has a tray (weston and GNOME without AppIndicator have
none), and on Wayland, where the overlay may hold the keyboard after it
appears, the Captioner window has to be clicked first.  On an X11 desktop
without a compositor, Background opacity says why nothing shows through.
"""

from __future__ import annotations

from captioner.ui import platform_caps, x11_compositor
from captioner.ui.global_hotkey import DEFAULT_HOTKEY_TEXT
from captioner.ui.platform_caps import PlatformCaps

LOCK_KEYS = "Ctrl+Shift+L (View ▸ Lock overlay)"
MAIN_WINDOW_KEYS = f"{LOCK_KEYS} in the Captioner window"
POSITION_OFF = (
    "Wayland: the compositor decides where windows go, so Captioner cannot dock the "
    "overlay or remember its place. Drag it where you want it."
)

# Without a compositor X11 shows a window's colours, not its see-through parts: the
# background is drawn solid (premultiplied, so a lower opacity darkens it to black).
OPACITY_SOLID = (
    "No compositor is running, so nothing shows through the background: lower opacity "
    "only darkens it. Start one (such as picom) and reopen this dialog."
)


def opacity_note(caps: PlatformCaps) -> str:
    """Why Background opacity shows nothing through here, or "" where it works.

    Asked when Settings ▸ Captions… opens: a compositor may have been started since.
    """
    if caps.opacity_needs_compositor and x11_compositor.compositor_missing():
        return OPACITY_SOLID
    return ""


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
