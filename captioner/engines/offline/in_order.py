"""A thread that runs jobs one at a time, in the order they came: the finals of a run.

A finished utterance is decoded again, whole, in the final-decode process
(about a second for a long line).  Done on the engine's own thread, that wait
stopped the pump: no audio went to the live recogniser meanwhile, so the next
line's first partials came only after the previous line's final, and a
speaker who never pauses saw the captions freeze at every cut.  The engine
hands each finished utterance to an :class:`InOrder` instead and goes on
feeding the live pass; the two passes then run in their two processes at
once, and finals still reach the listener in the order the lines ended.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

Job = Callable[[], None]


class InOrder:
    """Runs each submitted job on one worker thread, first come first served.

    The thread starts with the first job.  :meth:`close` waits for every job
    submitted before it.  A job that raises is logged and the next one runs:
    one line's bug must not cost the lines after it.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._closed = False

    def submit(self, job: Job) -> None:
        """Queue ``job``; it runs after every job submitted before it."""
        if self._closed:
            raise RuntimeError(f"{self._name}: submit after close")
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name=self._name, daemon=True)
            self._thread.start()
        self._jobs.put(job)

    def close(self, timeout: float | None = None) -> bool:
        """Let the queued jobs finish; ``False`` if they were still running at ``timeout``."""
        if not self._closed:
            self._closed = True
            self._jobs.put(None)
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            try:
                job()
            except Exception:  # a bug in one job; the others still run
                log.exception("%s: a job failed", self._name)
