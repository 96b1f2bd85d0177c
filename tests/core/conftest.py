"""Fixtures for core tests: real small filesystems for disk-full and read-only paths."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


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
