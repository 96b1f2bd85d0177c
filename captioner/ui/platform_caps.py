"""What the window system lets the overlay do: decided once, in one place.

On native Wayland (``QT_QPA_PLATFORM=wayland``) a client cannot place its
windows (Qt reports positions that are not where the window is), Qt's
plugin cannot set a window's opacity, ``WindowDoesNotAcceptFocus`` means
nothing, and every hide/show or change of input flags maps a new window,
which the compositor activates (it takes the keyboard from the app in use)
and places where it likes.  Elsewhere (X11, Windows, macOS, offscreen) none
of that holds.  The overlay and its helpers ask :func:`current` rather than
the platform's name, so a test can hand them Wayland's answers on any
platform (monkeypatch ``platform_caps.current``).
"""

from __future__ import annotations

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


DESKTOP = PlatformCaps()
WAYLAND = PlatformCaps(
    window_opacity=False,
    places_windows=False,
    remap_takes_focus=True,
    reshow_needs_new_window=True,
    wayland=True,
)


def current() -> PlatformCaps:
    """The running platform's answers (``wayland`` and ``wayland-egl``: Wayland's)."""
    if QGuiApplication.platformName().startswith("wayland"):
        return WAYLAND
    return DESKTOP


def tray_available() -> bool:
    """A system tray to point people to (none on weston, nor GNOME without AppIndicator)."""
    return QSystemTrayIcon.isSystemTrayAvailable()
