"""Waiting for a finished run's worker: nothing of it may outlive the app's end.

The worker says STOPPED as its last act and is still returning from that call
when the GUI learns the run ended.  A self-test that returned from ``main`` then
(its status printed, "PASS") crashed now and then in that thread's last lines
(SIGSEGV while the interpreter finalized: CI, and 1 in ~50 runs here).
"""

from __future__ import annotations

import gc
import threading
import time
import weakref

from captioner.engines.base import AudioSource, EngineListener, WorkerEngine
from captioner.ui.controller import CaptionController
from tests.engines.test_assemblyai import SilenceSource

LINGER_S = 0.5


class LingeringEngine(WorkerEngine):
    """Reads its source to the end, then takes a while to unwind after saying STOPPED."""

    name = "lingering"

    def __init__(self, listener: EngineListener) -> None:
        super().__init__(listener)
        self.worker: threading.Thread | None = None

    def _run(self, source: AudioSource) -> None:
        self.worker = threading.current_thread()
        source.open()
        while source.read(0.05):
            pass
        source.close()

    def _guarded_run(self, source: AudioSource) -> None:
        super()._guarded_run(source)  # STOPPED said here
        time.sleep(LINGER_S)


def test_join_after_the_run_ended_waits_for_its_worker_yet_keeps_nothing(qtbot) -> None:  # type: ignore[no-untyped-def]
    controller = CaptionController()
    engines: list[LingeringEngine] = []

    def factory(listener: EngineListener) -> LingeringEngine:
        engines.append(LingeringEngine(listener))
        return engines[-1]

    controller.new_transcript()
    controller.start(factory, SilenceSource(chunks=10))
    qtbot.waitUntil(lambda: not controller.running, timeout=10_000)
    worker = engines[0].worker
    assert worker is not None and worker.is_alive()  # still unwinding
    assert controller.join(5)
    assert not worker.is_alive(), "join() returned while the ended run's worker still ran"
    # The ended engine is not kept for it (an offline engine holds its model).
    gone = weakref.ref(engines.pop())
    del worker
    gc.collect()
    assert gone() is None, "the controller keeps the last run's engine alive"
