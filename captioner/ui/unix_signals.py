"""Ctrl+C, SIGTERM and SIGHUP while the Qt loop runs: stop captioning properly, then quit.

SIGHUP is what a closed terminal sends the app it launched; left at its default it
killed the app outright, so a cloud session was never terminated (the service kept
billing until its timeout) and the journal had no end record.  It takes the same
quit path as SIGTERM: nobody is there to ask, so unsaved sessions go to the fallback.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import sys
from collections.abc import Callable

from PySide6.QtCore import QSocketNotifier, QTimer


def _quit_signals() -> tuple[signal.Signals, ...]:
    """The signals that mean "quit now, saving what you can" on this platform."""
    if sys.platform == "win32":
        return (signal.SIGINT,)
    return (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def install_signal_handlers(on_signal: Callable[[], None]) -> QSocketNotifier | None:
    """Route SIGINT, SIGTERM and SIGHUP into the Qt loop.

    Python runs signal handlers only when the interpreter gets control, which
    a C++ event loop may not give it for a long time; a wake-up socket that
    Qt watches makes Ctrl+C act at once.
    """
    if sys.platform == "win32":
        signal.signal(signal.SIGINT, lambda *_: QTimer.singleShot(0, on_signal))
        return None
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
    for signum in _quit_signals():
        signal.signal(signum, lambda *_: None)
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read)

    def drain() -> None:
        with contextlib.suppress(OSError):
            reader.recv(64)
        on_signal()

    notifier.activated.connect(drain)
    notifier._sockets = (reader, writer)  # type: ignore[attr-defined]  # keep them alive
    return notifier


def restore_signal_handlers() -> None:
    if sys.platform != "win32":
        signal.set_wakeup_fd(-1)
    for signum in _quit_signals():
        signal.signal(
            signum, signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL
        )
