"""A file as an audio source: any format libsndfile reads, paced as if it were live.

Implements :class:`captioner.engines.base.AudioSource` like a capture device
(see :mod:`captioner.audio.source`), so every engine and test can caption a
file; with ``realtime=False`` it goes as fast as the reader asks.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from captioner.audio.audiofile import AudioFileError, AudioFileReader
from captioner.audio.convert import CHUNK_MS, PcmConverter
from captioner.audio.errors import AudioError, reason

CHUNK_SECONDS = CHUNK_MS / 1000


class WavFileSource:
    """Streams a WAV file as if it were a live device (or as fast as asked).

    The file is read a few hundred milliseconds at a time.  With
    ``realtime=True`` chunk *n* is released at ``start + n × 50 ms`` (start =
    first read) and the end-of-stream ``b""`` at ``start + N × 50 ms``, so a
    slow reader catches up instead of accumulating drift; ``clock`` and
    ``sleep`` are injectable so tests need not wait.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        realtime: bool = True,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        block_seconds: float = 0.25,
        on_warning: Callable[[str], None] | None = None,
    ) -> None:
        self.path = Path(path)
        self.name = self.path.name
        self.realtime = realtime
        self._clock = clock
        self._sleep = sleep
        self._block_seconds = block_seconds
        self._reader: AudioFileReader | None = None
        self.warning: str | None = None  # e.g. a damaged header, read anyway
        # Called (on the thread that opens the source) with that warning, so the
        # GUI can show it: logging it alone left the user unaware.
        self._on_warning = on_warning
        self._converter: PcmConverter | None = None
        self._chunks: deque[bytes] = deque()
        self._opened = False
        self._eof = False
        self._start: float | None = None
        self._sent = 0
        self.duration_s: float | None = None
        self.samplerate: int | None = None
        self.channels: int | None = None

    def __enter__(self) -> WavFileSource:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def open(self) -> None:
        """Validate the file and prepare to stream it; raises :class:`AudioError`."""
        self.close()
        try:
            reader = AudioFileReader(self.path)
        except FileNotFoundError as exc:
            raise AudioError(f"Audio file not found: {self.path}") from exc
        except AudioFileError as exc:
            raise AudioError(f"“{self.path}” is not a readable audio file: {exc}.") from exc
        except OSError as exc:
            why = exc.strerror or reason(exc)
            raise AudioError(f"“{self.path}” is not a readable audio file: {why}.") from exc
        self.warning = reader.warning
        if reader.warning and self._on_warning is not None:
            self._on_warning(reader.warning)
        info = reader.info
        self._reader = reader
        self._converter = PcmConverter(info.sample_rate, info.channels)
        self._chunks.clear()
        self._eof = False
        self._start = None
        self._sent = 0
        self._opened = True
        self.duration_s = info.duration_s
        self.samplerate = info.sample_rate
        self.channels = info.channels

    def read(self, timeout: float) -> bytes | None:
        """Next chunk (paced when ``realtime``); ``None`` if not due within ``timeout``.

        Returns ``b""`` at the end of the file and on every call after it.
        """
        if not self._opened:
            raise RuntimeError(f"read() called before open() on “{self.name}”")
        chunk = self._next_chunk()
        if self.realtime:
            now = self._clock()
            if self._start is None:
                self._start = now
            due = self._start + self._sent * CHUNK_SECONDS
            if due > now:
                self._sleep(min(due - now, max(timeout, 0.0)))
                if self._clock() < due - 1e-4:  # not due yet: keep it for the next call
                    if chunk:
                        self._chunks.appendleft(chunk)
                    return None
        if chunk:
            self._sent += 1
        return chunk

    def close(self) -> None:
        """Release the file; later reads return ``b""``.  Idempotent."""
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.close()
        self._chunks.clear()
        self._eof = True

    def _next_chunk(self) -> bytes:
        while not self._chunks and not self._eof:
            reader, converter = self._reader, self._converter
            if reader is None or converter is None:
                self._eof = True
                break
            try:
                block = reader.read(max(1, round(reader.info.sample_rate * self._block_seconds)))
            except (AudioFileError, RuntimeError) as exc:  # RuntimeError: libsndfile
                self._close_reader()
                self._eof = True
                raise AudioError(f"“{self.path}” cannot be read to the end: {exc}.") from exc
            if block.shape[0] == 0:
                self._chunks.extend(converter.flush())
                self._close_reader()
            else:
                self._chunks.extend(converter.feed(block))
        return self._chunks.popleft() if self._chunks else b""

    def _close_reader(self) -> None:
        """End of data: release the file handle early but keep queued chunks."""
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.close()
        self._eof = True
