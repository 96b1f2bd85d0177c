"""Hand a worker thread's answer to the GUI thread, for an owner that may be gone by then.

A worker must never emit a signal on a QObject the GUI thread may delete
meanwhile (a window closed, an app dropped at once): PySide's "already
deleted" check and the emit are not atomic, and losing that race is a
use-after-free (CI saw the segfault: the session index answering a window
deleted in the same instant).  Answers cross instead on one relay object
that lives as long as the process; on the GUI thread, where deletion
happens, the owner is checked and a deleted one's answer dropped.

"As long as the process" ends at exit: PySide's own exit handler deletes every
QObject Python made, the relay too, while daemon threads (an engine's event
reader) may still be answering. So the relay closes first (an exit handler
registered after PySide's runs before it), and an answer after that is dropped
under the same lock, never emitted on a deleted object.
"""

from __future__ import annotations

import atexit
import logging
import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)

Owner = TypeVar("Owner", bound=QObject)


class _Relay(QObject):
    """Carries ``(function, argument)`` from any thread to the GUI thread.

    Made by the first :func:`to_gui` (owners call it from their own init,
    on the GUI thread; one made elsewhere is moved there) and never
    deleted, so a worker can always emit on it, however late its answer
    comes.
    """

    carry = Signal(object, object)

    def __init__(self) -> None:
        super().__init__()
        self.carry.connect(self._call, Qt.ConnectionType.QueuedConnection)

    @Slot(object, object)
    def _call(self, function: Callable[[Any], None], argument: Any) -> None:
        function(argument)


_relay: _Relay | None = None
_open = True  # until exit: then nothing more crosses (see the module's docstring)
_emitting = threading.Lock()


def emit_while_open(signal: Any, *args: Any) -> None:
    """``signal.emit(*args)`` from a worker thread, or nothing once the process exits.

    For a signal of an object that lives until exit (owned by the application);
    a queued emit only posts an event, so the lock is never held long.
    """
    with _emitting:
        if _open:
            signal.emit(*args)


@atexit.register
def close() -> None:
    """No more answers cross: called at exit, before PySide deletes the relay."""
    global _open
    with _emitting:
        _open = False


def _the_relay() -> _Relay:
    global _relay
    if _relay is None:
        relay = _Relay()
        app = QCoreApplication.instance()
        if app is not None and relay.thread() != app.thread():
            relay.moveToThread(app.thread())  # first asked for off the GUI thread
        _relay = relay
    return _relay


def to_gui(owner: Owner, callback: Callable[[Owner, Any], None]) -> Callable[[Any], None]:
    """A function any thread may call: ``callback(owner, value)`` then runs on the GUI thread.

    Call this on the GUI thread (the relay is made there).  Only a weak
    reference to ``owner`` crosses: the worker keeps nothing alive, and an
    owner deleted by the time the answer arrives gets no callback.
    """
    me, carry, kind = weakref.ref(owner), _the_relay().carry, type(owner).__name__

    def on_gui(value: Any) -> None:
        alive = me()
        if alive is None or not shiboken6.isValid(alive):
            log.debug("answer dropped: %s is gone", kind)
            return
        callback(alive, value)

    return lambda value: emit_while_open(carry, on_gui, value)
