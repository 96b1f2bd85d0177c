"""The single-instance name is claimed by one launch at a time (see single_instance).

A socket file is bound a moment before it listens: a launch at the same instant
found it refusing, took it for a crashed instance's, removed it and bound its
own, so both ran, one unreachable (or its bind failed: a launch nobody can
reach). A threaded probe of six claims at once: 57 rounds of 300 went wrong
without this lock, none with it.

On Linux the lock is a socket bound in the abstract namespace: no file to
leave behind, and released by the kernel when its holder closes it or dies.
Elsewhere it is ``flock`` on a lock file beside the socket, which stays (empty):
removing it would reopen the race. A lock held for long (a launch stopped
mid-claim) is waited for only briefly; then the claim goes ahead anyway.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import socket
import time
from collections.abc import Callable, Iterator

log = logging.getLogger(__name__)

# How long a claim waits for another launch's (it holds the lock for a probe at most).
CLAIM_LOCK_WAIT_S = 2.0
_RETRY_S = 0.005


@contextlib.contextmanager
def one_claim_at_a_time(path: str) -> Iterator[None]:
    """Hold the claim lock for ``path`` (the name's socket file) while inside."""
    with contextlib.ExitStack() as held:
        take = _abstract_lock(path, held) or _file_lock(path, held)
        if take is not None:
            deadline = time.monotonic() + CLAIM_LOCK_WAIT_S
            while not take():
                if time.monotonic() > deadline:
                    log.warning("Another launch is claiming %s; claiming it anyway", path)
                    break
                time.sleep(_RETRY_S)
        yield


def _abstract_lock(path: str, held: contextlib.ExitStack) -> Callable[[], bool] | None:
    """A try-to-take function for a Linux abstract socket named after ``path``; None elsewhere."""
    mutex = held.enter_context(socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))
    address = "\0" + path + ".claim"

    def take() -> bool:
        try:
            mutex.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return False
            raise
        return True

    try:
        if take():
            return lambda: True
    except OSError:  # no abstract namespace here (not Linux)
        return None
    return take


def _file_lock(path: str, held: contextlib.ExitStack) -> Callable[[], bool] | None:
    """A try-to-take function for ``flock`` on ``path``.lock; None if no lock can be had."""
    try:
        import fcntl

        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path + ".lock", flags, 0o600)  # not through a link planted in /tmp
    except (ImportError, OSError):
        return None  # the claim is as good as it can be without
    held.callback(os.close, fd)  # and with it the lock

    def take() -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    return take
