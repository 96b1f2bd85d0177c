"""Signals and WAV writers for the audio tests (no fixtures, just functions)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

LIBRIVOX = Path(__file__).resolve().parent.parent / "data" / "librivox"
CLIP_0880 = LIBRIVOX / "sense_and_sensibility_01_austen_64kb-0880.wav"  # 2.99 s
CLIP_0890 = LIBRIVOX / "sense_and_sensibility_01_austen_64kb-0890.wav"  # 5.30 s

_PCM = 0x0001
_FLOAT = 0x0003
_EXTENSIBLE = 0xFFFE
# KSDATAFORMAT_SUBTYPE_* GUID tail shared by PCM and IEEE float.
_GUID_TAIL = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"


def sine(freq: float, rate: int, seconds: float, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(round(rate * seconds)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def peak_frequency(samples: np.ndarray, rate: int) -> float:
    """Frequency of the strongest FFT bin (Hann window against leakage)."""
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])


def pcm_to_float(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0


def encode(frames: np.ndarray, bits: int, is_float: bool = False) -> bytes:
    """Encode float frames (frames, channels) in [-1, 1] as little-endian WAV samples."""
    flat = np.asarray(frames, dtype=np.float64).reshape(-1)
    if is_float:
        return flat.astype("<f4" if bits == 32 else "<f8").tobytes()
    if bits == 8:
        return np.clip(np.rint(flat * 128 + 128), 0, 255).astype(np.uint8).tobytes()
    scale = float(1 << (bits - 1))
    ints = np.clip(np.rint(flat * scale), -scale, scale - 1).astype(np.int64)
    if bits == 24:
        u = ints & 0xFFFFFF
        out = np.stack([u & 0xFF, (u >> 8) & 0xFF, (u >> 16) & 0xFF], axis=1)
        return out.astype(np.uint8).tobytes()
    return ints.astype("<i2" if bits == 16 else "<i4").tobytes()


def write_wav(
    path: Path,
    frames: np.ndarray,
    rate: int,
    *,
    bits: int = 16,
    is_float: bool = False,
    extensible: bool = False,
    extra_chunk: bool = False,
) -> Path:
    """Write a RIFF/WAVE file by hand (the stdlib cannot write float or extensible)."""
    frames = np.asarray(frames)
    if frames.ndim == 1:
        frames = frames[:, None]
    channels = frames.shape[1]
    tag = _FLOAT if is_float else _PCM
    align = channels * bits // 8
    if extensible:
        fmt = (
            struct.pack(
                "<HHIIHHHHI",
                _EXTENSIBLE,
                channels,
                rate,
                rate * align,
                align,
                bits,
                22,
                bits,
                (1 << channels) - 1,
            )
            + struct.pack("<H", tag)
            + _GUID_TAIL
        )
    else:
        fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * align, align, bits)
    data = encode(frames, bits, is_float)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    if extra_chunk:  # an odd-sized chunk exercises chunk skipping and padding
        info = b"INFOINAM\x05\x00\x00\x00test!\x00"  # LIST-INFO, title "test!" (odd)
        body += b"LIST" + struct.pack("<I", len(info)) + info
    body += b"data" + struct.pack("<I", len(data)) + data
    if len(data) % 2:
        body += b"\x00"
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path
