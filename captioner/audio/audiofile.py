"""Reading audio files for captioning: libsndfile through ``soundfile``, with checks.

A maintained decoder reads what recorders and editors actually write (WAV
in every PCM and float width, WAVE_FORMAT_EXTENSIBLE, RF64 for files over
4 GB, FLAC, Ogg/Opus, MP3 where libsndfile has it) and streams it block by
block.  What it does not do is distrust the file, and a captioning tool is
handed broken files: these are the checks added on top, each with a message
that says what is wrong.

* A sample rate no recorder uses (a header claiming 1 Hz would make the
  resampler produce hours of audio from a few seconds of data) is refused.
* A WAV header whose data length is *shorter* than the samples in the file
  (a recorder that crashed before fixing up its header, a careless
  concatenation) would silently cut the file short, and one whose length is
  0 (what ``arecord``/``sox``/ffmpeg write to a pipe or when killed) reads
  as an empty file; the reader notices, logs it, exposes it as
  :attr:`AudioFileReader.warning`, and reads every sample that is there.
  A length of 0xFFFFFFFF or one past the end of the file, which libsndfile
  copes with, is said the same way: the file is not what it claims.
* NaN or infinite float samples are refused with a message instead of being
  decoded into garbage text.
"""

from __future__ import annotations

import io
import logging
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

log = logging.getLogger(__name__)

MIN_RATE = 4_000  # below any telephone band
MAX_RATE = 768_000  # above any studio format
MAX_CHANNELS = 64


class AudioFileError(ValueError):
    """The file cannot be captioned; the message says why, in plain words."""


@dataclass(frozen=True, slots=True)
class AudioInfo:
    sample_rate: int
    channels: int
    frames: int
    format: str  # e.g. "WAV", "FLAC"

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate


class AudioFileReader:
    """Reads an audio file as float32 arrays of shape (frames, channels)."""

    def __init__(self, path: str | Path) -> None:
        import soundfile

        self.path = Path(path)
        self.warning: str | None = None
        self._raw: BinaryIO = open(self.path, "rb")  # noqa: SIM115 - closed by close()
        try:
            source: Any = self._raw
            fixed = _fix_wav_data_length(self._raw)
            if fixed is not None:
                source, self.warning = fixed
                # The caller shows it (stderr, status line); the log keeps a trace.
                log.info("%s: %s", self.path, self.warning)
            self._raw.seek(0)
            try:
                self._file = soundfile.SoundFile(source)
            except (soundfile.LibsndfileError, RuntimeError, TypeError) as exc:
                raise AudioFileError(_plain(str(exc))) from exc
            info = AudioInfo(
                sample_rate=int(self._file.samplerate),
                channels=int(self._file.channels),
                frames=max(0, int(self._file.frames)),
                format=str(self._file.format),
            )
            if not MIN_RATE <= info.sample_rate <= MAX_RATE:
                raise AudioFileError(
                    f"its sample rate of {info.sample_rate:,} Hz is not one audio is recorded at "
                    f"({MIN_RATE:,}–{MAX_RATE:,} Hz); the header is probably damaged"
                )
            if not 1 <= info.channels <= MAX_CHANNELS:
                raise AudioFileError(f"it declares {info.channels} channels")
            self.info = info
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        file = getattr(self, "_file", None)
        if file is not None:
            file.close()
        self._raw.close()

    def __enter__(self) -> AudioFileReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self, max_frames: int) -> np.ndarray:
        """Up to ``max_frames`` frames; an empty array at the end of the file."""
        data = self._file.read(max_frames, dtype="float32", always_2d=True)
        if data.size and not np.isfinite(data).all():
            raise AudioFileError("it contains invalid samples (NaN or infinity)")
        return data


def _plain(message: str) -> str:
    """libsndfile's message without its prefix ("Error opening <...>: "), in plain words."""
    _, sep, rest = message.rpartition(": ")
    reason = (rest if sep else message).strip().rstrip(".") or "unknown format"
    if reason.lower().startswith("format not recognised"):
        return "it is not in an audio format Captioner reads (WAV, FLAC, Ogg, MP3, AIFF…)"
    return f"it is damaged or uses an unsupported encoding ({reason})"


