"""Ctrl+C in the first moments of ``captioner`` or ``captioner transcribe``: status 130,
no traceback (a Python KeyboardInterrupt traceback was printed from wherever the
start-up happened to be: an import, Qt's set-up, a recogniser still starting).

Each test sends the signal at a set point of the start-up, not after a delay: the
process is started with a hook that sends it when that point is reached.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import DATA

ROOT = Path(__file__).resolve().parent.parent
CLIP = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0880.wav"

# Runs the entry point as the console script does, with ``hook`` set up first.
LAUNCH = """
import os, signal, sys
{hook}
from captioner.__main__ import main
sys.exit(main(sys.argv[1:]))
"""

# Ctrl+C as a terminal sends it: to the whole process group, when ``name`` is imported.
AT_IMPORT = """
import builtins
_real = builtins.__import__
def _import(name, *args, **kwargs):
    if name == {name!r}:
        builtins.__import__ = _real
        os.killpg(0, signal.SIGINT)
    return _real(name, *args, **kwargs)
builtins.__import__ = _import
"""

# Ctrl+C to the group just as the offline engine's recogniser process has been started
# (its interpreter is still starting: it has not had the chance to ignore it yet).
AS_CHILD_STARTS = """
from captioner.engines.offline import child
_start = child.ChildProcess.start
def _started(self):
    conn = _start(self)
    os.killpg(0, signal.SIGINT)
    return conn
child.ChildProcess.start = _started
"""

# Ctrl+C while the main window is being built, inside code Qt calls back into.
IN_THE_WINDOW = """
from captioner.ui import main_window
_init = main_window.MainWindow.__init__
def _building(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    os.killpg(0, signal.SIGINT)
main_window.MainWindow.__init__ = _building
"""


def interrupted(hook: str, *argv: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """Run ``captioner ARGV`` in a process group of its own, Ctrl+C sent by ``hook``."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(ROOT),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",  # never the user's keyring
        "XDG_CONFIG_HOME": str(tmp_path / "config"),  # its own settings and instance name
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    env.pop("ASSEMBLYAI_API_KEY", None)
    return subprocess.run(
        [sys.executable, "-c", LAUNCH.format(hook=textwrap.dedent(hook)), *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        start_new_session=True,  # the group Ctrl+C goes to is the test's own, not pytest's
    )


def assert_quiet_130(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 130, (result.returncode, result.stderr)
    for noise in ("Traceback", "KeyboardInterrupt", "Fatal Python error", "could not load"):
        assert noise not in result.stderr, result.stderr


def test_ctrl_c_while_transcribe_is_still_importing(tmp_path: Path) -> None:
    hook = AT_IMPORT.format(name="captioner.transcribe")
    result = interrupted(hook, "transcribe", str(CLIP), "--engine", "offline", tmp_path=tmp_path)
    assert_quiet_130(result)
    assert result.stdout == ""


def test_ctrl_c_as_the_offline_recogniser_starts(tmp_path: Path) -> None:
    # The run ends in order (its own message); the recogniser did not die of it loudly.
    result = interrupted(
        AS_CHILD_STARTS, "transcribe", str(CLIP), "--engine", "offline", tmp_path=tmp_path
    )
    assert_quiet_130(result)


def test_ctrl_c_while_the_app_is_still_importing(tmp_path: Path) -> None:
    hook = AT_IMPORT.format(name="captioner.app")
    assert_quiet_130(interrupted(hook, "--engine", "offline", tmp_path=tmp_path))


def test_ctrl_c_while_the_window_is_being_built(tmp_path: Path) -> None:
    assert_quiet_130(interrupted(IN_THE_WINDOW, "--engine", "offline", tmp_path=tmp_path))
