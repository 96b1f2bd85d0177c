"""Opening and closing a menu prints nothing on the terminal (X11).

Each menu the user opened and closed (File, View…, by mouse or Alt+letter)
printed a ``RuntimeError: … QWindow already deleted`` traceback from the
overlay's clearance: the focus went to the menu's popup window, whose Qt
object is gone by the time the slot runs, so that focus change was also
never looked at.  Only a real X server shows it (the offscreen platform
focuses no popup): the app runs on a private Xvfb in a process of its own.
Fixed in main by 5ae9809 (clearance ignores a focus window already deleted);
this checks the menus themselves, as a user opens them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.ui.screen_probe import PROBE_TIMEOUT_S, ROOT
from tests.xvfb import private_xvfb

PROBE = Path(__file__).with_name("menu_focus_probe.py")


def test_closing_a_menu_raises_nothing(tmp_path) -> None:
    with private_xvfb() as (display, _server):
        env = dict(os.environ)
        env.update(
            DISPLAY=display,
            QT_QPA_PLATFORM="xcb",
            XDG_CONFIG_HOME=str(tmp_path / "config"),
            PYTHONPATH=str(ROOT),
        )
        done = subprocess.run(
            [sys.executable, str(PROBE)],
            env=env,
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_S,
            check=True,
        )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["menus"] == 5 and seen["back"], seen  # every menu opened and closed
    assert not seen["raised"], "\n".join(seen["raised"])
