"""Quitting ends the process at once, with what the app keeps already on disk (issue 14).

The entry point skips the interpreter's teardown once the GUI has quit
(``captioner.__main__.end_process``): 0.7 s of freeing objects one by one.
Nothing may be lost for it: the settings written while quitting (the window's
geometry is saved as it hides), the session journal, the log.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from captioner.core.sessions import SessionStore
from tests.conftest import DATA
from tests.fakes.v3_server import FakeV3Server, TurnScript

CLIP = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav"
KEY = "test-key-exit"


def test_what_the_app_keeps_is_on_disk_when_a_quit_process_has_gone(tmp_path: Path) -> None:
    sessions, config = tmp_path / "sessions", tmp_path / "config"
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",  # never the user's keyring
        "ASSEMBLYAI_API_KEY": KEY,
        "XDG_CONFIG_HOME": str(config),  # its own settings and single-instance name
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    argv = ["--engine", "assemblyai", "--input-file", str(CLIP), "--data-dir", str(sessions)]
    with FakeV3Server(api_key=KEY, script=TurnScript.from_text("and mister john")) as server:
        argv += ["--api-host", server.url, "--start", "-v"]
        proc = subprocess.Popen(
            [sys.executable, "-m", "captioner", *argv],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            server.wait_for(lambda s: bool(s.sessions) and len(s.sessions[0].turns_sent) >= 1, 30)
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        session = server.sessions[0]
    assert proc.returncode == 143, err  # 128 + SIGTERM: stopped, not finished
    assert "Traceback" not in err
    assert session.terminate_received and session.termination_sent
    # The geometry is saved as the window hides, during the quit: after the event loop.
    settings = (config / "Captioner" / "Captioner.ini").read_text()
    assert "geometry=" in settings
    [kept] = SessionStore(sessions).list()
    assert kept.finished
    assert "Later launches hand over to this instance" in err  # the log reached stderr


def test_ctrl_c_in_a_terminal_ends_the_cloud_session_properly_and_exits_130(
    tmp_path: Path,
) -> None:
    # Ctrl+C reaches every process of the terminal's foreground group: the app
    # and the process that holds its cloud session (engines/cloud_host.py).
    # The session must still end with Terminate, not a dropped connection.
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "ASSEMBLYAI_API_KEY": KEY,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    argv = ["--engine", "assemblyai", "--input-file", str(CLIP)]
    argv += ["--data-dir", str(tmp_path / "sessions"), "--start"]
    with FakeV3Server(api_key=KEY, script=TurnScript.from_text("and mister john")) as server:
        proc = subprocess.Popen(
            [sys.executable, "-m", "captioner", *argv, "--api-host", server.url],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # a group of its own, as a terminal's job
        )
        try:
            server.wait_for(lambda s: bool(s.sessions) and len(s.sessions[0].turns_sent) >= 1, 30)
            os.killpg(proc.pid, signal.SIGINT)
            _, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
        session = server.sessions[0]
    assert "Traceback" not in err
    assert session.terminate_received and session.termination_sent, err
    [kept] = SessionStore(tmp_path / "sessions").list()
    assert kept.finished  # the transcript's journal was closed, not left to recover
    # What a terminal (and a script) expects of Ctrl+C, though the quit was orderly.
    assert proc.returncode == 130, err


BROKEN_INSTALL = """
import sys

class _Missing:  # as a build that left the module out
    def find_spec(self, name, path=None, target=None):
        if name == "captioner.ui.tray":
            raise ImportError("No module named 'captioner.ui.tray'", name=name)
        return None

sys.meta_path.insert(0, _Missing())
"""


def test_a_part_that_does_not_import_is_said_and_the_process_ends_cleanly(
    tmp_path: Path,
) -> None:
    # A broken install (a module a build left out) fails the start-up import while
    # the inputs are being scanned, and PortAudio's initialisation points fd 2 at
    # /dev/null meanwhile: the reason must still reach the terminal, and the
    # process must end with an error status, not a crash in the interpreter's
    # teardown beside Qt's threads.
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(BROKEN_INSTALL)
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(tmp_path / "site"), os.environ.get("PYTHONPATH")])
        ),
    }
    for _ in range(3):  # the scan's timing varies: each launch must say it
        proc = subprocess.run(
            [sys.executable, "-m", "captioner", "--engine", "offline"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 1, (proc.returncode, proc.stderr)
        assert "Captioner could not start" in proc.stderr
        assert "No module named 'captioner.ui.tray'" in proc.stderr
