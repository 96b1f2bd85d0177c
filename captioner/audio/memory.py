"""An audio source fed by code: chunks are pushed in, an engine reads them out.

The cloud engine uses it to run the offline engine on the live audio while
the connection is down (provisional captions), without opening the device a
second time.
"""

from __future__ import annotations

import queue


class PushSource:
    """An :class:`~captioner.engines.base.AudioSource` whose chunks come from :meth:`push`.

    :meth:`end` makes the reader see the end of the stream after the chunks
    already pushed.  The queue is bounded so a stalled reader cannot make it
    grow without limit; chunks that do not fit are dropped (``dropped``).
    """

    def __init__(self, name: str = "live audio", max_chunks: int = 1200) -> None:
        self.name = name
        self._queue: queue.Queue[bytes] = queue.Queue(maxsize=max_chunks)
        self.dropped = 0

    def open(self) -> None:
        pass

    def push(self, chunk: bytes) -> None:
        try:
            self._queue.put_nowait(chunk)
        except queue.Full:
            self.dropped += 1

    def end(self) -> None:
        """The reader gets ``b""`` once it has read everything pushed before this."""
        while True:
            try:
                self._queue.put_nowait(b"")
                return
            except queue.Full:  # make room: the end matters more than one old chunk
                try:
                    self._queue.get_nowait()
                    self.dropped += 1
                except queue.Empty:
                    pass

    def read(self, timeout: float) -> bytes | None:
        try:
            chunk = self._queue.get(timeout=max(timeout, 0.0))
        except queue.Empty:
            return None
        if chunk == b"":
            self._queue.put_nowait(b"")  # every later read sees the end too
        return chunk

    def close(self) -> None:
        pass
