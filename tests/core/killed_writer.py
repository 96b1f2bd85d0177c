"""Run a journal-writing script in a child process and SIGKILL it once it says "ready".

What a crash leaves on disk is what these tests check: the child (a module in
tests/core taking the data folder and a session id) writes, prints "ready",
and is killed without any chance to clean up.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def killed_session(module: str, folder: Path) -> str:
    """Run ``python -m module folder <id>``, SIGKILL it when ready; the session id."""
    session_id = uuid.uuid4().hex
    proc = subprocess.Popen(
        [sys.executable, "-m", module, str(folder), session_id],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
    return session_id
