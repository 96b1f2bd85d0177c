"""The caption overlay with a laptop's screen and an external monitor (X11, two RandR monitors).

Found on Xvfb with two RandR 1.5 monitors side by side (Qt makes one QScreen
per monitor): the overlay put on the external monitor was rescued onto the
laptop's screen when that monitor went away, as it should be, but the rescue
was saved as the user's place.  Plugged in again, the monitor stayed empty:
the captions stayed in the laptop screen's corner, at that launch and every
launch after, and the place the user had chosen on the laptop's screen
itself was overwritten too.  Now a move the app makes is not the user's
place, and the overlay goes back to its monitor when that monitor comes back.

Real X server, the overlay in its own process as in the app; the monitors are
added and removed as ``xrandr --setmonitor`` / ``--delmonitor`` would.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QRect

from tests.xvfb import app_env, private_xvfb, spawn_python

WAIT_S = 20.0
LAPTOP = QRect(0, 0, 1280, 800)
EXTERNAL = QRect(1280, 0, 1920, 1080)

# "where": its geometry and screen; "nudge DX DY": Ctrl+arrows while placing it;
# "dock bottom": Settings ▸ Captions… ▸ Position; "quit": as the app quits.
OVERLAY = """
import sys
from PySide6.QtCore import QSettings, QSocketNotifier
from PySide6.QtWidgets import QApplication
from captioner.core.settings import Settings
from captioner.ui.overlay import CaptionOverlay
app = QApplication(sys.argv)
overlay = CaptionOverlay(Settings(QSettings(sys.argv[1], QSettings.Format.IniFormat)))
overlay.show()
overlay.set_partial("Captions on the monitor I chose")

def obey():
    command = sys.stdin.readline().strip()
    if command == "where":
        g = overlay.geometry()
        print(g.x(), g.y(), g.width(), g.height(), overlay.screen().name(), flush=True)
        return
    if command.startswith("nudge "):
        overlay.nudge(*map(int, command.split()[1:]))
    elif command.startswith("dock "):
        overlay.dock(command.split()[1])
    elif command == "quit":
        overlay.close()
        app.quit()
    print(command, flush=True)

notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
notifier.activated.connect(obey)
app.exec()
"""


class Monitors:
    """RandR 1.5 monitors on the test's X server; its connection keeps the server from resetting.

    python-xlib's own SetMonitor request does not pack, so it is spelled out here.
    """

    def __init__(self, name: str) -> None:
        from Xlib import display
        from Xlib.ext import randr
        from Xlib.protocol import rq

        class SetMonitor(rq.Request):
            _request = rq.Struct(
                rq.Card8("opcode"),
                rq.Opcode(43),
                rq.RequestLength(),
                rq.Window("window"),
                rq.Card32("name"),
                rq.Bool("primary"),
                rq.Bool("automatic"),
                rq.LengthOf("crtcs", 2),
                rq.Int16("x"),
                rq.Int16("y"),
                rq.Card16("width_in_pixels"),
                rq.Card16("height_in_pixels"),
                rq.Card32("width_in_millimeters"),
                rq.Card32("height_in_millimeters"),
                rq.List("crtcs", rq.Card32Obj),
            )

        self.x = display.Display(name)
        self.root = self.x.screen().root
        self.request = SetMonitor
        self.opcode = self.x.display.get_extension_major(randr.extname)

    def set(self, name: str, rect: QRect, *, primary: bool, output: bool) -> None:
        """Monitor ``name`` at ``rect``; ``output``: it shows Xvfb's one output (the laptop's)."""
        outputs = self.root.xrandr_get_screen_resources().outputs[:1] if output else []
        self.request(
            display=self.x.display,
            opcode=self.opcode,
            window=self.root,
            name=self.x.intern_atom(name),
            primary=primary,
            automatic=False,
            x=rect.x(),
            y=rect.y(),
            width_in_pixels=rect.width(),
            height_in_pixels=rect.height(),
            width_in_millimeters=rect.width() // 4,
            height_in_millimeters=rect.height() // 4,
            crtcs=outputs,
        )
        self.x.sync()

    def remove(self, name: str) -> None:
        self.root.xrandr_delete_monitor(self.x.intern_atom(name))
        self.x.sync()

    def close(self) -> None:
        self.x.close()


@pytest.fixture
def desktop() -> Iterator[tuple[dict[str, str], Monitors]]:
    """A 3200×1080 X server shown as a 1280×800 laptop screen and a 1920×1080 monitor."""
    with private_xvfb("3200x1080") as (display, _server):
        monitors = Monitors(display)
        try:
            monitors.set("LAPTOP", LAPTOP, primary=True, output=True)  # replaces "screen"
            monitors.set("EXTERNAL", EXTERNAL, primary=False, output=False)
            env = app_env(display)
            yield env, monitors
        finally:
            monitors.close()


class Overlay:
    """The overlay's process: asked where it is, told what the user does."""

    def __init__(self, env: dict[str, str], settings: Path) -> None:
        self.proc = spawn_python(env, OVERLAY, str(settings))

    def tell(self, command: str) -> str:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def where(self) -> tuple[QRect, str]:
        x, y, width, height, screen = self.tell("where").split()
        return QRect(int(x), int(y), int(width), int(height)), screen

    def settle_on(self, screen: str) -> QRect:
        """Its geometry once it is whole on ``screen`` (screens change asynchronously)."""
        area = {"LAPTOP": LAPTOP, "EXTERNAL": EXTERNAL}[screen]
        deadline = time.monotonic() + WAIT_S
        while (where := self.where())[1] != screen or not area.contains(where[0]):
            assert time.monotonic() < deadline, f"the overlay stayed at {where}, not on {screen}"
            time.sleep(0.05)
        return where[0]

    def quit(self) -> None:
        assert self.tell("quit") == "quit"
        self.proc.communicate(timeout=10)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=10)


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
    monitors.remove("EXTERNAL")  # unplugged while captioning
    overlay.settle_on("LAPTOP")  # whole on the laptop's screen
    return overlay, chosen


def test_captions_go_back_to_the_external_monitor_when_it_is_plugged_in_again(
    desktop: tuple[dict[str, str], Monitors], launch
) -> None:
    _env, monitors = desktop
    first, chosen = rescued(launch, monitors)
    first.quit()

    monitors.set("EXTERNAL", EXTERNAL, primary=False, output=False)  # plugged in again
    second = Overlay(desktop[0], first_settings(first))
    try:
        assert second.settle_on("EXTERNAL") == chosen, "it came back on the laptop's screen"
        monitors.remove("EXTERNAL")
        second.settle_on("LAPTOP")
        monitors.set("EXTERNAL", EXTERNAL, primary=False, output=False)  # while it runs
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
    monitors.set("EXTERNAL", EXTERNAL, primary=False, output=False)
    first.quit()
    second = Overlay(desktop[0], first_settings(first))
    try:
        assert second.where() == (docked, "LAPTOP")
    finally:
        second.kill()


def first_settings(overlay: Overlay) -> Path:
    return Path(overlay.proc.args[-1])  # the same settings file, as at the next launch
