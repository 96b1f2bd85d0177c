"""A bounded buffer of recent audio, addressed by the session clock.

The cloud engine keeps the last minute or so of captured audio here so that
speech captured while the connection was down can still be transcribed once
it is back (the "backfill").  Every chunk is stored with its place on the
session clock (milliseconds of audio captured since the run started), and
the oldest chunks are dropped once the buffer holds ``capacity_ms``.
"""

from __future__ import annotations

import threading
from collections import deque

CHUNK_MS = 50


class AudioRing:
    """Fixed-size 50 ms chunks kept for at most ``capacity_ms``; thread-safe."""

    def __init__(self, capacity_ms: int, chunk_ms: int = CHUNK_MS) -> None:
        if capacity_ms < chunk_ms:
            raise ValueError("the audio buffer must hold at least one chunk")
        self._chunk_ms = chunk_ms
        self._max_chunks = capacity_ms // chunk_ms
        self._chunks: deque[bytes] = deque()
        self._first_ms = 0  # session time of self._chunks[0]
        self._lock = threading.Lock()

    @property
    def capacity_ms(self) -> int:
        return self._max_chunks * self._chunk_ms

    @property
    def start_ms(self) -> int:
        """Session time of the oldest chunk still held."""
        with self._lock:
            return self._first_ms

    @property
    def end_ms(self) -> int:
        """Session time just after the newest chunk."""
        with self._lock:
            return self._first_ms + len(self._chunks) * self._chunk_ms

    @property
    def full(self) -> bool:
        """True once the oldest audio is being dropped to make room."""
        with self._lock:
            return len(self._chunks) >= self._max_chunks

    def append(self, chunk: bytes) -> None:
        with self._lock:
            self._chunks.append(chunk)
            while len(self._chunks) > self._max_chunks:
                self._chunks.popleft()
                self._first_ms += self._chunk_ms

    def slice(self, start_ms: int, end_ms: int) -> tuple[int, list[bytes]]:
        """Chunks covering ``[start_ms, end_ms)`` as far as they are still held.

        Returns the session time of the first chunk returned (later than
        ``start_ms`` when the oldest part has already been dropped) and the
        chunks.  ``start_ms`` is rounded down to a chunk boundary.
        """
        with self._lock:
            first = max(start_ms - start_ms % self._chunk_ms, self._first_ms)
            stop = min(end_ms, self._first_ms + len(self._chunks) * self._chunk_ms)
            if stop <= first:
                return first, []
            i = (first - self._first_ms) // self._chunk_ms
            j = -(-(stop - self._first_ms) // self._chunk_ms)
            return first, [self._chunks[k] for k in range(i, j)]
