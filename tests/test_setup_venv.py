"""``make run`` on a machine where the first venv creation failed, and the package that prevents it.

Debian and Ubuntu keep ensurepip out of Python, in python3.X-venv; without
it ``python3 -m venv`` stops half way and leaves a ``.venv`` with no pip,
and every later ``make run`` failed on it until ``make clean``.  These tests
run the real Makefile and ``packaging/system-deps.sh`` in a throwaway copy
(never the checkout's own venv), offline: pip is told there is no index,
and the system tools the script calls (dpkg-query, apt-cache, apt-get, id)
are stand-ins on PATH, so nothing is installed on this machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENV = f".venv-{sys.version_info[0]}.{sys.version_info[1]}"  # what `make PYTHON=...` uses

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="no make here")


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """The Makefile and system-deps.sh alone, with empty source folders for the package rules."""
    (tmp_path / "packaging").mkdir()
    shutil.copy(ROOT / "Makefile", tmp_path)
    shutil.copy(ROOT / "packaging" / "system-deps.sh", tmp_path / "packaging")
    (tmp_path / "captioner").mkdir()
    (tmp_path / "resources").mkdir()
    (tmp_path / "pyproject.toml").touch()
    (tmp_path / ".stamp-system-run").touch()  # the system packages are done
    return tmp_path


def make(checkout: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    return subprocess.run(
        ["make", "--no-print-directory", f"PYTHON={sys.executable}", *args],
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_a_venv_left_without_pip_is_made_again(checkout: Path) -> None:
    # What a failed `python3 -m venv` leaves: bin/python, no pip.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", VENV], cwd=checkout, check=True)
    result = make(checkout, f"{VENV}/.stamp-venv")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is unusable" in result.stdout and "creating it again" in result.stdout
    pip = subprocess.run(
        [f"{checkout}/{VENV}/bin/python", "-m", "pip", "--version"], capture_output=True
    )
    assert pip.returncode == 0
    # And the project is installed again into the new venv, not skipped as done.
    assert "pip install" in make(checkout, "-n", f"{VENV}/.stamp-run").stdout


def test_a_venv_that_broke_after_it_worked_is_noticed_and_a_good_one_kept(checkout: Path) -> None:
    bin_dir = checkout / VENV / "bin"
    bin_dir.mkdir(parents=True)
    python = bin_dir / "python"
    python.write_text("#!/bin/sh\nexit 0\n")  # a venv that works, as far as make can tell
    python.chmod(0o755)
    (checkout / VENV / ".stamp-venv").touch()
    assert make(checkout, "-q", f"{VENV}/.stamp-venv").returncode == 0  # up to date: left alone
    python.unlink()
    python.symlink_to("/nonexistent/python3.9")  # the Python it was made with was upgraded away
    dry = make(checkout, "-n", f"{VENV}/.stamp-venv")
    assert dry.returncode == 0 and "-m venv" in dry.stdout, dry.stdout + dry.stderr


FAKE_TOOLS = {
    # Every package is installed except those in $MISSING.
    "dpkg-query": 'for a; do pkg=$a; done\ncase " $MISSING " in *" $pkg "*) exit 1;; esac\n'
    'printf "install ok installed"\n',
    # apt knows the packages in $CANDIDATES, with something to install.
    "apt-cache": 'case " $CANDIDATES " in *" $2 "*) printf "%s:\\n  Installed: (none)\\n'
    '  Candidate: 3.12.3-1\\n" "$2";; *) printf "%s:\\n  Candidate: (none)\\n" "$2";; esac\n',
    "apt-get": 'echo "apt-get $*" >>"$LOG"\n',
    "id": 'echo "$FAKE_UID"\n',
    # A system python3.12 whose ensurepip is not installed, unless $HAS_ENSUREPIP.
    "python3.12": 'case "$2" in *ensurepip*) [ -n "$HAS_ENSUREPIP" ]; exit;; '
    "*base_prefix*) echo 3.12;; esac\n",
}


def system_deps(
    tmp_path: Path,
    *,
    uid: int = 0,
    missing: str = "",
    candidates: str = "",
    ensurepip: bool = False,
) -> tuple[subprocess.CompletedProcess[str], str]:
    tools = tmp_path / "bin"
    tools.mkdir(exist_ok=True)
    for name, body in FAKE_TOOLS.items():
        (tools / name).write_text("#!/bin/sh\n" + body)
        (tools / name).chmod(0o755)
    grep = shutil.which("grep")
    assert grep
    (tools / "grep").unlink(missing_ok=True)
    (tools / "grep").symlink_to(grep)
    log = tmp_path / "apt.log"
    log.write_text("")
    env = {
        "PATH": str(tools),  # no sudo: a user who is not root has to be told
        "PYTHON": str(tools / "python3.12"),
        "MISSING": missing,
        "CANDIDATES": candidates,
        "FAKE_UID": str(uid),
        "HAS_ENSUREPIP": "1" if ensurepip else "",
        "LOG": str(log),
    }
    bash = shutil.which("bash")
    assert bash
    result = subprocess.run(
        [bash, str(ROOT / "packaging" / "system-deps.sh"), "run"],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
    )
    return result, log.read_text()


def test_system_deps_installs_the_venv_package_of_the_python_make_uses(tmp_path: Path) -> None:
    result, apt = system_deps(
        tmp_path, missing="python3.12-venv", candidates="python3.12-venv python3-venv"
    )
    assert result.returncode == 0, result.stderr
    assert "apt-get install -y -qq python3.12-venv" in apt


def test_system_deps_falls_back_to_python3_venv_where_no_versioned_package_exists(
    tmp_path: Path,
) -> None:
    result, apt = system_deps(
        tmp_path, missing="python3.12-venv python3-venv", candidates="python3-venv"
    )
    assert result.returncode == 0, result.stderr
    assert "apt-get install -y -qq python3-venv" in apt


def test_system_deps_as_a_user_says_what_to_install(tmp_path: Path) -> None:
    result, apt = system_deps(
        tmp_path, uid=1000, missing="python3.12-venv", candidates="python3.12-venv"
    )
    assert result.returncode == 1
    assert "apt-get install python3.12-venv" in result.stderr
    assert apt == ""


@pytest.mark.parametrize("case", ["installed", "has-ensurepip"])
def test_system_deps_installs_nothing_when_venv_already_works(tmp_path: Path, case: str) -> None:
    result, apt = system_deps(
        tmp_path, candidates="python3.12-venv", ensurepip=case == "has-ensurepip"
    )
    assert result.returncode == 0, result.stderr
    assert apt == "" and result.stdout == ""
