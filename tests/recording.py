"""A listener that records engine events for assertions (thread-safe)."""

from __future__ import annotations

import threading

from captioner.core.transcript import Transcript, TurnUpdate
from captioner.engines.base import EngineError, EngineNotice, EngineState


class RecordingListener:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.partials: list[TurnUpdate] = []
        self.finals: list[TurnUpdate] = []
        self.states: list[tuple[EngineState, str]] = []
        self.errors: list[EngineError] = []
        self.notices: list[EngineNotice] = []
        self.transcript = Transcript()
        self.stopped = threading.Event()
        self.listening = threading.Event()

    def on_partial(self, update: TurnUpdate) -> None:
        with self.lock:
            self.partials.append(update)
            self.transcript.apply(update)

    def on_final(self, update: TurnUpdate) -> None:
        with self.lock:
            self.finals.append(update)
            self.transcript.apply(update)

    def on_state(self, state: EngineState, detail: str) -> None:
        with self.lock:
            self.states.append((state, detail))
        if state is EngineState.LISTENING:
            self.listening.set()
        if state is EngineState.STOPPED:
            self.stopped.set()

    def on_error(self, error: EngineError) -> None:
        with self.lock:
            self.errors.append(error)

    def on_notice(self, notice: EngineNotice) -> None:
        with self.lock:
            self.notices.append(notice)

    def wait_stopped(self, timeout: float = 20) -> None:
        assert self.stopped.wait(timeout), f"engine did not stop; states: {self.states}"
