"""On a Wayland desktop the app runs through XWayland, unless the user chose a platform."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from captioner.ui.display_server import XWAYLAND, prefer_xwayland


@pytest.mark.parametrize(
    ("environ", "wanted"),
    [
        # GNOME or KDE on Wayland, XWayland there: the overlay can stay on top and be placed
        ({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}, XWAYLAND),
        ({"XDG_SESSION_TYPE": "wayland", "DISPLAY": ":1"}, XWAYLAND),
        # the user's own choice stands (native Wayland, or a test's offscreen)
        (
            {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0", "QT_QPA_PLATFORM": "wayland"},
            "wayland",
        ),
        ({"WAYLAND_DISPLAY": "w", "DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "offscreen"),
        # no XWayland: nothing else to run through; plain X11: nothing to change
        ({"WAYLAND_DISPLAY": "wayland-0"}, None),
        ({"DISPLAY": ":0", "XDG_SESSION_TYPE": "x11"}, None),
    ],
)
def test_a_wayland_session_runs_the_app_through_xwayland(environ, wanted) -> None:
    environ = dict(environ)
    prefer_xwayland(environ)
    assert environ.get("QT_QPA_PLATFORM") == wanted


def test_qt_falls_back_to_wayland_when_the_xcb_plugin_cannot_start(tmp_path) -> None:
    # "xcb;wayland" is a list Qt tries in order: without an X server xcb fails, and a
    # missing XWayland must not stop the app (here the last resort is offscreen).
    env = dict(os.environ, QT_QPA_PLATFORM="xcb;offscreen", DISPLAY=":987")
    code = "from PySide6.QtGui import QGuiApplication as A; a = A([]); print(a.platformName())"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == "offscreen", done.stderr
