"""The caption overlay with a laptop's screen and an external monitor (X11, two RandR monitors).

Found on Xvfb with two RandR 1.5 monitors side by side (Qt makes one QScreen
per monitor): the overlay put on the external monitor was rescued onto the
laptop's screen when that monitor went away, as it should be, but the rescue
was saved as the user's place.  Plugged in again, the monitor stayed empty:
the captions stayed in the laptop screen's corner, at that launch and every
launch after, and the place the user had chosen on the laptop's screen
itself was overwritten too.  Now a move the app makes is not the user's
place, and the overlay goes back to its monitor when that monitor comes back.

Left from that: back while the captions stood aside for one of the app's windows,
or while Settings ▸ Captions… was open, they stayed on the laptop's screen until the
next launch (after that dialog's Cancel, at every launch); and OK or Cancel there
while the monitor was away saved the stand-in place as the user's.

Real X server, the overlay in its own process as in the app (with the clearance
and the dialog); the monitors are added and removed as ``xrandr --setmonitor`` /
``--delmonitor`` would.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QRect

from captioner.ui import overlay_placement as placement
from captioner.ui.overlay_settings import OverlaySettingsDialog
from tests.monitors import AREAS, Monitors, laptop_and_monitor
from tests.ui.test_overlay import _overlay_with as launch_here
from tests.ui.test_overlay import _settings as settings_file
from tests.xvfb import Commanded

WAIT_S = 20.0

# "where": its geometry and screen; "held": 1 while it stands aside for one of the app's
# windows; "nudge DX DY": Ctrl+arrows while placing it; "dock bottom": Settings ▸ Captions… ▸
# Position; "rest": left there a while (its place saved); "captions": Settings ▸ Captions…
# opened, "bigger": a bigger font tried there, "ok"/"cancel" closing it; "cover": a window of
# the app opened over the overlay and used (Sessions), "uncover": closed; "quit": as the app
# quits.
OVERLAY = """
import sys
from PySide6.QtCore import QSettings, QSocketNotifier
from PySide6.QtWidgets import QApplication, QWidget
from captioner.core.settings import Settings
from captioner.ui.overlay import CaptionOverlay
from captioner.ui.overlay_clearance import OverlayClearance
from captioner.ui.overlay_settings import OverlaySettingsDialog
app = QApplication(sys.argv)
app.setQuitOnLastWindowClosed(False)  # as the app: a dialog closed is not the end
settings = Settings(QSettings(sys.argv[1], QSettings.Format.IniFormat))
overlay = CaptionOverlay(settings)
clearance = OverlayClearance(overlay)
overlay.show()
overlay.set_partial("Captions on the monitor I chose")
windows = {}

def obey():
    command = sys.stdin.readline().strip()
    if command == "where":
        g = overlay.geometry()
        print(g.x(), g.y(), g.width(), g.height(), overlay.screen().name(), flush=True)
        return
    if command == "held":
        print(int(overlay.held), flush=True)
        return
    if command.startswith("nudge "):
        overlay.nudge(*map(int, command.split()[1:]))
    elif command.startswith("dock "):
        overlay.dock(command.split()[1])
    elif command == "rest":  # its place saved, as once it has rested
        overlay.save_place()
    elif command == "captions":  # as Settings ▸ Captions… opens it
        dialog = windows["captions"] = OverlaySettingsDialog(overlay, settings)
        dialog.setModal(True)
        dialog.open()
        dialog.activateWindow()
    elif command == "bigger":
        windows["captions"].size_spin.stepBy(6)

    elif command in ("ok", "cancel"):
        dialog = windows.pop("captions")
        dialog.accept() if command == "ok" else dialog.reject()
    elif command == "cover":
        window = windows["cover"] = QWidget()
        window.setWindowTitle("Sessions")
        window.setGeometry(overlay.geometry().adjusted(-40, -40, 40, 40))
        window.show()
        window.activateWindow()
    elif command == "uncover":
        windows.pop("cover").close()
    elif command == "quit":
        overlay.close()
        app.quit()
    print(command, flush=True)

notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
notifier.activated.connect(obey)
app.exec()
"""


@pytest.fixture
def desktop() -> Iterator[tuple[dict[str, str], Monitors]]:
    """A 3200×1080 X server shown as a 1280×800 laptop screen and a 1920×1080 monitor."""
    with laptop_and_monitor() as (env, monitors):
        yield env, monitors


class Overlay(Commanded):
    """The overlay's process: asked where it is, told what the user does."""

    def __init__(self, env: dict[str, str], settings: Path) -> None:
        super().__init__(env, OVERLAY, str(settings))

    def where(self) -> tuple[QRect, str]:
        x, y, width, height, screen = self.tell("where").split()
        return QRect(int(x), int(y), int(width), int(height)), screen

    def settle_on(self, screen: str) -> QRect:
        """Its geometry once it is whole on ``screen`` (screens change asynchronously)."""
        area = AREAS[screen]
        deadline = time.monotonic() + WAIT_S
        while (where := self.where())[1] != screen or not area.contains(where[0]):
            assert time.monotonic() < deadline, f"the overlay stayed at {where}, not on {screen}"
            time.sleep(0.05)
        return where[0]

    def held(self, wanted: bool = True) -> bool:
        """Whether it comes to stand aside for one of the app's windows (or, not ``wanted``,
        to stand no longer aside) within the wait (see overlay_clearance)."""
        deadline = time.monotonic() + WAIT_S
        while self.tell("held") != str(int(wanted)):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True


@pytest.fixture
def launch(desktop: tuple[dict[str, str], Monitors], tmp_path: Path) -> Iterator:
    """Starts the overlay (one settings file for every launch); killed after the test."""
    started: list[Overlay] = []

    def start() -> Overlay:
        overlay = Overlay(desktop[0], tmp_path / "settings.ini")
        started.append(overlay)
        overlay.settle_on("LAPTOP")  # first shown on the primary screen, or put back there
        return overlay

    yield start
    for overlay in started:
        overlay.kill()


def rescued(launch, monitors: Monitors) -> tuple[Overlay, QRect]:  # type: ignore[no-untyped-def]
    """An overlay put on the external monitor, which is then unplugged: on the laptop now.

    Returns it and its place on the external monitor.
    """
    overlay = launch()
    overlay.tell("nudge 1600 0")  # moved onto the external monitor with the placing keys
    chosen = overlay.settle_on("EXTERNAL")
    overlay.tell("rest")  # left there a while
    monitors.remove("EXTERNAL")  # unplugged while captioning
    overlay.settle_on("LAPTOP")  # whole on the laptop's screen
    return overlay, chosen


def test_captions_go_back_to_the_external_monitor_when_it_is_plugged_in_again(
    desktop: tuple[dict[str, str], Monitors], launch
) -> None:
    _env, monitors = desktop
    first, chosen = rescued(launch, monitors)
    first.quit()

    monitors.plug_external()  # plugged in again
    second = Overlay(desktop[0], first_settings(first))
    try:
        assert second.settle_on("EXTERNAL") == chosen, "it came back on the laptop's screen"
        monitors.remove("EXTERNAL")
        second.settle_on("LAPTOP")
        monitors.plug_external()  # while it runs
        assert second.settle_on("EXTERNAL") == chosen, "it stayed on the laptop's screen"
    finally:
        second.kill()


def test_a_dock_chosen_on_the_laptop_screen_stays_there(
    desktop: tuple[dict[str, str], Monitors], launch
) -> None:
    """Docked where it was rescued to, it is docked there: the monitor's return does not move it."""
    _env, monitors = desktop
    first, _chosen = rescued(launch, monitors)
    first.tell("dock bottom")  # Settings ▸ Captions… ▸ Position, on the laptop's screen
    docked = first.where()[0]
    monitors.plug_external()
    first.quit()
    second = Overlay(desktop[0], first_settings(first))
    try:
        assert second.where() == (docked, "LAPTOP")
    finally:
        second.kill()


def first_settings(overlay: Overlay) -> Path:
    return Path(overlay.proc.args[-1])  # the same settings file, as at the next launch


def test_captions_standing_aside_go_back_to_the_monitor_plugged_in_meanwhile(
    desktop: tuple[dict[str, str], Monitors], launch
) -> None:
    """A window of the app was in use over the captions (they stood aside) when it came back.

    They stayed beside that window on the laptop's screen until the next launch.
    """
    _env, monitors = desktop
    overlay, chosen = rescued(launch, monitors)
    assert overlay.tell("cover") == "cover"  # Sessions, opened over the captions
    assert overlay.held(), "the captions did not step aside for the window in use"
    monitors.plug_external()
    assert overlay.settle_on("EXTERNAL") == chosen, "they stayed beside the window"
    assert overlay.held(False), "back on the monitor, they still stood aside for the window"
    assert overlay.tell("uncover") == "uncover"
    assert overlay.where() == (chosen, "EXTERNAL")


