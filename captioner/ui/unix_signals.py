"""Ctrl+C, SIGTERM and SIGHUP while the Qt loop runs: stop captioning properly, then quit.

SIGHUP is what a closed terminal sends the app it launched; left at its default it
killed the app outright, so a cloud session was never terminated (the service kept
billing until its timeout) and the journal had no end record.  It takes the same
quit path as SIGTERM: nobody is there to ask, so unsaved sessions go to the fallback.

The quit is orderly, but the exit status still says a signal ended the app: 128 + N
(130 Ctrl+C, 143 SIGTERM, 129 SIGHUP), as the shell reports a job it killed, as an
early Ctrl+C exits (``captioner.__main__``) and as ``captioner transcribe`` does.  A
script that ran ``timeout 60 captioner …`` or pressed Ctrl+C learns the app was
stopped, not that it finished; a Quit from the window or tray stays 0.
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


class QuitBySignal:
    """Quits on a signal and remembers the first one, for the exit status."""

    def __init__(self, quit_unattended: Callable[[], None]) -> None:
        self._quit = quit_unattended
        self.signum = 0  # none yet

    def __call__(self, signum: int) -> None:
        self.signum = self.signum or signum  # Ctrl+C, then a second one: still 130
        self._quit()

    def exit_status(self) -> int:
        """128 + the signal that quit the app; 0 when none did (Quit)."""
        return 128 + self.signum if self.signum else 0


def install_signal_handlers(on_signal: Callable[[int], None]) -> QSocketNotifier | None:
    """Route SIGINT, SIGTERM and SIGHUP into the Qt loop: ``on_signal(signum)``.

    Python runs signal handlers only when the interpreter gets control, which
    a C++ event loop may not give it for a long time; a wake-up socket that
    Qt watches makes Ctrl+C act at once.  Python writes each signal's number
    to that socket, which is how the slot knows which one came.
    """
    if sys.platform == "win32":
        signal.signal(
            signal.SIGINT, lambda *_: QTimer.singleShot(0, lambda: on_signal(signal.SIGINT))
        )
        return None
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
    for signum in _quit_signals():
        signal.signal(signum, lambda *_: None)
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read)

    def drain() -> None:
        arrived = b""
        with contextlib.suppress(OSError):
            arrived = reader.recv(64)
        if arrived:
            on_signal(arrived[0])

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
