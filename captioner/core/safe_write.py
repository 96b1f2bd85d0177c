"""Write an export without ever destroying what was at the path before.

``captioner transcribe in.wav -o in.wav`` used to replace the recording with
its transcript and exit 0; ``-o`` onto an existing file overwrote it without
a word, onto a symlink replaced the link by a regular file, and onto a
device node (as root) or a FIFO replaced the node.  Every export path (the
CLI's ``-o``, the main window's and the Sessions window's Export) writes
through :func:`write_bytes`, which:

* refuses a path that is one of the run's inputs (the same inode, so also
  through a symlink or a hard link);
* refuses a symlink, whatever it points to (chosen over writing through it:
  the user sees the link's name, not its target, and a link is often there
  on purpose, e.g. into a shared folder, so we never guess);
* refuses anything that is not a regular file (folder, FIFO, device, socket);
* refuses an existing regular file unless ``overwrite`` is true (the CLI's
  ``--force``; the GUI's save dialog has already asked), raising
  :class:`TargetExists` so the caller can name its own flag;
* writes a temporary file in the target's folder, fsyncs it, and only then
  renames it over the target, so a full disk or a permission error leaves
  the old file exactly as it was (the message says so).

Pure standard library: no Qt, usable from the CLI and from a GUI worker.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from captioner.core.disk import disk_reason
from captioner.core.export_base import ExportError


class TargetExists(ExportError):
    """The target is an existing regular file and overwriting was not allowed."""


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_target(path: str | Path, *, overwrite: bool, inputs: Iterable[str | Path] = ()) -> bool:
    """Raise :class:`ExportError` if writing ``path`` could destroy something.

    Returns whether a regular file is already there (so a failure can say
    the old one was kept).  Cheap: a few ``lstat`` calls, no writing.
    """
    path = Path(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise ExportError(f"Could not write “{path}”: {disk_reason(exc)}.") from exc
    kind = _kind(st.st_mode)
    if kind == "a symbolic link":
        raise ExportError(
            f"Not writing “{path}”: it is a symbolic link (to “{os.readlink(path)}”); "
            "give the path of a regular file instead, so the link is kept."
        )
    if kind is not None:
        raise ExportError(f"Not writing “{path}”: it is {kind}, not a regular file.")
    for source in inputs:
        with contextlib.suppress(OSError):
            if os.path.samefile(path, source):
                raise ExportError(
                    f"Not writing “{path}”: it is the input file “{source}”, "
                    "which the export would destroy. Choose another output name."
                )
    if not overwrite:
        raise TargetExists(f"“{path}” already exists; add --force to overwrite it.")
    return True


def write_bytes(
    path: str | Path,
    data: bytes,
    *,
    overwrite: bool = True,
    inputs: Iterable[str | Path] = (),
) -> None:
    """Write ``data`` so ``path`` is either the old file, untouched, or the whole new one.

    See the module docstring for what is refused.  Raises :class:`ExportError`
    naming the path and, when a file was there, saying it was kept.
    """
    path = Path(path)
    existed = check_target(path, overwrite=overwrite, inputs=inputs)
    kept = " The existing file was left unchanged." if existed else ""
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise ExportError(f"Could not write “{path}”: {disk_reason(exc)}.{kept}") from exc
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(OSError):
            # mkstemp makes 0600 files; an export is an ordinary document.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temp, 0o666 & ~umask)
        _put_in_place(temp, path, overwrite=overwrite, inputs=inputs)
    except ExportError:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise ExportError(f"Could not write “{path}”: {disk_reason(exc)}.{kept}") from exc


def _put_in_place(temp: str, path: Path, *, overwrite: bool, inputs: Iterable[str | Path]) -> None:
    """Rename the finished temp file onto ``path``, checking the target again first.

    The check is repeated because writing took time and something may have
    appeared at ``path`` meanwhile.  Without ``overwrite`` a hard link makes
    the new name atomically *only if* nothing is there (``EEXIST`` otherwise).
    """
    check_target(path, overwrite=overwrite, inputs=inputs)
    if overwrite:
        os.replace(temp, path)
        return
    try:
        os.link(temp, path)
    except FileExistsError as exc:
        raise TargetExists(f"“{path}” already exists; add --force to overwrite it.") from exc
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
        # A filesystem without hard links (FAT, some network shares): the
        # check just above is the best we can do there.
        os.replace(temp, path)
        return
    os.unlink(temp)


def write_text(
    path: str | Path,
    text: str,
    *,
    overwrite: bool = True,
    inputs: Iterable[str | Path] = (),
) -> None:
    """:func:`write_bytes` for UTF-8 text."""
    write_bytes(path, text.encode("utf-8"), overwrite=overwrite, inputs=inputs)
