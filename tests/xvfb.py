"""A private X server for the tests that need a real one (Xvfb), started and ended cleanly.

The offscreen platform has no window manager, no stacking, no focus changes and
no global key grabs; the faults in those (a full-screen video over the overlay,
a menu's popup gone before its focus change arrives, the global shortcut) show
only on a real X server.  ``-displayfd`` makes Xvfb pick a free display and write
its number once it accepts clients, so a test waits for exactly that.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import pytest


def read_line(stream: TextIO, timeout: float) -> str:
    """One line from ``stream``, or "" at its end or after ``timeout`` seconds."""
    readable, _, _ = select.select([stream], [], [], timeout)
    return stream.readline() if readable else ""


@contextlib.contextmanager
def private_xvfb(
    size: str = "640x480", *, needs: tuple[str, ...] = ()
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A private Xvfb of ``size`` pixels: its display name (":N") and process.

    Skips when Xvfb or a tool in ``needs`` is missing; fails instead where CI
    installs them all (``CAPTIONER_REQUIRE_PULSE``).
    """
    missing = [tool for tool in ("Xvfb", *needs) if shutil.which(tool) is None]
    if missing:
        if os.environ.get("CAPTIONER_REQUIRE_PULSE"):  # CI installs them
            pytest.fail(f"not installed: {', '.join(missing)}")
        pytest.skip(f"needs {', '.join(missing)}")
    ready_read, ready_write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(ready_write), "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(ready_write,),
    )
    os.close(ready_write)
    try:
        with os.fdopen(ready_read) as ready:
            number = read_line(ready, timeout=10).strip()
        assert number.isdigit(), f"Xvfb did not start (exit status {server.poll()})"
        yield f":{number}", server
    finally:
        server.terminate()
        server.wait(5)


ROOT = Path(__file__).resolve().parents[1]


def app_env(display: str) -> dict[str, str]:
    """A bare environment for the app's Qt on ``display`` (X11), importing this checkout."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DISPLAY": display,
        "QT_QPA_PLATFORM": "xcb",
        "PYTHONPATH": str(ROOT),
    }


def spawn_python(env: dict[str, str], code: str, *args: str) -> subprocess.Popen[str]:
    """``python -c code args…`` talking lines of text through its stdin and stdout."""
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


class Commanded:
    """A ``spawn_python`` program told one line at a time; it answers each with a line.

    ``quit`` asks it to leave (it answers "quit"); ``kill`` ends it if it still runs.
    """

    def __init__(self, env: dict[str, str], code: str, *args: str) -> None:
        self.proc = spawn_python(env, code, *args)

    def tell(self, command: str) -> str:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def quit(self) -> None:
        assert self.tell("quit") == "quit"
        self.proc.communicate(timeout=10)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate(timeout=10)
