"""The main window on an external monitor that is unplugged, and plugged in again.

Qt leaves a window where it was when its screen goes, and window managers
differ: openbox keeps a tenth of it in view (82 px of the window at the
laptop screen's right edge, the rest where the monitor was), and with none it
is off every screen.  Then quitting saved that place, so the next launch,
with the monitor back, opened it straddling the two screens.  Now it is put
whole on the laptop's screen; that place is not saved as the user's; when the
monitor comes back it goes back there, as the caption overlay does (see
test_overlay_two_monitors.py), unless the user moved it meanwhile.

Real X server with two RandR 1.5 monitors (tests/monitors.py), the window in
its own process, built as the app builds it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QRect

from tests.monitors import AREAS, Monitors, laptop_and_monitor
from tests.xvfb import Commanded

WAIT_S = 20.0

# "where": its frame; "framed": 1 once a window manager framed it; "move X Y": the user puts
# it there; "quit": as the app quits.
MAIN = """
import sys
from PySide6.QtCore import QSettings, QSocketNotifier
from PySide6.QtWidgets import QApplication
from captioner.core.settings import Settings
from captioner.ui.main_window import MainWindow
from captioner.ui.window_memory import WindowMemory
app = QApplication(sys.argv)
prefs = Settings(QSettings(sys.argv[1], QSettings.Format.IniFormat))
window = MainWindow()
memory = WindowMemory(window, prefs)  # as the app builds them
window.show()

def obey():
    command = sys.stdin.readline().strip()
    if command == "where":
        frame = window.frameGeometry()
        print(frame.x(), frame.y(), frame.width(), frame.height(), flush=True)
        return
    if command == "framed":
        print(int(window.frameGeometry() != window.geometry()), flush=True)
        return
    if command.startswith("move "):
        window.move(*map(int, command.split()[1:]))
    elif command == "quit":
        window.allow_close()
        window.close()
        app.quit()
    print(command, flush=True)

notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
notifier.activated.connect(obey)
app.exec()
"""


class Main(Commanded):
    """The main window's process: asked where it is, told what the user does."""

    def __init__(self, env: dict[str, str], settings: Path) -> None:
        super().__init__(env, MAIN, str(settings))

    def where(self) -> QRect:
        return QRect(*map(int, self.tell("where").split()))

    def settle(self, wanted: Callable[[QRect], bool], what: str) -> QRect:
        """Its frame once ``wanted`` (the window manager moves it asynchronously)."""
        deadline = time.monotonic() + WAIT_S
        while not wanted(frame := self.where()):
            assert time.monotonic() < deadline, f"the window stayed at {frame}, not {what}"
            time.sleep(0.05)
        return frame

    def settle_on(self, screen: str) -> QRect:
        """Its frame once it is whole on ``screen``."""
        return self.settle(AREAS[screen].contains, f"whole on {screen}")

    def moved(self, x: int, y: int) -> QRect:
        """Put at ``x``, ``y`` by the user; its frame there."""
        assert self.tell(f"move {x} {y}") == f"move {x} {y}"
        return self.settle(lambda frame: frame.topLeft() == QRect(x, y, 1, 1).topLeft(), "moved")


@pytest.fixture(params=["openbox", ""], ids=["openbox", "no window manager"])
def desktop(request) -> Iterator[tuple[dict[str, str], Monitors, str]]:
    """The laptop's screen and the monitor, with openbox or no window manager at all."""
    with laptop_and_monitor(request.param) as (env, monitors):
        yield env, monitors, request.param


@pytest.fixture
def launch(desktop: tuple[dict[str, str], Monitors, str], tmp_path: Path) -> Iterator:
    """Starts the main window (one settings file for every launch); killed after the test."""
    started: list[Main] = []
    env, _monitors, wm = desktop

    def start() -> Main:
        window = Main(env, tmp_path / "settings.ini")
        started.append(window)
        if wm:  # placed by it first (else it places the window after the test has moved it)
            deadline = time.monotonic() + WAIT_S
            while window.tell("framed") != "1":
                assert time.monotonic() < deadline, f"{wm} did not frame the window"
                time.sleep(0.05)
        return window

    yield start
    for window in started:
        window.kill()


def on_the_monitor_then_unplugged(launch, monitors: Monitors) -> tuple[Main, QRect]:  # type: ignore[no-untyped-def]
    """The window put on the external monitor, which is then unplugged; and its place there."""
    window = launch()
    window.settle_on("LAPTOP")
    chosen = window.moved(1900, 100)
    assert AREAS["EXTERNAL"].contains(chosen)
    monitors.remove("EXTERNAL")
    window.settle_on("LAPTOP")  # whole on the laptop's screen, not a tenth of it
    return window, chosen


def test_unplugged_it_comes_whole_onto_the_laptop_screen_and_back_with_the_monitor(
    desktop: tuple[dict[str, str], Monitors, str], launch
) -> None:
    monitors = desktop[1]
    window, chosen = on_the_monitor_then_unplugged(launch, monitors)
    monitors.plug_external()
    assert window.settle(lambda frame: frame == chosen, f"back at {chosen}") == chosen


def test_quit_while_its_monitor_is_away_it_opens_there_once_it_is_back(
    desktop: tuple[dict[str, str], Monitors, str], launch
) -> None:
    monitors = desktop[1]
    window, chosen = on_the_monitor_then_unplugged(launch, monitors)
    window.quit()
    monitors.plug_external()
    again = launch()
    assert again.settle_on("EXTERNAL") == chosen


def test_moved_by_the_user_meanwhile_it_stays_where_they_put_it(
    desktop: tuple[dict[str, str], Monitors, str], launch
) -> None:
    monitors = desktop[1]
    window, _chosen = on_the_monitor_then_unplugged(launch, monitors)
    mine = window.moved(100, 120)  # on the laptop's screen, for the meeting
    monitors.plug_external()
    window.quit()
    again = launch()
    assert again.settle_on("LAPTOP") == mine
