"""A Start that waits before its run begins, and can be cancelled while it does.

Between Start and the run there may be a wait: the inputs still being looked
for, imports on a worker, above all the system keyring, which may wait for an
unlock prompt or a D-Bus timeout (~25 s), or for good.  The input is often
already capturing by then.  The user must be able to back out: the Start/Stop
control offers Cancel meanwhile (:attr:`PendingStart.changed`), and Cancel lets
go of the input at once.

The answer the Start was waiting for still arrives later, on the GUI thread.
It must begin nothing, not even when a newer Start is waiting by then; so each
Start is an *attempt* with a number of its own, and an answer is delivered only
to the attempt that asked for it (:meth:`PendingStart.answer`), never to a flag
that a newer Start has set again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QObject, Signal

from captioner.engines.base import AudioSource

T = TypeVar("T")


class PendingStart(QObject):
    """The one Start that may be waiting, its attempt number and the input it opened.

    Signals:
        changed(bool): a Start began to wait (True), or its wait is over (False):
            its run began, it failed, or it was cancelled.
    """

    changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._attempt = 0
        self._active = False
        self._source: AudioSource | None = None

    @property
    def active(self) -> bool:
        """Whether a Start is waiting for something before its run begins."""
        return self._active

    def wait(self, source: AudioSource | None = None) -> int:
        """The Start waits (again); ``source`` is the input it already opened, if any.

        Returns the attempt whose answers count: a new one when the Start had
        not been waiting yet, the same one when it waits for a second thing
        (the keyring, then the engine's import).
        """
        if source is not None:
            self._source = source
        if not self._active:
            self._attempt += 1
            self._active = True
            self.changed.emit(True)
        return self._attempt

    def current(self, attempt: int) -> bool:
        """Whether ``attempt`` is the Start still waiting (not cancelled, not replaced)."""
        return self._active and attempt == self._attempt

    def answer(self, attempt: int, then: Callable[[T], None]) -> Callable[[T], None]:
        """``then``, run with the awaited answer only while ``attempt`` is still waiting.

        The answer of a cancelled Start is dropped: its input is already closed,
        and a run it began would start by surprise (or take a newer Start's place).
        """

        def deliver(value: T) -> None:
            if self.current(attempt):
                then(value)

        return deliver

    def settle(self) -> None:
        """The wait is over: the run begins (it owns the input now) or Start failed."""
        self._source = None
        if self._active:
            self._active = False
            self.changed.emit(False)

    def cancel(self) -> bool:
        """Cancel the waiting Start: close its input off the GUI thread; False if none waits."""
        if not self._active:
            return False
        source = self._source
        self._attempt += 1  # whatever the cancelled attempt still hears is not for anyone
        self.settle()
        if source is not None:
            close_off_gui_thread(source)
        return True


def close_off_gui_thread(source: AudioSource) -> None:
    """Close an input on a thread of its own: one still opening (a slow device, a Bluetooth
    headset waking up) holds its close for up to seconds, which would freeze the window."""
    threading.Thread(target=source.close, name="input-close", daemon=True).start()
