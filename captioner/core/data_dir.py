"""Can sessions be kept in a folder?  Asked once at start-up and after the user picks one.

A folder that is a file, that cannot be listed or that refuses writes
(read-only disk, permissions, a path under a regular file) otherwise shows
only when the first session tries to create its journal — and a user who
sees "Listening" believes the session is being kept.  So the app asks at
start-up, on a worker thread (this touches the disk), and says so at once.

Root passes permission checks (``os.access`` says yes to a ``chmod 500``
folder), so the only honest test of "writable" is to write: a small probe
file is created, written and removed.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from captioner.core.disk import disk_reason


@dataclass(frozen=True, slots=True)
class FolderCheck:
    """The answer for one folder: ``problem`` is ``None`` when sessions can be kept there.

    ``unlisted``: they can be written but the folder cannot be listed, so
    the history and the crash check will not see them (a lesser problem:
    the sessions are still kept).
    """

    folder: Path
    problem: str | None
    unlisted: str | None = None


def check_folder(folder: Path) -> FolderCheck:
    """Create ``folder`` if needed, list it, write and remove a probe file in it.

    Blocking disk I/O: call from a worker.  ``problem`` is a plain sentence
    for the status line and the banner.
    """
    folder = Path(folder)

    def fail(reason: str) -> FolderCheck:
        return FolderCheck(folder, f"Sessions cannot be saved in “{folder}”: {reason}.")

    try:
        if folder.exists() and not folder.is_dir():
            return fail("it is a file, not a folder")
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return fail(disk_reason(exc))
    probe = folder / f".captioner-write-test-{uuid.uuid4().hex}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, b"x")
        finally:
            os.close(fd)
    except OSError as exc:
        return fail(disk_reason(exc))
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()
    try:
        with os.scandir(folder) as entries:
            next(entries, None)
    except OSError as exc:
        return FolderCheck(
            folder,
            None,
            f"Sessions are saved in “{folder}”, but the folder cannot be read "
            f"({disk_reason(exc)}): past sessions and crash recovery will not be shown.",
        )
    return FolderCheck(folder, None)