def _fix_wav_data_length(raw: BinaryIO) -> tuple[BinaryIO, str] | None:
    """A view of a WAV file with its data length corrected, and what was wrong.

    Returns ``None`` when the file is not a RIFF/WAVE file or its header is
    consistent.  A data chunk followed by a proper chunk (``LIST`` metadata
    and the like) is consistent; one followed by bytes that are no chunk
    header is taken to run to the end of the file.  So is one whose length
    is 0 or 0xFFFFFFFF with audio after it, which is what ``arecord``,
    ``sox`` and ffmpeg leave when they record to a pipe or are killed before
    fixing up the header (libsndfile reads the 0 as an empty file), and one
    whose length runs past the end of the file.  The corrected length is cut
    to whole frames, so a trailing odd byte is dropped.
    """
    raw.seek(0, os.SEEK_END)
    size = raw.tell()
    raw.seek(0)
    header = raw.read(12)
    if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
        return None
    position = 12
    block_align = 0
    while position + 8 <= size:
        raw.seek(position)
        chunk_id, length = struct.unpack("<4sI", raw.read(8))
        if chunk_id == b"fmt " and len(fmt := raw.read(14)) == 14:
            block_align = struct.unpack("<H", fmt[12:14])[0]  # bytes per frame
        if chunk_id == b"data":
            return _patch_data_length(raw, size, position, length, block_align)
        position += 8 + length + (length & 1)
    return None


def _patch_data_length(
    raw: BinaryIO, size: int, position: int, length: int, block_align: int
) -> tuple[BinaryIO, str] | None:
    """The data chunk at ``position`` run to the end of the file, when its length is wrong."""
    data_start = position + 8
    there = size - data_start
    # Whole frames only, capped at what a RIFF header can hold (a file over
    # 4 GB should have been RF64; the first 4 GB are still worth reading).
    unit = max(block_align, 2)
    actual = min(there, 0xFFFFFFFF - data_start)
    actual -= actual % unit
    unknown = length in (0, 0xFFFFFFFF)
    end = data_start + length + (length & 1)
    if unknown:
        if actual <= 0 or (length == 0 and _is_chunk_header(raw, data_start, size)):
            return None  # really empty, or an empty data chunk and then metadata
        message = (
            f"the file's header gives no length for its audio (a recording made to a pipe "
            f"or stopped before it finished); reading the {actual:,} bytes that are there"
        )
    elif end > size:
        message = (
            f"the file's header gives {length:,} bytes of audio but only {there:,} are there "
            f"(the file was cut short); reading what is there"
        )
    elif end == size or actual <= length or _is_chunk_header(raw, end, size):
        return None  # consistent, or no whole frame more than it says (a stray byte)
    else:
        message = (
            f"the file's header gives {length:,} bytes of audio but "
            f"{there:,} are there; reading all of them"
        )
    riff = min(size - 8, 0xFFFFFFFF)
    patches = {4: struct.pack("<I", riff), position + 4: struct.pack("<I", actual)}
    return _Patched(raw, size, patches), message


class _Patched(io.RawIOBase):
    """``raw`` with a few bytes replaced: a corrected header, read without copying the file."""

    def __init__(self, raw: BinaryIO, size: int, patches: dict[int, bytes]) -> None:
        super().__init__()
        self._raw = raw
        self._size = size
        self._patches = patches
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: Any) -> int:
        self._raw.seek(self._pos)
        data = bytearray(self._raw.read(len(buffer)))
        for at, value in self._patches.items():
            for i, byte in enumerate(value):
                if 0 <= at + i - self._pos < len(data):
                    data[at + i - self._pos] = byte
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)


def _is_chunk_header(raw: BinaryIO, at: int, size: int) -> bool:
    if at + 8 > size:
        return False
    raw.seek(at)
    chunk_id, length = struct.unpack("<4sI", raw.read(8))
    return all(32 <= c < 127 for c in chunk_id) and at + 8 + length <= size
