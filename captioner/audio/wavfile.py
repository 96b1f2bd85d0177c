"""A small streaming WAV reader.

The stdlib :mod:`wave` module reads integer PCM only (no 32-bit float, and no
WAVE_FORMAT_EXTENSIBLE before Python 3.12), yet float and extensible files are
what DAWs and many recorders write.  The RIFF layout is simple enough to parse
directly: find ``fmt `` and ``data``, then read frames from the data chunk a
block at a time so a long recording is never loaded whole.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

WAVE_FORMAT_PCM = 0x0001
WAVE_FORMAT_IEEE_FLOAT = 0x0003
WAVE_FORMAT_EXTENSIBLE = 0xFFFE

_UNKNOWN_SIZE = 0xFFFFFFFF  # streaming writers leave this when they never seek back


class WavFormatError(ValueError):
    """The file is not a WAV file this reader understands; the message says why."""


@dataclass(frozen=True, slots=True)
class WavInfo:
    sample_rate: int
    channels: int
    bits_per_sample: int
    is_float: bool
    frames: int  # frames in the data chunk (clamped to what the file really holds)

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate

    @property
    def frame_bytes(self) -> int:
        return self.channels * self.bits_per_sample // 8


class WavReader:
    """Reads frames from an open WAV file as float32 arrays of shape (frames, channels)."""

    def __init__(self, path: str | Path) -> None:
        self._file: BinaryIO = open(path, "rb")  # noqa: SIM115 - closed by close()
        try:
            self.info, self._data_start = self._parse_header()
        except Exception:
            self._file.close()
            raise
        self._file.seek(self._data_start)
        self._frames_left = self.info.frames

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> WavReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self, max_frames: int) -> np.ndarray:
        """Return up to ``max_frames`` frames; an empty array at the end of the data."""
        count = min(max_frames, self._frames_left)
        info = self.info
        raw = self._file.read(count * info.frame_bytes) if count > 0 else b""
        frames = len(raw) // info.frame_bytes
        self._frames_left = 0 if frames < count else self._frames_left - frames
        raw = raw[: frames * info.frame_bytes]
        return _decode(raw, info).reshape(frames, info.channels)

    def _parse_header(self) -> tuple[WavInfo, int]:
        f = self._file
        header = f.read(12)
        if len(header) < 12 or header[:4] not in (b"RIFF", b"RIFX") or header[8:12] != b"WAVE":
            raise WavFormatError("no RIFF/WAVE header")
        if header[:4] == b"RIFX":
            raise WavFormatError("big-endian (RIFX) WAV files are not supported")
        f.seek(0, 2)
        file_size = f.tell()
        f.seek(12)

        fmt: tuple[int, int, int, int, int] | None = None  # tag, channels, rate, align, bits
        while True:
            chunk_header = f.read(8)
            if len(chunk_header) < 8:
                if fmt is None:
                    raise WavFormatError("no “fmt ” chunk")
                raise WavFormatError("no “data” chunk")
            chunk_id, size = struct.unpack("<4sI", chunk_header)
            body_start = f.tell()
            if chunk_id == b"fmt ":
                body = f.read(size)
                fmt = _parse_fmt(body)
            elif chunk_id == b"data":
                if fmt is None:
                    raise WavFormatError("“data” chunk before the “fmt ” chunk")
                tag, channels, rate, align, bits = fmt
                available = file_size - body_start
                data_bytes = available if size in (0, _UNKNOWN_SIZE) else min(size, available)
                info = WavInfo(
                    sample_rate=rate,
                    channels=channels,
                    bits_per_sample=bits,
                    is_float=tag == WAVE_FORMAT_IEEE_FLOAT,
                    frames=data_bytes // align,
                )
                return info, body_start
            # Chunks are word-aligned: an odd-sized chunk is followed by a pad byte.
            f.seek(body_start + size + (size & 1))


def _parse_fmt(body: bytes) -> tuple[int, int, int, int, int]:
    if len(body) < 16:
        raise WavFormatError("“fmt ” chunk is too short")
    tag, channels, rate, _byte_rate, align, bits = struct.unpack("<HHIIHH", body[:16])
    if tag == WAVE_FORMAT_EXTENSIBLE:
        if len(body) < 40:
            raise WavFormatError("WAVE_FORMAT_EXTENSIBLE header is too short")
        # The sub-format GUID starts with the plain format tag.
        tag = struct.unpack("<H", body[24:26])[0]
    if tag not in (WAVE_FORMAT_PCM, WAVE_FORMAT_IEEE_FLOAT):
        raise WavFormatError(
            f"compressed or unsupported encoding (format tag 0x{tag:04x}); "
            "only PCM and 32-bit float are supported"
        )
    if channels < 1:
        raise WavFormatError("the file declares no channels")
    if rate < 1:
        raise WavFormatError("the file declares no sample rate")
    if tag == WAVE_FORMAT_PCM and bits not in (8, 16, 24, 32):
        raise WavFormatError(f"{bits}-bit integer samples are not supported")
    if tag == WAVE_FORMAT_IEEE_FLOAT and bits not in (32, 64):
        raise WavFormatError(f"{bits}-bit float samples are not supported")
    if align != channels * bits // 8:
        raise WavFormatError(
            f"inconsistent header (block align {align} for {channels}×{bits}-bit samples)"
        )
    return tag, channels, rate, align, bits


def _decode(raw: bytes, info: WavInfo) -> np.ndarray:
    """Decode little-endian samples to float32 in [-1, 1]."""
    bits = info.bits_per_sample
    if info.is_float:
        return np.frombuffer(raw, dtype="<f4" if bits == 32 else "<f8").astype(np.float32)
    if bits == 8:  # 8-bit WAV is unsigned, centred on 128
        return (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    if bits == 16:
        return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    if bits == 24:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        value = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        value = np.where(value >= 1 << 23, value - (1 << 24), value)
        return value.astype(np.float32) / float(1 << 23)
    return (np.frombuffer(raw, dtype="<i4").astype(np.float64) / float(1 << 31)).astype(np.float32)
