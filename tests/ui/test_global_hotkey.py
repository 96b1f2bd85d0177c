"""The system-wide unlock shortcut on a real X server (Xvfb), pressed by xdotool."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator

import pytest

from captioner.ui.global_hotkey import GlobalHotkey


@pytest.fixture
def x_display() -> Iterator[str]:
    if not (shutil.which("Xvfb") and shutil.which("xdotool")):
        if os.environ.get("CAPTIONER_REQUIRE_PULSE"):  # CI installs both
            pytest.fail("Xvfb and xdotool are needed for the global-shortcut test")
        pytest.skip("needs Xvfb and xdotool")
    number = 90 + os.getpid() % 100
    name = f":{number}"
    server = subprocess.Popen(
        ["Xvfb", name, "-screen", "0", "640x480x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not os.path.exists(f"/tmp/.X11-unix/X{number}"):
        assert time.monotonic() < deadline, "Xvfb did not start"
        time.sleep(0.05)
    yield name
    server.terminate()
    server.wait(5)


def test_the_shortcut_works_whichever_window_has_focus(qtbot, x_display: str) -> None:
    hotkey = GlobalHotkey(x_display)
    assert hotkey.start(), hotkey.problem
    try:
        with qtbot.waitSignal(hotkey.activated, timeout=5000):
            subprocess.run(
                ["xdotool", "key", "ctrl+alt+shift+l"],
                env={**os.environ, "DISPLAY": x_display},
                check=True,
            )
        other = GlobalHotkey(x_display)  # a second app cannot take the same keys
        assert not other.start()
        assert "already taken" in other.problem
    finally:
        hotkey.stop()


def test_without_an_x_server_it_says_why() -> None:
    hotkey = GlobalHotkey(":999")
    assert not hotkey.start()
    assert "No X display" in hotkey.problem
