"""On X11 without a compositor, Settings ▸ Captions… says the background cannot be see-through.

Found on Xvfb with openbox and no compositor: the overlay's background was drawn
solid (black, square corners) and Background opacity changed nothing that shows
through, yet nothing said so.  A compositing manager owns ``_NET_WM_CM_S0``
(xcompmgr here); without one the opacity row says why, and once one runs the
dialog, opened again, says nothing more.

A real X server in a subprocess, as the app runs on a desktop (the test session
itself is offscreen, where there is no compositor to ask about).
"""

from __future__ import annotations

import ast
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.xvfb import app_env, private_xvfb

WAIT_S = 20.0

# Opens Settings ▸ Captions… at each "open" and says what its opacity row shows.
APP = """
import sys
from PySide6.QtCore import QSettings, QSocketNotifier
from PySide6.QtWidgets import QApplication, QLabel
from captioner.core.settings import Settings
from captioner.ui.overlay import CaptionOverlay
from captioner.ui.overlay_settings import OverlaySettingsDialog
app = QApplication(sys.argv)
settings = Settings(QSettings(sys.argv[1], QSettings.Format.IniFormat))
overlay = CaptionOverlay(settings)
dialogs = []

def obey():
    sys.stdin.readline()
    for old in dialogs:
        old.reject()
    dialog = OverlaySettingsDialog(overlay, settings)
    dialogs.append(dialog)
    dialog.show()
    app.processEvents()
    note = dialog.findChild(QLabel, "opacityNote")
    shown = note.text() if note is not None and note.isVisibleTo(dialog) else ""
    print(repr((shown, dialog.opacity.toolTip(), dialog.opacity.isEnabled())), flush=True)

notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
notifier.activated.connect(obey)
print("ready", flush=True)
app.exec()
"""


@pytest.fixture
def desktop() -> Iterator[dict[str, str]]:
    """A private X server with a window manager (openbox) and, as yet, no compositor."""
    with private_xvfb("1024x768", needs=("openbox", "xcompmgr")) as (display, _server):
        env = app_env(display)
        manager = subprocess.Popen(
            ["openbox"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            yield env
        finally:
            manager.terminate()
            manager.wait(10)


def compositing(env: dict[str, str]) -> bool:
    """Whether a compositing manager owns screen 0's ``_NET_WM_CM_S0`` (asked independently)."""
    from Xlib import X, display

    screen = display.Display(env["DISPLAY"])
    try:
        return screen.get_selection_owner(screen.intern_atom("_NET_WM_CM_S0")) != X.NONE
    finally:
        screen.close()


def open_dialog(app: subprocess.Popen[str]) -> tuple[str, str, bool]:
    """Settings ▸ Captions… opened anew: its opacity note, the slider's tooltip, enabled."""
    assert app.stdin is not None and app.stdout is not None
    app.stdin.write("open\n")
    app.stdin.flush()
    return ast.literal_eval(app.stdout.readline())


def test_the_opacity_row_says_a_compositor_is_needed_until_one_runs(
    desktop: dict[str, str], tmp_path: Path
) -> None:
    app = subprocess.Popen(
        [sys.executable, "-c", APP, str(tmp_path / "settings.ini")],
        env=desktop,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    compositor = None
    try:
        assert app.stdout is not None and app.stdout.readline().strip() == "ready"
        assert not compositing(desktop)
        note, tip, enabled = open_dialog(app)
        assert "No compositor is running" in note, "no compositor, yet the row said nothing"
        assert tip == note  # for the mouse too
        assert enabled  # a lower opacity still darkens the background there

        compositor = subprocess.Popen(
            ["xcompmgr"], env=desktop, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + WAIT_S
        while not compositing(desktop):
            assert time.monotonic() < deadline, "xcompmgr never claimed _NET_WM_CM_S0"
            time.sleep(0.05)
        # The same app, the dialog opened again once the user has started a compositor.
        assert open_dialog(app) == ("", "", True)
    finally:
        if compositor is not None:
            compositor.terminate()
            compositor.wait(10)
        app.kill()
        _, errors = app.communicate(timeout=10)
    assert "Traceback" not in errors, errors