def test_caption_settings_open_when_the_monitor_comes_back_follow_it_and_cancel_keeps_it(
    desktop: tuple[dict[str, str], Monitors], launch
) -> None:
    """Settings ▸ Captions… was trying a bigger font on the laptop's screen meanwhile."""
    _env, monitors = desktop
    overlay, chosen = rescued(launch, monitors)
    assert overlay.tell("captions") == "captions"
    assert overlay.tell("bigger") == "bigger"
    monitors.plug_external()
    tried = overlay.settle_on("EXTERNAL")  # the font tried, on the monitor
    assert (tried.topLeft(), tried.width()) == (chosen.topLeft(), chosen.width())
    assert tried.height() > chosen.height()
    assert overlay.tell("cancel") == "cancel"
    assert overlay.where() == (chosen, "EXTERNAL")  # and the font as it was
    overlay.quit()
    again = Overlay(desktop[0], first_settings(overlay))
    try:
        assert again.settle_on("EXTERNAL") == chosen
    finally:
        again.kill()


@pytest.mark.parametrize(
    ("dock", "close"), [("float", "cancel"), ("float", "ok"), ("bottom", "ok")]
)
def test_caption_settings_closed_while_the_monitor_is_away_do_not_keep_the_captions_off_it(
    desktop: tuple[dict[str, str], Monitors], launch, dock: str, close: str
) -> None:
    """Settings ▸ Captions… opened and closed on the laptop's screen, the place left alone.

    OK and Cancel saved the stand-in place on the laptop's screen (or docked the captions
    to that screen) as the user's: the monitor plugged in again stayed empty, at that
    launch and every later one.
    """
    _env, monitors = desktop
    overlay = launch()
    overlay.tell("nudge 1600 0")
    if dock != "float":
        overlay.tell(f"dock {dock}")  # docked on the external monitor
    chosen = overlay.settle_on("EXTERNAL")
    overlay.tell("rest")
    monitors.remove("EXTERNAL")
    overlay.settle_on("LAPTOP")
    assert overlay.tell("captions") == "captions"
    assert overlay.tell("bigger") == "bigger"  # the reason it was opened, say
    assert overlay.tell(close) == close
    overlay.quit()  # all it had to save is saved
    monitors.plug_external()
    again = Overlay(desktop[0], first_settings(overlay))
    try:
        placed = again.settle_on("EXTERNAL")  # with the bigger font if OK kept it
        assert (placed.x(), placed.width()) == (chosen.x(), chosen.width())
        if dock == "float":
            assert placed.top() == chosen.top()
        else:
            assert placed.bottom() == chosen.bottom()
    finally:
        again.kill()


def test_back_while_caption_settings_cover_it_it_shows_there_and_cancel_keeps_it(
    qtbot, tmp_path: Path
) -> None:
    """Standing aside (out of sight: the dialog over it, no room beside it) and previewing.

    On a small laptop screen Settings ▸ Captions… leaves the captions no room, so they
    step out of sight while it is open.  Offscreen, with one screen: its return is what
    ScreenWatch says (homeBack), and the user's place on it another place.
    """
    settings = settings_file(tmp_path)
    overlay = launch_here(qtbot, settings)
    stand_in = overlay.geometry()
    home = stand_in.translated(-60, -300)
    settings.set_raw(placement.SCREEN_KEY, overlay.screen().name())
    settings.set_raw(placement.screen_key(overlay.screen()), home)
    dialog = OverlaySettingsDialog(overlay, settings)
    qtbot.addWidget(dialog)
    dialog.size_spin.setValue(40)  # a bigger font tried
    overlay.hold(None)  # what the clearance does when there is no room (overlay_clearance)
    overlay.screens.homeBack.emit()
    overlay.release(stand_in)  # the dialog no longer covers it
    assert overlay.isVisible()
    assert (overlay.geometry().topLeft(), overlay.width()) == (home.topLeft(), home.width())
    dialog.reject()
    assert overlay.geometry() == home
