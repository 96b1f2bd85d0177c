"""A Python child process that runs one function, joined to the parent by a socket pipe.

The offline engine's recognisers run in child processes (see
:mod:`~captioner.engines.offline.live_process` and
:mod:`~captioner.engines.offline.final_process`).  ``multiprocessing``'s
"spawn" start method did that, at a price measured in issue 14: it starts a
*resource tracker* process beside the first child (a whole interpreter, 13 MB,
for semaphores this app never makes), and each child re-imported the app's
``__main__`` (the command line, the engine registry: ~8 MB and 50 ms per child).

:class:`ChildProcess` starts ``python -c`` (or, frozen, the app's own
executable with :data:`CHILD_FLAG`) with one end of a socket pair, sends it the
function to run and its arguments as the first message, and offers the part
of ``multiprocessing.Process`` that the engine uses: ``pid``, ``is_alive``,
``join``, ``kill``, ``exitcode``, ``close``.  The pipe is a
``multiprocessing.connection.Connection`` on both sides, as before.  When the
app dies its end closes, the child reads EOF and exits: no orphans.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import socket
import subprocess
import sys
import weakref
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection
from typing import Any

# The frozen app's entry point turns ``<app> CHILD_FLAG FD`` into :func:`child_main`.
CHILD_FLAG = "--captioner-child"
# How long a child may take to leave after its pipe closed, at exit, before it is killed.
EXIT_GRACE_S = 2.0


def leave_signals_to_the_parent() -> None:
    """In a child: ignore the signals a terminal or service manager sends the whole group.

    Ctrl+C, a closed terminal (SIGHUP), ``timeout`` or a systemd stop (SIGTERM)
    reach every process of the foreground group.  The app ends its run in
    order on each (the line in progress finished, exported); a recogniser that
    died of the same signal first took that line with it.  The child needs no
    signal to end: it exits when its pipe closes (the parent gone, however).
    """
    import signal

    for signum in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, signum):  # SIGHUP: not on Windows
            signal.signal(getattr(signal, signum), signal.SIG_IGN)


class ChildProcess:
    """Runs ``target(conn, *args)`` in a new interpreter; ``conn`` is its end of the pipe."""

    def __init__(
        self, target: Callable[..., Any], args: Sequence[Any], name: str, title: str = ""
    ) -> None:
        self._target = (target.__module__, target.__qualname__)
        self._args = tuple(args)
        self.name = name
        self._title = title  # its name in ``top`` (see captioner.process_name), if any
        self._popen: subprocess.Popen[bytes] | None = None
        self._process: Any = None  # a multiprocessing Process, on Windows
        self._conn: Connection | None = None

    def start(self) -> Connection:
        """Start the child; returns the parent's end of the pipe.  Raises OSError."""
        if sys.platform == "win32":  # no pass_fds there: multiprocessing, as before
            return self._start_multiprocessing()
        ours, theirs = socket.socketpair()
        try:
            fd = theirs.fileno()
            with _ctrl_c_held():
                self._popen = subprocess.Popen(
                    [*_interpreter(), str(fd)],
                    pass_fds=(fd,),
                    stdin=subprocess.DEVNULL,
                    close_fds=True,
                )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()  # the child holds its own copy: EOF reaches us when it dies
        conn = Connection(ours.detach())
        # Small, and the child reads it first: never blocks.  If the child died at
        # once, is_alive() and the first read say so.
        with contextlib.suppress(OSError):
            conn.send((list(sys.path), self._target, self._args, self._title))
        self._conn = conn
        _running.add(self)
        return conn

    def _start_multiprocessing(self) -> Connection:
        import multiprocessing  # Windows only: its spawn needs freeze_support when frozen

        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe(duplex=True)
        process = context.Process(
            target=_run, args=(theirs, self._target, self._args), name=self.name, daemon=True
        )
        try:
            process.start()
        finally:
            theirs.close()
        self._process = process
        return ours

    @property
    def pid(self) -> int | None:
        if self._process is not None:
            return self._process.pid
        return self._popen.pid if self._popen is not None else None

    def is_alive(self) -> bool:
        if self._process is not None:
            return self._process.is_alive()
        return self._popen is not None and self._popen.poll() is None

    def join(self, timeout: float | None = None) -> None:
        if self._process is not None:
            self._process.join(timeout)
        elif self._popen is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._popen.wait(timeout)

    def kill(self) -> None:
        if self._process is not None:
            self._process.kill()
        elif self.is_alive():
            assert self._popen is not None
            with contextlib.suppress(ProcessLookupError):
                self._popen.kill()

    terminate = kill

    @property
    def exitcode(self) -> int | None:
        """Its exit status once it has ended (negative: the signal that ended it)."""
        if self._process is not None:
            return self._process.exitcode
        return self._popen.poll() if self._popen is not None else None

    def close(self) -> None:
        """Release what is kept of an ended child (nothing is left to reap)."""
        if self._process is not None and self._process.exitcode is not None:
            self._process.close()
        elif self._popen is not None and self._popen.poll() is not None:
            self._popen = None

    def end(self, grace: float = EXIT_GRACE_S) -> None:
        """Close the pipe (the child leaves on EOF), reap it, kill one slower than ``grace``."""
        if self._conn is not None:
            self._conn.close()
        self.join(grace)
        self.kill()
        self.join(grace)
        self.close()


@contextlib.contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Start a child with Ctrl+C blocked: it is held until :func:`child_main` ignores it.

    Ctrl+C reaches the whole group, the children too.  One that had not got as far
    as ignoring it (its interpreter still starting) died with a KeyboardInterrupt
    traceback, "Fatal Python error: init_import_site", and its engine "could not
    load".  A blocked signal stays blocked across exec; in this thread meanwhile it
    is only held back (delivered when unblocked, to the main thread as before).
    """
    import signal

    held = {signal.SIGINT}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


_running: weakref.WeakSet[ChildProcess] = weakref.WeakSet()


@atexit.register
def _end_children() -> None:
    """As multiprocessing did for its daemon children: none outlives a normal exit."""
    for child in list(_running):
        if child.is_alive():
            child.end()


def _interpreter() -> list[str]:
    if getattr(sys, "frozen", False):  # PyInstaller: the app's executable is the interpreter
        return [sys.executable, CHILD_FLAG]
    flags = subprocess._args_from_interpreter_flags()  # -B, -X …: as this interpreter runs
    code = "from captioner.engines.offline.child import child_main; child_main()"
    # The package is found where this process found it (a checkout, a venv, PYTHONPATH).
    package_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    bootstrap = f"import sys; sys.path.insert(0, {package_root!r}); {code}"
    return [sys.executable, *flags, "-c", bootstrap]


def child_main(argv: Sequence[str] | None = None) -> None:
    """In the child: read what to run from the pipe, run it, exit."""
    import signal

    # Blocked since the parent started it (_ctrl_c_held): ignored now, a pending one dropped.
    # Every child leaves Ctrl+C to the parent, which ends its run in order.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):  # POSIX
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    argv = sys.argv[1:] if argv is None else argv
    conn = Connection(int(argv[-1]))
    try:
        path, target, args, title = conn.recv()
    except (EOFError, OSError):
        sys.exit(1)  # the parent went away before saying what to run
    if title:
        from captioner.process_name import name_this_process

        name_this_process(title)
    sys.path[:] = [*path, *(p for p in sys.path if p not in path)]
    _run(conn, target, args)


def _run(conn: Connection, where: tuple[str, str], args: Sequence[Any]) -> None:
    module, qualname = where
    target: Any = importlib.import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    target(conn, *args)
