"""What the window system lets the overlay do: decided once, in one place.

On native Wayland (``QT_QPA_PLATFORM=wayland``) a client cannot place its
windows (Qt reports positions that are not where the window is), Qt's
plugin cannot set a window's opacity, ``WindowDoesNotAcceptFocus`` means
nothing, and every hide/show or change of input flags maps a new window,
which the compositor activates (it takes the keyboard from the app in use)
and places where it likes.  Elsewhere (X11, Windows, macOS, offscreen) none
of that holds.  On X11 the overlay bypasses the window manager, the one way
to stay above a full-screen video or presentation there (see
:attr:`PlatformCaps.bypasses_window_manager`).  The overlay and its helpers
ask :func:`current` rather than the platform's name, so a test can hand them
Wayland's answers on any platform (monkeypatch ``platform_caps.current``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QSystemTrayIcon


@dataclass(frozen=True)
class PlatformCaps:
    """What the overlay may rely on from the window system."""

    # setWindowOpacity works (else a fade is painted with less alpha).
    window_opacity: bool = True
    # The app can place its windows and the positions Qt reports are real (docking,
    # remembered places, stepping aside for its own windows).
    places_windows: bool = True
    # Showing a hidden window, or changing its input flags, maps a new window that the
    # compositor activates and places anew: done only when the user asks for it.
    remap_takes_focus: bool = False
    # A window hidden and shown again gets no mouse input unless its native window
    # is made anew (weston, Qt 6.11).
    reshow_needs_new_window: bool = False
    wayland: bool = False
    # The overlay is an override-redirect window the window manager leaves alone (X11):
    # "keep above" windows go under a full-screen one (a video, slides) in openbox and
    # KWin, and so did the captions.  It then moves and resizes itself (no WM to ask).
    bypasses_window_manager: bool = False
    # A window's opacity shows only with a compositor, which X11 desktops may lack:
    # a faded overlay is also shaped to nothing there (see overlay_fade).
    opacity_needs_compositor: bool = False


DESKTOP = PlatformCaps()
WAYLAND = PlatformCaps(
    window_opacity=False,
    places_windows=False,
    remap_takes_focus=True,
    reshow_needs_new_window=True,
    wayland=True,
)


X11 = PlatformCaps(bypasses_window_manager=True, opacity_needs_compositor=True)
X11_MANAGED = PlatformCaps(opacity_needs_compositor=True)
# Set (to anything) to have the window manager handle the overlay as an ordinary
# "keep above" window again, should a window manager mishandle the other kind.
MANAGED_ENV = "CAPTIONER_OVERLAY_MANAGED"


def current() -> PlatformCaps:
    """The running platform's answers (``wayland`` and ``wayland-egl``: Wayland's)."""
    name = QGuiApplication.platformName()
    if name.startswith("wayland"):
        return WAYLAND
    if name == "xcb":
        return X11_MANAGED if os.environ.get(MANAGED_ENV) else X11
    return DESKTOP


def tray_available() -> bool:
    """A system tray to point people to (none on weston, nor GNOME without AppIndicator)."""
    return QSystemTrayIcon.isSystemTrayAvailable()
