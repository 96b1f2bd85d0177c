"""The per-session lock that tells a live journal from a crashed one, and directory fsync.

A live journal holds an exclusive lock on its file (``flock`` on POSIX, a
byte-range lock on a ``.lock`` sidecar on Windows).  The OS drops the lock
when the process dies, however it dies, which is how another process (or
the session index) tells a crashed session (no ``end`` record, not locked)
from a live one.  Kept apart from :mod:`captioner.core.journal` so the
journal module stays about records.
"""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path


def fsync_dir(directory: Path) -> None:
    """Make a new file's directory entry durable too (POSIX only; best effort)."""
    if sys.platform == "win32":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class FileLock:
    """An exclusive, non-blocking, process-lifetime lock on one session."""

    def __init__(self, path: Path, fd: int) -> None:
        self._path = path
        self._fd = fd
        self._sidecar: int | None = None

    def acquire(self) -> bool:
        """True when taken; False when another open file holds it."""
        if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
            import msvcrt

            # Windows locks are mandatory: lock a sidecar so readers can still
            # read the journal itself.
            fd = os.open(self._path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            except OSError:
                os.close(fd)
                return False
            self._sidecar = fd
            return True
        import fcntl

        # flock (not fcntl/lockf) because its locks belong to the open file,
        # so this process also sees its own live session as locked.
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return False
            raise
        return True

    def release(self) -> None:
        if self._sidecar is not None:  # pragma: no cover - Windows only
            os.close(self._sidecar)
            self._sidecar = None
        # On POSIX closing the journal's descriptor releases the flock.


def is_locked(path: Path) -> bool:
    """Whether a live process holds ``path``'s session lock right now."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        lock = FileLock(path, fd)
        taken = lock.acquire()
        lock.release()
        return not taken
    finally:
        os.close(fd)
