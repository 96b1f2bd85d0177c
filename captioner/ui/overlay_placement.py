"""Where the overlay sits: docked at the top or bottom of a screen, or where it was dragged.

A dragged position is remembered per screen (by the screen's name), and never
restored off-screen: a monitor may have been unplugged since.  Whatever the
font, the number of lines, the screen's size or scale factor, the overlay is
kept whole on one screen and never taller than a share of it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRect
from PySide6.QtGui import QFont, QFontMetricsF, QGuiApplication, QScreen

from captioner.core.settings import Key, Settings

DOCKS = ("float", "top", "bottom")
SCREEN_KEY = "overlay/screen"
# The overlay never takes more of the screen's height than this: captions are
# read over something else, which must stay visible.
MAX_SCREEN_SHARE = 0.45
MIN_POINT_SIZE = 8.0  # the font is shrunk no further to fit a tiny screen


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


Place = tuple[str, QRect]  # a screen's name, and the overlay's geometry on it


def users_place(geometry: QRect) -> Place | None:
    """``geometry`` as the user's place, on the screen showing most of it (None: on none).

    Not the window's own screen(): when a monitor is unplugged, Qt hands its windows
    to the primary screen before the overlay leaves its place there, and that place
    was saved as the primary screen's.  A place on no screen is never the user's.
    The name, not the QScreen, is kept: the screen may be gone by the time it is saved.
    """
    if not on_some_screen(geometry):
        return None
    screen = screen_for(geometry)
    return (screen.name() if screen else ""), QRect(geometry)


def remember(settings: Settings, place: Place) -> None:
    name, geometry = place
    settings.set_raw(SCREEN_KEY, name)
    settings.set_raw(_geometry_key(name), geometry)


def remember_screen(settings: Settings | None, screen: QScreen | None) -> None:
    """``screen`` is where the user put the overlay: it goes back there (see ScreenWatch)."""
    if settings is not None:
        settings.set_raw(SCREEN_KEY, screen.name() if screen else "")


def saved_screen_name(settings: Settings | None) -> str:
    name = settings.raw(SCREEN_KEY, "") if settings else ""
    return name if isinstance(name, str) else ""


def saved_screen(settings: Settings | None) -> QScreen | None:
    name = saved_screen_name(settings)
    for screen in QGuiApplication.screens():
        if screen.name() == name:
            return screen
    return QGuiApplication.primaryScreen()


def screen_key(screen: QScreen | None) -> str:
    return _geometry_key(screen.name() if screen else "")


def _geometry_key(name: str) -> str:
    return "overlay/geometry/" + (name or "default").replace("/", "_")


def on_some_screen(rect: QRect) -> bool:
    """True when most of ``rect`` lies on a connected screen (monitors come and go)."""
    for screen in QGuiApplication.screens():
        visible = screen.availableGeometry().intersected(rect)
        if visible.width() * visible.height() >= rect.width() * rect.height() // 2:
            return True
    return False


def screen_for(rect: QRect) -> QScreen | None:
    """The screen showing most of ``rect`` (the primary one when none shows any)."""
    best, best_area = QGuiApplication.primaryScreen(), 0
    for screen in QGuiApplication.screens():
        visible = screen.availableGeometry().intersected(rect)
        area = visible.width() * visible.height() if not visible.isEmpty() else 0
        if area > best_area:
            best, best_area = screen, area
    return best


def available_area(screen: QScreen | None) -> QRect:
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1280, 800)


def clamped(rect: QRect, area: QRect) -> QRect:
    """``rect`` moved (and narrowed if it must) so that all of it lies inside ``area``."""
    out = QRect(rect)
    out.setWidth(min(rect.width(), area.width()))
    out.setHeight(min(rect.height(), area.height()))
    x = min(max(out.x(), area.x()), area.x() + area.width() - out.width())
    y = min(max(out.y(), area.y()), area.y() + area.height() - out.height())
    out.moveTo(x, y)
    return out


def fit(font: QFont, wanted: int, margins: Callable[[], int], area: QRect) -> int:
    """How many lines to show in ``area``: fewer lines first, then ``font`` made smaller.

    ``font`` is shrunk in place when even one line would not fit; ``margins``
    is asked again each time, as it grows with the font.
    """
    while True:
        line_height = QFontMetricsF(font).lineSpacing()
        lines = lines_that_fit(wanted, line_height, margins(), area)
        if lines >= 1 or font.pointSizeF() <= MIN_POINT_SIZE:
            return max(1, lines)
        font.setPointSizeF(max(MIN_POINT_SIZE, font.pointSizeF() * 0.9))


def lines_that_fit(wanted: int, line_height: float, margins: int, area: QRect) -> int:
    """How many of ``wanted`` text lines fit in the overlay's share of ``area`` (0: none)."""
    room = area.height() * MAX_SCREEN_SHARE - margins
    return max(0, min(wanted, int(room // max(1.0, line_height))))


def clear_spot(home: QRect, obstacle: QRect, area: QRect, gap: int = 8) -> QRect | None:
    """Where the overlay may stand in for ``home`` without covering ``obstacle`` (None: nowhere).

    The overlay keeps its size and slides just below or just above the window
    it would cover, whichever is nearer its own place, inside ``area``.
    """
    if not home.intersects(obstacle):
        return QRect(home)
    spots = []
    below = obstacle.y() + obstacle.height() + gap
    if below + home.height() <= area.y() + area.height():
        spots.append(QRect(home.x(), below, home.width(), home.height()))
    above = obstacle.y() - gap - home.height()
    if above >= area.y():
        spots.append(QRect(home.x(), above, home.width(), home.height()))
    if not spots:
        return None
    best = min(spots, key=lambda spot: abs(spot.y() - home.y()))
    return clamped(best, area)
