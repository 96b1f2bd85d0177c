"""The app as a real process, as a user starts it from a terminal (``python -m captioner``).

Shared by the command-line tests (tests/test_cli.py) and the hang-up tests
(tests/ui/test_hangup.py): the launch with a private keyring and offscreen Qt,
a cloud run of a LibriVox clip against the fake v3 server, and ending the
process with a signal without ever leaving it behind when a test fails.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from tests.conftest import DATA
from tests.fakes.v3_server import FakeV3Server

CLIP = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav"  # 7 s of speech
_END_TIMEOUT_S = 30.0


def captioner(*args: str, env: dict[str, str] | None = None, **kw) -> subprocess.Popen:
    """Start ``python -m captioner ARGS`` (text stdout/stderr piped); ``env`` adds variables."""
    full_env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",  # never the user's keyring
        **(env or {}),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "captioner", *args],
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def run(*args: str, **kw) -> subprocess.CompletedProcess:
    """Run ``python -m captioner ARGS`` to its end (at most a minute)."""
    proc = captioner(*args, **kw)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def end_with(proc: subprocess.Popen, signum: signal.Signals) -> str:
    """Send ``signum`` (Ctrl+C, a closed terminal…); the process's stderr once it has ended.

    A process that does not end in time is killed, so a failing test leaves none behind.
    """
    try:
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=_END_TIMEOUT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return err


@contextmanager
def captioning_cloud(
    server: FakeV3Server, key: str, *args: str, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen]:
    """The app captioning :data:`CLIP` with the cloud engine against ``server`` from launch
    (``--start``), yielded once a second of its audio has reached the server: mid-run.

    ``args`` are more options; the process is killed on the way out if still running.
    """
    proc = captioner(
        *("--engine", "assemblyai", "--input-file", str(CLIP), "--api-host", server.url),
        *args,
        "--start",
        env={"ASSEMBLYAI_API_KEY": key, **(env or {})},
    )
    try:
        server.wait_for(
            lambda s: bool(s.sessions) and s.sessions[0].audio_ms_received >= 1000,
            timeout=_END_TIMEOUT_S,
        )
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
