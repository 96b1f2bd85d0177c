"""Capture blocks → 50 ms chunks of 16 kHz mono s16le, and each block's level.

Two ways, chosen when a device opens (see :class:`~captioner.audio.source.DeviceSource`):

* :class:`NativeBlocks`: the device already gives 16 kHz mono 16-bit samples,
  which PulseAudio and PipeWire (the ALSA ``pulse`` device and every named
  source) always can: the blocks *are* chunks, and nothing heavier than the
  standard library is needed.  This is how AssemblyAI's own quickstart
  captures; numpy and soxr (~0.1 s of imports, ~15 MB) stay unloaded, which
  matters on the way from Start (or ``--start``) to the session (issue 14).
* :class:`ConvertedBlocks`: anything else (a sound card that only runs at
  44.1/48 kHz, stereo only): float32 at the device's rate, downmixed and
  resampled with numpy and soxr (:class:`~captioner.audio.convert.PcmConverter`).
"""

from __future__ import annotations

import math
import operator
import sys
from array import array
from typing import TYPE_CHECKING

from captioner.audio.pcm import take_chunks

if TYPE_CHECKING:
    from captioner.audio.convert import PcmConverter

_INT16_FULL_SCALE = 32768.0


def rms_int16(block: bytes) -> float:
    """RMS level (0..1) of 16-bit samples in the machine's byte order."""
    samples = array("h")
    samples.frombytes(block[: len(block) - len(block) % 2])
    if not samples:
        return 0.0
    return math.sqrt(sum(map(operator.mul, samples, samples)) / len(samples)) / _INT16_FULL_SCALE


class NativeBlocks:
    """16 kHz mono int16 blocks in the machine's byte order (PortAudio's and pulse_record's)."""

    dtype = "int16"

    def __init__(self) -> None:
        self._pending = bytearray()

    def feed(self, block: bytes) -> tuple[list[bytes], float]:
        """The complete chunks now available, and the block's RMS level (0..1)."""
        return self.chunks(block), rms_int16(block)

    def chunks(self, block: bytes) -> list[bytes]:
        """The complete chunks now available (the level left for whoever looks at it).

        A block's level costs more than cutting it into chunks (~35 µs for 50 ms
        in pure Python), and a meter looks at most ten times a second of the twenty.
        """
        block = block[: len(block) - len(block) % 2]
        if sys.byteorder == "big":  # chunks are little-endian
            samples = array("h")
            samples.frombytes(block)
            samples.byteswap()
            block = samples.tobytes()
        self._pending.extend(block)
        return take_chunks(self._pending)


class ConvertedBlocks:
    """float32 blocks at the device's rate and channel count, converted with numpy and soxr."""

    dtype = "float32"

    def __init__(self, samplerate: int, channels: int) -> None:
        from captioner.audio.convert import PcmConverter

        self._channels = channels
        self._converter: PcmConverter = PcmConverter(samplerate, channels)

    def feed(self, block: bytes) -> tuple[list[bytes], float]:
        """The complete chunks now available, and the block's RMS level (0..1)."""
        import numpy as np

        from captioner.audio.convert import to_float_mono

        frames = np.frombuffer(block, dtype=np.float32)
        mono = to_float_mono(frames.reshape(-1, self._channels))
        level = float(np.sqrt(np.mean(np.square(mono)))) if mono.size else 0.0
        return self._converter.feed(mono), level
