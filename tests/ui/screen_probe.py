"""The real app measured on a screen of a given size, in a process of its own.

The offscreen platform takes its screen from a JSON file and its scale from
QT_SCALE_FACTOR, both fixed when the QApplication starts, hence a process per
screen.  A test calls :func:`run_probe` with a probe script (small_screen_probe.py,
clearance_probe.py); the probe builds the app with :func:`probe_app`, measures,
and ends with :func:`report_and_quit`, whose JSON line is what :func:`run_probe`
returns.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, QSettings
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:
    from captioner.app import CaptionerApp

ROOT = Path(__file__).resolve().parents[2]
PROBE_TIMEOUT_S = 120  # a hang guard: a probe takes a few seconds


# -- in the test's process ---------------------------------------------------------


def run_probe(
    probe: Path, tmp_path: Path, width: int, height: int, scale: int, arg: str, family: str = ""
) -> dict:
    """Run ``probe arg`` on one offscreen ``width``×``height`` screen at ``scale``; its report.

    ``family``: the desktop font's family, where a test needs the one the windows were laid
    out for (DejaVu Sans: Noto Sans, taller at the same size, rightly grows them).
    """
    config = tmp_path / "screen.json"
    screen = {"name": "S", "x": 0, "y": 0, "width": width, "height": height}
    screen.update({"logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1})
    config.write_text(json.dumps({"screens": [screen]}))
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM=f"offscreen:configfile={config}",
        QT_SCALE_FACTOR=str(scale),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        PYTHONPATH=str(ROOT),  # this checkout's captioner
        PROBE_FONT_FAMILY=family,
    )
    done = subprocess.run(
        [sys.executable, str(probe), arg],
        env=env,
        capture_output=True,
        text=True,
        timeout=PROBE_TIMEOUT_S,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- in the probe's process --------------------------------------------------------


def rect(r: QRect) -> list[int]:
    return [r.x(), r.y(), r.width(), r.height()]


def probe_app(
    prepare: Callable[[QSettings], None] | None = None,
    font_points: float = 0,
    look: bool = False,
) -> tuple[QApplication, CaptionerApp, QSettings]:
    """The QApplication and the real app, on fresh settings and data, with no audio devices.

    ``prepare`` writes settings before the app starts (a geometry saved on a
    bigger monitor, say); ``font_points`` is the desktop's font size, when not the usual;
    ``look`` gives the app its style and style sheet, as ``run_gui`` does.
    """
    app = QApplication(sys.argv[:1])
    if font_points:
        font = QFont(app.font())
        font.setPointSizeF(font_points)
        if family := os.environ.get("PROBE_FONT_FAMILY"):
            font.setFamily(family)
        app.setFont(font)
    if look:
        from captioner.ui.app_look import apply_look

        apply_look(app)
    from captioner.app import CaptionerApp  # after the QApplication, as the app starts
    from captioner.cli import parse_args

    data = tempfile.mkdtemp()
    settings = QSettings(data + "/settings.ini", QSettings.Format.IniFormat)
    if prepare is not None:
        prepare(settings)
    captioner = CaptionerApp(
        parse_args(["--data-dir", data]),
        settings,
        use_tray=False,
        list_devices=lambda: [],
        list_system_sources=lambda: [],
        rescan_devices=lambda: None,
    )
    return app, captioner, settings


def report_and_quit(app: QApplication, captioner: CaptionerApp, report: dict) -> None:
    """Print ``report`` as the JSON line the test reads, then quit as a user's quit does."""
    print(json.dumps(report), flush=True)
    captioner.quitFinished.connect(app.quit)  # workers stopped first
    captioner.request_quit()
