"""The fake v3 server's side of ``encoding=opus``: decode each message as one Opus packet.

The real service takes raw Opus packets, one per websocket message, and
decodes them itself; the fake does the same with PyAV's libopus decoder so
that its scripted recogniser is driven by the audio it really decoded (its
duration), and tests can check what went over the wire: every message one
valid packet (its TOC byte's duration equals what the decoder made of it),
the packet sizes, and the decoded speech itself (16 kHz PCM, like a PCM
session's ``audio_bytes``).  Timeline mode does not apply: its coded chunks
(a constant sample value each) do not survive a lossy codec, so Opus sessions
use the script driven by the duration of audio received.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DECODE_RATE = 48000  # libopus decodes at 48 kHz whatever the encoder's rate was
OUT_RATE = 16000


def toc_duration_ms(packet: bytes) -> float | None:
    """The audio duration a raw Opus packet announces (RFC 6716 §3.1), or ``None`` if malformed."""
    if not packet:
        return None
    toc = packet[0]
    config = toc >> 3
    if config < 12:  # SILK: 10, 20, 40, 60 ms
        frame_ms = (10.0, 20.0, 40.0, 60.0)[config % 4]
    elif config < 16:  # hybrid: 10, 20 ms
        frame_ms = (10.0, 20.0)[config % 2]
    else:  # CELT: 2.5, 5, 10, 20 ms
        frame_ms = (2.5, 5.0, 10.0, 20.0)[config % 4]
    code = toc & 0x3
    if code == 0:
        frames = 1
    elif code in (1, 2):
        frames = 2
    else:
        if len(packet) < 2:
            return None
        frames = packet[1] & 0x3F
    duration = frames * frame_ms
    return duration if 0 < duration <= 120 else None


@dataclass
class OpusStream:
    """One session's Opus decoder (the service starts one per session)."""

    packets: list[int] = field(default_factory=list)  # the size of every packet received
    invalid: int = 0  # messages that were not one decodable Opus packet
    _decoder: Any = None
    _resampler: Any = None

    def __post_init__(self) -> None:
        import av
        import soxr

        self._decoder = av.CodecContext.create("libopus", "r")
        self._decoder.sample_rate = DECODE_RATE
        self._decoder.layout = "mono"
        self._resampler = soxr.ResampleStream(DECODE_RATE, OUT_RATE, 1, dtype="int16")

    def decode(self, packet: bytes) -> tuple[bytes, float] | None:
        """16 kHz PCM and the duration (ms) of one packet; ``None``: not one valid packet."""
        import av
        import numpy as np

        announced = toc_duration_ms(packet)
        try:
            frames = self._decoder.decode(av.Packet(packet))
        except Exception:  # libopus refuses it (av.error.InvalidDataError…)
            frames = None
        if announced is None or frames is None:
            self.invalid += 1
            return None
        samples = [f.to_ndarray().reshape(-1) for f in frames]
        pcm48 = np.concatenate(samples) if samples else np.zeros(0, dtype=np.int16)
        if pcm48.dtype != np.int16:  # a float decoder: scale to 16-bit
            pcm48 = np.clip(pcm48 * 32768, -32768, 32767).astype(np.int16)
        decoded_ms = len(pcm48) * 1000 / DECODE_RATE
        if abs(decoded_ms - announced) > 0.01:
            self.invalid += 1  # its TOC byte announces another duration
            return None
        self.packets.append(len(packet))
        pcm16 = self._resampler.resample_chunk(pcm48)
        return pcm16.astype("<i2").tobytes(), decoded_ms
