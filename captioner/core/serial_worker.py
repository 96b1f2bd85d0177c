"""One background thread that runs tasks in order, and exists only while there is work.

The session index reads journals off the GUI thread, one request after
another (a listing, then a search, then a load: each sees what the one
before it left).  A thread that stays parked forever would have to be shut
down by whoever owns the index — and every short-lived owner (a test, a
window) would have to remember; a thread that ends when the queue is empty
needs no shutdown, and starting one again costs about 0.1 ms.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

log = logging.getLogger(__name__)


class SerialWorker:
    """Runs submitted callables one at a time, first in first out, on a worker thread.

    A task that raises is logged and the next one runs: a bad journal must
    not stop the history from answering.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._tasks: deque[Callable[[], None]] = deque()
        self._idle = threading.Condition()
        self._thread: threading.Thread | None = None  # the one running tasks, if any
        self._last: threading.Thread | None = None  # the one that ran the last task

    def submit(self, task: Callable[[], None]) -> None:
        with self._idle:
            self._tasks.append(task)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._last = self._thread
                self._thread.start()

    def _run(self) -> None:
        while True:
            with self._idle:
                if not self._tasks:
                    self._thread = None
                    self._idle.notify_all()
                    return
                task = self._tasks.popleft()
            try:
                task()
            except Exception:
                log.exception("%s: task failed", self._name)

    @property
    def busy(self) -> bool:
        with self._idle:
            return self._thread is not None

    def join(self, timeout: float) -> bool:
        """Wait until every submitted task has run and the thread has ended; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._idle:
            if not self._idle.wait_for(lambda: self._thread is None, timeout):
                return False
            last = self._last
        if last is not None and last is not threading.current_thread():
            last.join(max(0.0, deadline - time.monotonic()))
            return not last.is_alive()
        return True
