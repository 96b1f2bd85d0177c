"""Test-wide set-up: offscreen Qt, private config dirs, an in-memory keyring."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# One cache for the whole run, not the user's (the recognisers keep their trimmed
# dictionary there: see captioner.engines.offline.vocabulary).
# Removed at exit: a dozen were left in /tmp after every run (each process that imports
# this, test scripts run as children too, makes its own).
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="captioner-test-cache-")
atexit.register(shutil.rmtree, os.environ["XDG_CACHE_HOME"], ignore_errors=True)

pytest_plugins = ["tests.pulse", "tests.pipewire"]

DATA = Path(__file__).parent / "data"
LEAKED_THREAD_BOUND_S = 30.0  # how long a test's threads may take to wind down


@pytest.fixture(autouse=True)
def private_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point config/data dirs at tmp so tests never touch (or read) the user's."""
    home = tmp_path / "home"
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data")):
        (home / sub).mkdir(parents=True)
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)
    return home


class MemoryKeyring:
    """A real ``keyring`` backend that keeps secrets in memory (no OS keyring in CI)."""

    def __init__(self) -> None:
        import keyring.backend

        class _Backend(keyring.backend.KeyringBackend):
            priority = 1  # type: ignore[assignment]

            def __init__(self) -> None:
                super().__init__()
                self.store: dict[tuple[str, str], str] = {}

            def get_password(self, service: str, username: str) -> str | None:
                return self.store.get((service, username))

            def set_password(self, service: str, username: str, password: str) -> None:
                self.store[(service, username)] = password

            def delete_password(self, service: str, username: str) -> None:
                import keyring.errors

                if (service, username) not in self.store:
                    raise keyring.errors.PasswordDeleteError("not found")
                del self.store[(service, username)]

        self.backend = _Backend()


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    import keyring

    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring.backend)
    yield ring
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    """A test must not leave engine or capture threads running."""
    before = set(threading.enumerate())
    yield
    # A bound, not a timing: the wait returns as soon as the threads end.  5 s was
    # overrun by a thread that was ending, not leaked: the offline model's preload
    # (started by an idle app) took 5.6 s on a loaded 2-core box.
    deadline = time.monotonic() + LEAKED_THREAD_BOUND_S

    def leaked() -> list[threading.Thread]:
        return [
            t
            for t in threading.enumerate()
            if t not in before and t.is_alive() and not t.name.startswith(("asyncio_", "Dummy"))
        ]

    # Wait for each one to end (a thread winding down after its test is fine), no longer
    # than the deadline; one that ends while another is waited for is seen next round.
    while (running := leaked()) and time.monotonic() < deadline:
        running[0].join(max(0.0, deadline - time.monotonic()))
    if running:
        pytest.fail(
            f"threads left running {LEAKED_THREAD_BOUND_S:.0f} s after the test: "
            f"{[t.name for t in running]}"
        )


@pytest.fixture
def clip() -> Path:
    """A short LibriVox clip (16 kHz mono) with its reference transcript beside it."""
    return DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav"


def reference_text(wav: Path) -> str:
    return wav.with_suffix(".txt").read_text(encoding="utf-8").strip()


@pytest.fixture
def tiny_tmpfs(tmp_path: Path) -> Iterator[Callable[..., Path]]:
    """Mount a 64 KiB tmpfs (``"ro"`` for a read-only one); unmounted afterwards.

    Tests run as root here, where ``chmod`` does not stop writes, so a real
    full or read-only filesystem is the honest way to make the kernel say
    ENOSPC or EROFS.  Skips where mounting is not permitted (no root, no
    CAP_SYS_ADMIN, no ``mount``).
    """
    mounted: list[Path] = []

    def mount(options: str = "rw", size: str = "64k") -> Path:
        if shutil.which("mount") is None:
            pytest.skip("no mount command")
        target = tmp_path / f"tmpfs{len(mounted)}"
        target.mkdir()
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"{options},size={size},mode=0777", "tmpfs", target],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
        mounted.append(target)
        return target

    yield mount
    for target in reversed(mounted):
        subprocess.run(["umount", "-l", target], check=False, capture_output=True)
