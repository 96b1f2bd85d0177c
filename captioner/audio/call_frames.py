"""Call frames: 50 ms of the microphone followed by the same 50 ms of system audio.

The format :class:`~captioner.audio.call.CallSources` hands engines (see its
module), with the two helpers every reader of it needs, a chunk's level for
the call panel's meters, and how the early chunks of one side are told apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from captioner.audio.convert import CHUNK_BYTES

FRAME_BYTES = 2 * CHUNK_BYTES


def join_frame(mic: bytes, system: bytes) -> bytes:
    """One call frame from one chunk of each side."""
    if len(mic) != CHUNK_BYTES or len(system) != CHUNK_BYTES:
        raise ValueError(f"call frames join two {CHUNK_BYTES}-byte chunks")
    return mic + system


def split_frame(frame: bytes) -> tuple[bytes, bytes]:
    """``(mic, system)`` chunks of a call frame."""
    if len(frame) != FRAME_BYTES:
        raise ValueError(f"a call frame has {FRAME_BYTES} bytes, not {len(frame)}")
    return frame[:CHUNK_BYTES], frame[CHUNK_BYTES:]


def chunk_level(chunk: bytes) -> float:
    """RMS of a 16-bit chunk, 0..1."""
    samples = np.frombuffer(chunk, dtype="<i2").astype(np.float32)
    if samples.size == 0:
        return 0.0
    return float(np.sqrt(np.mean(np.square(samples)))) / 32768.0


def heard_alone(
    pending: Iterable[tuple[float, bytes]], other: Sequence[tuple[float, bytes]], max_wait: float
) -> int:
    """How many of a side's first ``pending`` (stamp, chunk) go out beside silence.

    Those heard ``max_wait`` or more before the other side's oldest queued
    chunk (as ``CallSources`` frames them): a side that started earlier.
    """
    if not other:
        return 0
    alone_until = other[0][0] - max_wait + 1e-6  # stamps on a 50 ms grid must not flicker
    count = 0
    for stamp, _ in pending:
        if stamp > alone_until:
            break
        count += 1
    return count
