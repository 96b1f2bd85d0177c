"""Disk failures in plain words, shared by the journal and the exporters."""

from __future__ import annotations

import errno

_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EROFS: "the disk is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EIO: "the disk reported an input/output error",
    errno.ENOENT: "the folder does not exist",
    errno.ENOTDIR: "part of the path is not a folder",
    errno.EISDIR: "it is a folder",
}


def disk_reason(exc: OSError) -> str:
    """Why a file operation failed, as a user would say it ("the disk is full")."""
    return _REASONS.get(exc.errno or 0, exc.strerror or str(exc))
