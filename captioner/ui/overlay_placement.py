"""Where the overlay sits: docked at the top or bottom of a screen, or where it was dragged.

A dragged position is remembered per screen (by the screen's name), and never
restored off-screen: a monitor may have been unplugged since.
"""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QGuiApplication, QScreen

from captioner.core.settings import Key, Settings

DOCKS = ("float", "top", "bottom")
SCREEN_KEY = "overlay/screen"


def default_rect(screen: QScreen | None, dock: str, width_percent: int, height: int) -> QRect:
    """Centred near the top or bottom edge of ``screen`` (the primary one when None)."""
    screen = screen or QGuiApplication.primaryScreen()
    area = screen.availableGeometry() if screen else QRect(0, 0, 1280, 800)
    width = int(area.width() * width_percent / 100)
    x = area.x() + (area.width() - width) // 2
    if dock == "top":
        y = area.y() + int(area.height() * 0.03)
    else:
        y = area.y() + area.height() - height - int(area.height() * 0.06)
    return QRect(x, y, width, height)


def restored_rect(settings: Settings | None, width_percent: int, height: int) -> QRect:
    """Where the overlay was last time: its dock, or its dragged place on that screen."""
    dock = settings.get(Key.OVERLAY_DOCK) if settings else "float"
    screen = saved_screen(settings)
    rect = default_rect(screen, "top" if dock == "top" else "bottom", width_percent, height)
    if dock == "float" and settings is not None:
        saved = settings.raw(screen_key(screen))
        if isinstance(saved, QRect) and saved.width() > 0:
            candidate = QRect(saved.topLeft(), rect.size())
            candidate.setWidth(saved.width())
            if on_some_screen(candidate):
                rect = candidate
    return rect


def remember(settings: Settings, screen: QScreen | None, geometry: QRect) -> None:
    settings.set_raw(SCREEN_KEY, screen.name() if screen else "")
    settings.set_raw(screen_key(screen), geometry)


def saved_screen(settings: Settings | None) -> QScreen | None:
    name = settings.raw(SCREEN_KEY, "") if settings else ""
    for screen in QGuiApplication.screens():
        if screen.name() == name:
            return screen
    return QGuiApplication.primaryScreen()


def screen_key(screen: QScreen | None) -> str:
    name = screen.name() if screen else "default"
    return "overlay/geometry/" + (name or "default").replace("/", "_")


def on_some_screen(rect: QRect) -> bool:
    """True when most of ``rect`` lies on a connected screen (monitors come and go)."""
    for screen in QGuiApplication.screens():
        visible = screen.availableGeometry().intersected(rect)
        if visible.width() * visible.height() >= rect.width() * rect.height() // 2:
            return True
    return False
