"""A laptop's screen and an external monitor on a private X server (two RandR 1.5 monitors).

Xvfb has one output; RandR 1.5 monitors split its 3200×1080 screen in two, as
``xrandr --setmonitor`` would, and Qt makes one QScreen per monitor.  A monitor
removed is one unplugged (``--delmonitor``); set again, it is plugged in again.
Xvfb forgets its monitors when its last client leaves: :class:`Monitors` keeps
a connection open for as long as the test runs.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Iterator

from PySide6.QtCore import QRect

from tests.xvfb import app_env, private_xvfb

LAPTOP = QRect(0, 0, 1280, 800)
EXTERNAL = QRect(1280, 0, 1920, 1080)
AREAS = {"LAPTOP": LAPTOP, "EXTERNAL": EXTERNAL}


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

    def plug_external(self) -> None:
        """The external monitor plugged in (again), right of the laptop's screen."""
        self.set("EXTERNAL", EXTERNAL, primary=False, output=False)

    def wait_for_window_manager(self, timeout: float = 10.0) -> None:
        """Until a window manager says it runs (_NET_SUPPORTING_WM_CHECK on the root)."""
        check = self.x.intern_atom("_NET_SUPPORTING_WM_CHECK")
        deadline = time.monotonic() + timeout
        while self.root.get_full_property(check, 0) is None:
            assert time.monotonic() < deadline, "the window manager did not start"
            time.sleep(0.05)

    def close(self) -> None:
        self.x.close()


@contextlib.contextmanager
def laptop_and_monitor(wm: str = "") -> Iterator[tuple[dict[str, str], Monitors]]:
    """A 3200×1080 X server shown as a 1280×800 laptop screen and a 1920×1080 monitor.

    ``wm``: a window manager to run on it (none when empty).  Yields the app's
    environment and the monitors.
    """
    with private_xvfb("3200x1080", needs=(wm,) if wm else ()) as (display, _server):
        monitors = Monitors(display)
        manager = None
        try:
            monitors.set("LAPTOP", LAPTOP, primary=True, output=True)  # replaces "screen"
            monitors.plug_external()
            env = app_env(display)
            if wm:
                manager = subprocess.Popen(
                    [wm], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
                monitors.wait_for_window_manager()
            yield env, monitors
        finally:
            if manager is not None:
                manager.terminate()
                manager.wait(10)
            monitors.close()
