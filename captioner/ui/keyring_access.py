"""Keyring calls off the GUI thread, with the answer delivered back on it.

A keyring call is a D-Bus round trip to the Secret Service or KWallet, and
may wait for the user to unlock a collection: seconds, during which a call
on the GUI thread would freeze the captions.  :func:`off_gui_thread` runs
the call on a short-lived worker thread (one per call, so nothing lingers
once it answers) and hands the result to a callback on the GUI thread
through a queued signal; widgets show a pending state until then.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class OffThreadCall(QObject):
    """One blocking call on a worker thread; ``finished`` carries its result.

    Signals:
        finished(object): the call's return value (on the thread this object lives on).
        failed(object): the exception it raised instead.
    """

    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, call: Callable[[], Any], name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._call = call
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        try:
            result = self._call()
        except Exception as exc:  # reported, never raised into a Qt slot
            log.info("%s failed: %s", self.thread.name, type(exc).__name__)
            self._emit(self.failed, exc)
            return
        self._emit(self.finished, result)

    @staticmethod
    def _emit(signal: Any, value: object) -> None:
        # RuntimeError: the window that asked was closed meanwhile; nobody is waiting.
        with contextlib.suppress(RuntimeError):
            signal.emit(value)


def off_gui_thread(
    call: Callable[[], Any],
    on_done: Callable[[Any], None],
    parent: QObject,
    *,
    on_error: Callable[[Exception], None] | None = None,
    name: str = "keyring",
) -> OffThreadCall:
    """Run ``call`` on a worker thread; ``on_done(result)`` runs on ``parent``'s thread.

    The answer is dropped if ``parent`` is deleted first (a dialog closed
    while the keyring was still thinking).
    """
    task = OffThreadCall(call, name, parent)
    task.finished.connect(on_done)
    task.finished.connect(task.deleteLater)
    if on_error is not None:
        task.failed.connect(on_error)
    task.failed.connect(task.deleteLater)
    task.start()
    return task
