"""The system-wide unlock shortcut on a real X server (Xvfb), pressed by xdotool."""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import subprocess
import threading
from collections.abc import Iterator
from typing import TextIO

import pytest

from captioner.ui.global_hotkey import GlobalHotkey


def _read_line(stream: TextIO, timeout: float) -> str:
    """One line from ``stream``, or "" at its end or after ``timeout`` seconds."""
    readable, _, _ = select.select([stream], [], [], timeout)
    return stream.readline() if readable else ""


@pytest.fixture
def x_display() -> Iterator[str]:
    with _xvfb() as (name, _server):
        yield name


@contextlib.contextmanager
def _xvfb() -> Iterator[tuple[str, subprocess.Popen]]:
    """A private Xvfb: its display name and process."""
    if not (shutil.which("Xvfb") and shutil.which("xdotool")):
        if os.environ.get("CAPTIONER_REQUIRE_PULSE"):  # CI installs both
            pytest.fail("Xvfb and xdotool are needed for the global-shortcut test")
        pytest.skip("needs Xvfb and xdotool")
    # -displayfd: Xvfb picks a free display and writes its number to the pipe once
    # it accepts clients, so the test waits for exactly that, not for a socket file.
    ready_read, ready_write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(ready_write), "-screen", "0", "640x480x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(ready_write,),
    )
    os.close(ready_write)
    try:
        with os.fdopen(ready_read) as ready:
            number = _read_line(ready, timeout=10).strip()
        assert number.isdigit(), f"Xvfb did not start (exit status {server.poll()})"
        yield f":{number}", server
    finally:
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


def test_the_x_server_going_away_ends_the_listener_quietly(monkeypatch) -> None:
    # The desktop session ends under the app: no thread traceback, and quitting still works.
    crashes: list[threading.ExceptHookArgs] = []
    monkeypatch.setattr(threading, "excepthook", crashes.append)
    with _xvfb() as (name, server):
        hotkey = GlobalHotkey(name)
        assert hotkey.start(), hotkey.problem
        listener = hotkey._thread
        assert listener is not None
        server.kill()
        server.wait(5)
        listener.join(5)
        assert not listener.is_alive()
        hotkey.stop()
    assert crashes == []
