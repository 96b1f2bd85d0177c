"""No child process outlives the app (issues 11 and 14): what the orphan checks share.

The offline engine runs PocketSphinx in child processes (the final decoder,
the live recogniser).  Their pipe is their lifeline: when the app ends, even
by SIGKILL (no exit handler runs), the pipe closes and the child exits.  The
tests run a small script that starts such a child as the app would, prints
its pid, then either exits or waits to be killed; :func:`wait_exit` then
blocks until that pid has gone.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def wait_exit(pid: int, timeout: float) -> bool:
    """Block until process ``pid`` has exited (a pidfd becomes readable then)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        ready, _, _ = select.select([fd], [], [], timeout)
        return bool(ready)
    finally:
        os.close(fd)


def named(pid: int, want: str, timeout: float = 10.0) -> str | None:
    """Process ``pid``'s name as ``top`` lists it: ``want`` once it has taken it, else
    what it was called at ``timeout`` (``None``: gone).

    A child names itself once it has read what to run, a fork once it runs (see
    captioner.process_name); until then it has its parent's name.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            with open(f"/proc/{pid}/comm") as comm:
                name = comm.read().strip()
        except FileNotFoundError:
            return None
        if name == want or time.monotonic() > deadline:
            return name
        time.sleep(0.02)


@contextmanager
def app_like(
    script: str, mode: str, *, lines_before_pid: int = 0
) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """Run ``script`` (Python source) with argument ``mode`` as the app runs: from the
    project root, ``-X dev``, ResourceWarnings as errors, stdin/stdout/stderr piped.

    Yields the process and the child pid it prints (after ``lines_before_pid``
    other lines); the process is killed on the way out if it still runs.
    """
    process = subprocess.Popen(
        [sys.executable, "-X", "dev", "-W", "error::ResourceWarning", "-c", script, mode],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with process:  # its pipes are closed on the way out
        try:
            assert process.stdout is not None
            for _ in range(lines_before_pid):
                process.stdout.readline()
            yield process, int(process.stdout.readline())
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()


def live_children(cmdline_part: bytes) -> list[int]:
    """This process's live (not zombie) children whose command line holds ``cmdline_part``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue  # gone meanwhile
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == os.getpid() and state != "Z" and cmdline_part in cmdline:
            found.append(int(entry.name))
    return sorted(found)


def recogniser_children() -> list[int]:
    """This process's live children that run an offline recogniser, by pid."""
    return live_children(b"offline.child")
