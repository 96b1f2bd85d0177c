"""Turn arbitrary PCM blocks into the one format every engine consumes.

Engines want 16 kHz mono signed 16-bit little-endian PCM in chunks of exactly
50 ms: AssemblyAI rejects messages outside 50–1000 ms and every chunk becomes one
websocket message, so a converter that emitted "whatever came in" would make
chunk sizes depend on the sound card.  Devices and files deliver any rate, any
channel count and float or integer samples; :class:`PcmConverter` hides all of
that behind ``feed``/``flush``.
"""

from __future__ import annotations

import numpy as np
import soxr

from captioner.audio.pcm import CHUNK_BYTES, CHUNK_MS, CHUNK_SAMPLES, TARGET_RATE, take_chunks

__all__ = [
    "CHUNK_BYTES",
    "CHUNK_MS",
    "CHUNK_SAMPLES",
    "TARGET_RATE",
    "PcmConverter",
    "to_float_mono",
]

_INT16_SCALE = 32768.0


def to_float_mono(block: np.ndarray) -> np.ndarray:
    """Return ``block`` as 1-D float32 in [-1, 1], channels averaged.

    Averaging (not summing) keeps a centred stereo signal at its original level
    and cannot overflow; picking one channel would lose a speaker panned hard to
    the other side.
    """
    data = np.asarray(block)
    if data.dtype == np.int16:
        data = data.astype(np.float32) / _INT16_SCALE
    elif data.dtype != np.float32:
        if np.issubdtype(data.dtype, np.integer):
            raise TypeError(f"unsupported integer sample type {data.dtype} (use int16 or float)")
        data = data.astype(np.float32)
    if data.ndim == 2:
        data = data[:, 0] if data.shape[1] == 1 else data.mean(axis=1, dtype=np.float32)
    elif data.ndim != 1:
        raise ValueError(f"expected shape (frames,) or (frames, channels), got {data.shape}")
    return data


class PcmConverter:
    """Streaming converter: any rate / channels / float32 or int16 → 50 ms s16le chunks.

    One instance per stream: the resampler keeps filter state between blocks so
    block boundaries produce no clicks, and a partial chunk waits for the next
    block instead of being padded.  Not thread-safe; use it from one thread.
    """

    def __init__(self, in_rate: int, in_channels: int) -> None:
        if in_rate <= 0:
            raise ValueError(f"sample rate must be positive, got {in_rate}")
        if in_channels <= 0:
            raise ValueError(f"channel count must be positive, got {in_channels}")
        self.in_rate = int(in_rate)
        self.in_channels = int(in_channels)
        # Resample after the downmix: one channel through the filter instead of N.
        self._resampler: soxr.ResampleStream | None = (
            soxr.ResampleStream(self.in_rate, TARGET_RATE, 1, dtype="float32", quality="HQ")
            if self.in_rate != TARGET_RATE
            else None
        )
        self._pending = bytearray()
        self._flushed = False

    def feed(self, block: np.ndarray) -> list[bytes]:
        """Convert one block; return every complete 1600-byte chunk now available."""
        if self._flushed:
            raise RuntimeError("PcmConverter.feed() called after flush()")
        data = np.asarray(block)
        if data.ndim == 2 and data.shape[1] != self.in_channels:
            raise ValueError(f"expected {self.in_channels} channel(s), got {data.shape[1]}")
        mono = to_float_mono(data)
        if mono.size == 0:
            return []
        if self._resampler is not None:
            mono = self._resampler.resample_chunk(mono)
        return self._append(mono)

    def flush(self) -> list[bytes]:
        """Drain the resampler and return the remaining chunks.

        The final partial chunk is padded with silence only when it holds
        samples, so a stream whose length is a multiple of 50 ms gains nothing.
        """
        if self._flushed:
            return []
        self._flushed = True
        chunks: list[bytes] = []
        if self._resampler is not None:
            tail = self._resampler.resample_chunk(np.zeros(0, dtype=np.float32), last=True)
            chunks.extend(self._append(tail))
        if self._pending:
            self._pending.extend(bytes(CHUNK_BYTES - len(self._pending)))
            chunks.append(bytes(self._pending))
            self._pending.clear()
        return chunks

    def _append(self, mono: np.ndarray) -> list[bytes]:
        if mono.size:
            # A corrupt float file may hold NaN/inf; casting those to int16 is undefined.
            mono = np.nan_to_num(mono, nan=0.0, posinf=1.0, neginf=-1.0)
            # Round rather than truncate so silence stays silence and the error is symmetric.
            scaled = np.clip(np.rint(mono * _INT16_SCALE), -32768, 32767)
            self._pending.extend(scaled.astype("<i2").tobytes())
        return take_chunks(self._pending)
