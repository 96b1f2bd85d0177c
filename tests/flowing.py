"""An audio source wrapper for live-capture tests: when audio flows, and how much was read."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from captioner.audio.pcm import TARGET_RATE


class Flowing:
    """Passes an audio source through; says when its first chunk arrived and how much
    audio the reader (the engine) has taken since.

    Real capture can take a couple of seconds to start; tests play their clip
    only once audio flows, so no speech is lost before the stream is live.
    Tests then wait on this audio clock ("the engine has read a second of the
    pause after the clip"), not on the wall clock, which a loaded machine
    stretches: the engine hears the same audio whatever the load.
    """

    def __init__(self, inner: Any) -> None:
        self.inner, self.name, self.flowing = inner, inner.name, threading.Event()
        self._read = threading.Condition()  # an RLock: predicates may read heard_s
        self._bytes = 0

    @property
    def heard_s(self) -> float:
        """Seconds of audio the reader has taken (16 kHz s16 mono, the engines' format)."""
        with self._read:
            return self._bytes / (TARGET_RATE * 2)

    def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Check ``predicate`` after each chunk the reader takes, until it holds or
        ``timeout`` passes (a reader that stopped reading cannot hang a test)."""
        with self._read:
            return self._read.wait_for(predicate, timeout)

    def open(self) -> None:
        self.inner.open()

    def read(self, timeout: float) -> bytes | None:
        chunk = self.inner.read(timeout)
        if chunk:
            with self._read:
                self._bytes += len(chunk)
                self._read.notify_all()
            self.flowing.set()
        return chunk

    def close(self) -> None:
        self.inner.close()
