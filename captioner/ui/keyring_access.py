"""Keyring calls off the GUI thread, with the answer delivered back on it.

A keyring call is a D-Bus round trip to the Secret Service or KWallet, and
may wait for the user to unlock a collection: seconds, during which a call
on the GUI thread would freeze the captions.  :func:`off_gui_thread` runs
the call on a short-lived worker thread (one per call, so nothing lingers
once it answers) and hands the result to a callback on the GUI thread
through a queued signal; widgets show a pending state until then.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Signal
from shiboken6 import isValid

from captioner.ui.gui_relay import emit_while_open

log = logging.getLogger(__name__)


class OffThreadCall(QObject):
    """One blocking call on a worker thread; ``finished`` carries its result.

    The object is owned by the application, not by whoever asked: the worker
    must never emit on an object the GUI thread has deleted meanwhile (a
    window closed while the keyring was thinking).  It is deleted on the GUI
    thread once its answer has been delivered.

    Signals:
        finished(object): the call's return value (delivered on the GUI thread).
        failed(object): the exception it raised instead.
    """

    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, call: Callable[[], Any], name: str) -> None:
        super().__init__(QCoreApplication.instance())
        self._call = call
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        try:
            result = self._call()
        except Exception as exc:  # reported, never raised into a Qt slot
            log.info("%s failed: %s", self.thread.name, type(exc).__name__)
            emit_while_open(self.failed, exc)
            return
        emit_while_open(self.finished, result)  # an unlock prompt may answer after quit


def off_gui_thread(
    call: Callable[[], Any],
    on_done: Callable[[Any], None],
    parent: QObject,
    *,
    on_error: Callable[[Exception], None] | None = None,
    name: str = "keyring",
) -> OffThreadCall:
    """Run ``call`` on a worker thread; ``on_done(result)`` runs on the GUI thread.

    The answer is dropped if ``parent`` (the window that asked) has been
    deleted by then.
    """
    task = OffThreadCall(call, name)

    def deliver(value: Any, handler: Callable[[Any], None] | None) -> None:
        task.deleteLater()
        if handler is not None and isValid(parent):
            handler(value)

    task.finished.connect(lambda value: deliver(value, on_done))
    task.failed.connect(lambda exc: deliver(exc, on_error))
    task.start()
    return task
