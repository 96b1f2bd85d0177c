"""Entry point: ``captioner`` and ``python -m captioner``."""

from __future__ import annotations

import atexit
import builtins
import contextlib
import logging
import os
import signal
import sys
import threading
from typing import NoReturn

# Taken before anything imports PySide6 (see prepare_qt).
_PLAIN_IMPORT = builtins.__import__
_THREAD_GRACE_S = 5.0  # a non-daemon thread still running at exit (none of the app's)
EXIT_INTERRUPTED = 128 + signal.SIGINT  # 130: the shell's status for Ctrl+C


def _gone(signum: int, _frame: object) -> None:
    """Ctrl+C while nothing is at stake yet: end at once, quietly (see leave_quietly_on_ctrl_c)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(128 + signum)


def leave_quietly_on_ctrl_c() -> None:
    """Until the app installs its own handlers, Ctrl+C ends the process: status 130, no
    traceback.

    Python's default raised KeyboardInterrupt wherever the start-up happened to be (an
    import, Qt's set-up), printing a traceback; inside a slot Qt called, PySide printed
    it and went on, so the Ctrl+C was lost.  Nothing the user has is at stake before
    the app's handlers take over: the settings are unchanged, a child process leaves
    when its pipe closes, a stale single-instance socket is taken over next time.
    """
    with contextlib.suppress(ValueError):  # not the main thread (an embedding): not ours
        signal.signal(signal.SIGINT, _gone)


def prepare_qt() -> None:
    """Import Qt, then take back PySide6's hook on ``import``, before the app's modules load.

    PySide6 replaces ``builtins.__import__`` to support ``from __feature__
    import snake_case``, which this app does not use, and its hook reads the
    source of every module imported afterwards (``inspect.getsource``, kept in
    ``linecache``): the AssemblyAI SDK imported after Qt took 16 MB more and
    ~40 % longer than imported before it (issue 14).  When Qt was already
    imported before this module (an embedding test or benchmark), nothing changes.
    """
    import PySide6.QtCore  # noqa: F401  (installs the hook)

    builtins.__import__ = _PLAIN_IMPORT


def end_process(status: int) -> NoReturn:
    """Exit now, skipping the interpreter's teardown, once the GUI has quit (issue 14).

    When ``run_gui`` returns, the quit sequence has ended the run and let the
    journals close, the event loop and its executor are closed and the settings
    synced; the threads left are daemons, which Python would not wait for either.
    What the teardown would still do is free every object one at a time (Qt's
    widgets, the transcript, ~140 modules): 0.7-0.8 s between the window closing
    and the process being gone, 0.07-0.12 s without it (benchmarks/stop_profile.py,
    load 8).  The atexit handlers (PortAudio's, multiprocessing's) still run, a
    non-daemon thread is still waited for (bounded), and the log and the
    standard streams are flushed.
    """
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join(_THREAD_GRACE_S)
    leave_quietly_on_ctrl_c()  # the handlers are restored by now: no traceback from here
    atexit._run_exitfuncs()  # what Python runs at exit, in the same order
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # closed, or a pipe nobody reads
            stream.flush()
    os._exit(status)


def keep_stderr() -> None:
    """Point Python's ``sys.stderr`` (so the log and tracebacks) at a copy of fd 2.

    ``sounddevice`` points fd 2 itself at ``/dev/null`` while PortAudio
    initialises (to hide ALSA's noise), from whichever thread scans the inputs,
    and two such scans at once can leave it there for good: a warning or a
    start-up error written meanwhile by any other thread would vanish.  Native
    libraries keep writing to fd 2, so ALSA stays quiet as intended.
    """
    with contextlib.suppress(OSError, ValueError, AttributeError):  # no stderr at all
        copy = os.dup(sys.stderr.fileno())
        stream = sys.stderr
        sys.stderr = os.fdopen(
            copy, "w", buffering=1, encoding=stream.encoding, errors="backslashreplace"
        )


def configure_logging(verbosity: int) -> None:
    level = logging.WARNING - 10 * min(verbosity, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    # websockets logs request headers (the API key) at DEBUG: never let it.
    logging.getLogger("websockets").setLevel(max(level, logging.INFO))


def main(argv: list[str] | None = None) -> int:
    leave_quietly_on_ctrl_c()  # first: the imports below take a while
    from captioner.cli import parse_args

    args = parse_args(argv)
    keep_stderr()
    configure_logging(args.verbose)

    if args.command == "transcribe":
        # KeyboardInterrupt again, caught here: the run's own handlers (StopSignals)
        # take over while it transcribes, and cleanup on the way out still runs.
        with contextlib.suppress(ValueError):
            signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            from captioner.transcribe import run_transcribe

            return run_transcribe(args)
        except KeyboardInterrupt:  # before or after the run: nothing transcribed is lost
            return EXIT_INTERRUPTED

    if args.self_test:
        prepare_qt()
        from captioner.selftest import run_self_test

        return run_self_test()

    from captioner.audio.errors import AudioError

    if args.list_devices:
        from captioner.audio.inventory import format_inventory, scan_inputs

        inventory = scan_inputs(portaudio=True)  # everything --device accepts
        print(format_inventory(inventory))
        # No inputs is an answer; PortAudio failing with nothing else found is a failure.
        return 1 if inventory.problems and not (inventory.devices or inventory.systems) else 0

    if args.input_file:
        from captioner.audio.file_source import WavFileSource

        probe = WavFileSource(args.input_file, realtime=False)
        try:
            probe.open()
        except AudioError as exc:
            print(f"captioner: {exc}", file=sys.stderr)
            return 2
        finally:
            probe.close()

    if args.start and args.engine == "assemblyai":
        # The SDK imports in the cloud engine's own process while the window builds.
        from captioner.engines import cloud_host

        cloud_host.prestart()
    prepare_qt()
    from captioner.app import run_gui

    try:
        status = run_gui(args)
    except Exception:  # a part of the app that does not import (a broken install)
        logging.getLogger("captioner").exception("Captioner could not start")
        status = 1
    # Either way without the interpreter's teardown, which Qt's threads can crash.
    end_process(status)


if __name__ == "__main__":
    # ``python -m captioner`` (``make run``): named as the ``captioner`` command is.
    from captioner.process_name import APP, name_this_process

    name_this_process(APP)
    sys.exit(main())
