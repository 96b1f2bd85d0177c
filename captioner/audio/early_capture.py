"""Capture that starts the moment Start is pressed, and keeps everything until the engine reads.

An engine opens its source only when it is ready: the offline engine after
loading its model, the cloud engine after checking its settings.  Opening the
device then lost the first second or two of speech (and the level meter sat
still meanwhile).  :class:`EarlyCapture` opens the device on a thread of its
own at once and queues every chunk; the engine's ``open()`` only waits for that
open to have happened (and raises its error), and ``read()`` hands out the
queued chunks in order.  The queue is bounded (30 s by default): if the engine
falls that far behind, the oldest audio is dropped and ``on_overflow`` says so
once, in words for the user.

Each hop between threads costs a wake-up per 50 ms chunk, which an app open all
day pays 1,200 times a minute (issue 14).  So a source that can hand its chunks
over on its own capture thread (``push_to``, as sound-server capture does) is not
read by a thread of ours, and a reader that only passes chunks on (the cloud
engine's pipe to its host) can ask for them with :meth:`EarlyCapture.forward`
instead of reading.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from captioner.audio.errors import AudioError
from captioner.audio.pcm import CHUNK_MS

log = logging.getLogger(__name__)

DEFAULT_BUFFER_S = 30.0
# How long the capture thread waits for a chunk before checking for close().
_POLL_S = 0.1
# How long one read of a source that close() can wake may wait (see _capture).
_WOKEN_WAIT_S = 5.0
# close() waits this long at most for the device to be released (a hung driver).
_CLOSE_WAIT_S = 5.0


class _Source(Protocol):
    name: str

    def open(self) -> None: ...

    def read(self, timeout: float) -> bytes | None: ...

    def close(self) -> None: ...


class EarlyCapture:
    """An audio source that captures from :meth:`start` on and buffers until read.

    Implements the engines' ``AudioSource`` (``open``/``read``/``close``) over
    ``inner`` and forwards ``name``, ``level`` and ``is_system_audio``.
    :meth:`read_stamped` also gives when each chunk arrived, so call mode can
    line up two sides captured ahead of their reader.

    Threading: one capture thread reads ``inner``; ``read`` is called by the
    engine's thread; ``close`` may be called from any thread and waits (~0.1 s)
    for the capture thread to release the device.  An engine closes its
    source on its own thread, so the GUI thread's later ``close`` (at the end
    of a run) finds it done.
    """

    def __init__(
        self,
        inner: _Source,
        *,
        buffer_s: float = DEFAULT_BUFFER_S,
        on_overflow: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.inner = inner
        self._max_chunks = max(1, math.ceil(buffer_s * 1000 / CHUNK_MS))
        self._buffer_s = buffer_s
        self._on_overflow = on_overflow
        self._clock = clock
        self._chunks: deque[tuple[float, bytes]] = deque()
        self._cond = threading.Condition()
        self._opened = threading.Event()  # the open attempt is over (either way)
        self._open_error: AudioError | None = None
        self._ended = False  # no more chunks will come (end, failure or close)
        self._failure: AudioError | None = None
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None
        self._send: Callable[[bytes], object] | None = None  # see forward()
        self._on_end: Callable[[], object] | None = None  # see forward()
        self.dropped = 0

    # -- what the source is ------------------------------------------------

    @property
    def name(self) -> str:
        """The inner source's (system audio following the default output renames itself)."""
        return self.inner.name

    @property
    def level(self) -> float:
        """The inner source's level (0..1 RMS): live from :meth:`start`, not from the engine."""
        level = getattr(self.inner, "level", 0.0)
        return float(level) if isinstance(level, int | float) else 0.0

    @property
    def is_system_audio(self) -> bool:
        return bool(getattr(self.inner, "is_system_audio", False))

    @property
    def buffered_s(self) -> float:
        """Seconds of audio captured and not yet read."""
        with self._cond:
            return len(self._chunks) * CHUNK_MS / 1000

    # -- capture -----------------------------------------------------------

    def start(self) -> None:
        """Open the device and begin capturing, on a thread of its own (returns at once)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(
            target=self._capture, name=f"early-capture {self.name}", daemon=True
        )
        self._thread.start()

    def _capture(self) -> None:
        push_to = getattr(self.inner, "push_to", None)
        if push_to is not None:  # chunks come to _keep on the source's own thread
            push_to(self._keep)
        try:
            self.inner.open()
        except AudioError as exc:
            self._open_error = exc
            self._finish(None)
            return
        except Exception as exc:  # a bug: the engine must still hear of it
            log.exception("Opening %s failed", self.name)
            self._open_error = AudioError(f"Cannot open “{self.name}”: {exc}.")
            self._finish(None)
            return
        finally:
            self._opened.set()
        failure: AudioError | None = None
        # A source that close() can wake is read without a poll: when its chunks
        # are pushed this thread only waits for the end (issue 14).
        wait_s = _WOKEN_WAIT_S if hasattr(self.inner, "wake") else _POLL_S
        try:
            while not self._closing.is_set():
                try:
                    chunk = self.inner.read(wait_s)
                except AudioError as exc:
                    failure = exc
                    break
                if chunk is None:  # also when pushed: the read only watches for the end
                    continue
                if chunk == b"":
                    break
                self._keep(chunk)
        finally:
            with contextlib.suppress(Exception):  # a vanished device must not raise here
                self.inner.close()
            self._finish(failure)

    def _keep(self, chunk: bytes) -> None:
        """A chunk from the source (the capture thread, or the source's own when pushed)."""
        overflowed = False
        with self._cond:
            if self._closing.is_set():
                return
            send = self._send
            if send is None:
                self._chunks.append((self._clock(), chunk))
                if len(self._chunks) > self._max_chunks:
                    self._chunks.popleft()
                    self.dropped += 1
                    overflowed = self.dropped == 1
                self._cond.notify_all()
        if send is not None:  # outside the lock: chunks come from one thread, in order
            send(chunk)
        elif overflowed:
            message = (
                f"Captioning fell more than {self._buffer_s:g} s behind “{self.name}”: "
                "the oldest audio was dropped."
            )
            log.warning(message)
            if self._on_overflow is not None:
                self._on_overflow(message)

    def _finish(self, failure: AudioError | None) -> None:
        with self._cond:
            self._failure = failure
            self._ended = True
            self._cond.notify_all()
            on_end = self._on_end
        if on_end is not None:
            on_end()

    # -- AudioSource -------------------------------------------------------

    def open(self) -> None:
        """Wait until the device is open (started by :meth:`start`); its error if it failed."""
        self.start()
        while not self._opened.wait(_POLL_S):
            if self._closing.is_set():
                return
        if self._open_error is not None:
            raise self._open_error

    def forward(
        self, send: Callable[[bytes], object], on_end: Callable[[], object] | None = None
    ) -> None:
        """Hand every chunk to ``send`` from now on: first those queued, then each as it comes.

        For a reader that only passes chunks on (the cloud engine's pipe to its
        host): it saves that reader a wake-up per chunk.  ``send`` runs on the
        capture thread, must not raise, and should not block for long (the
        source's own buffer fills meanwhile).  :meth:`read` then returns no
        chunks: only the end (``b""``) or the device's failure.  ``on_end`` is
        called once capture has ended (at once if it already has), so the
        reader can sleep until then instead of polling :meth:`read`.
        """
        with self._cond:  # the capture thread waits: nothing overtakes the backlog
            while self._chunks:
                send(self._chunks.popleft()[1])
            self._send = send
            self._on_end = on_end
            ended = self._ended
        if ended and on_end is not None:
            on_end()

    def read_stamped(self, timeout: float) -> tuple[float, bytes] | None:
        """Like :meth:`read`, with the time the chunk was captured (``(t, b"")`` at the end)."""
        deadline = self._clock() + max(0.0, timeout)
        with self._cond:
            while not self._chunks:
                if self._closing.is_set():
                    return self._clock(), b""
                if self._ended:
                    if self._failure is not None:
                        raise self._failure
                    return self._clock(), b""
                remaining = deadline - self._clock()
                if remaining <= 0:
                    return None
                self._cond.wait(min(remaining, _POLL_S))
            return self._chunks.popleft()

    def read(self, timeout: float) -> bytes | None:
        """The oldest chunk not yet read; ``None`` if none within ``timeout``; ``b""`` at the end.

        A device lost mid-run raises its :class:`AudioError` once what it
        delivered before has been read.
        """
        got = self.read_stamped(timeout)
        return None if got is None else got[1]

    def close(self) -> None:
        """Stop capturing and release the device; idempotent.

        Returns once the capture thread has closed the device (within about
        0.1 s): PortAudio may be re-initialised (⟳) right after a run ends, and
        must not find this stream still open.
        """
        self._closing.set()
        with self._cond:
            self._chunks.clear()
            self._cond.notify_all()
        wake = getattr(self.inner, "wake", None)
        if wake is not None:
            wake()  # its read returns, and the capture thread sees the close
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(_CLOSE_WAIT_S)
