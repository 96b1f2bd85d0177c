"""Audio files as users hand them over: damaged headers, absurd rates, NaN samples, RF64, FLAC."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
import soundfile

from captioner.audio.audiofile import AudioFileError, AudioFileReader
from captioner.audio.errors import AudioError
from captioner.audio.file_source import WavFileSource
from tests.audio.helpers import CLIP_0880, sine, write_wav


def read_everything(reader: AudioFileReader) -> np.ndarray:
    blocks = []
    while (block := reader.read(4096)).shape[0]:
        blocks.append(block)
    return np.concatenate(blocks)


def test_a_header_shorter_than_the_data_is_read_to_the_end_with_a_warning(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "crashed.wav", sine(440, 16000, 2.0, amplitude=0.5), 16000)
    raw = bytearray(path.read_bytes())
    data_at = raw.index(b"data")
    struct.pack_into("<I", raw, data_at + 4, 1000)  # the recorder never fixed its header
    path.write_bytes(bytes(raw))
    with AudioFileReader(path) as reader:
        samples = read_everything(reader)
        assert reader.warning and "reading all of them" in reader.warning
    assert samples.shape[0] == 32000  # two seconds, not 31 ms


def broken_header_speech(path: Path, riff: int | None, data: int, tail: bytes = b"") -> Path:
    """CLIP_0880 as a recorder writing to a pipe (or killed) leaves it: lengths it never fixed."""
    raw = bytearray(CLIP_0880.read_bytes() + tail)
    struct.pack_into("<I", raw, 4, len(raw) - 8 if riff is None else riff)
    struct.pack_into("<I", raw, raw.index(b"data") + 4, data)
    path.write_bytes(bytes(raw))
    return path


@pytest.mark.parametrize(
    ("riff", "data", "tail"),
    [
        (0, 0, b""),  # arecord/sox to a pipe: both lengths left at 0
        (None, 0, b""),  # data length 0, RIFF size right
        (0, 0, b"\x01"),  # killed mid-sample: a trailing odd byte
        (0xFFFFFFFF, 0xFFFFFFFF, b""),  # ffmpeg to a pipe
        (None, 10_000_000, b""),  # a length past the end of the file
    ],
    ids=["zero-both", "zero-data", "zero-odd-byte", "ffffffff", "past-the-end"],
)
def test_a_header_with_a_wrong_data_length_reads_all_the_speech_and_says_so(
    tmp_path: Path, riff: int | None, data: int, tail: bytes
) -> None:
    expected, _ = soundfile.read(CLIP_0880, dtype="float32", always_2d=True)
    path = broken_header_speech(tmp_path / "piped.wav", riff, data, tail)
    with AudioFileReader(path) as reader:
        samples = read_everything(reader)
        assert reader.warning and "header gives" in reader.warning
    assert samples.shape[0] == expected.shape[0] == 47840  # not 0, not a frame of garbage
    np.testing.assert_array_equal(samples, expected)


def test_an_empty_recording_with_a_zero_length_stays_empty_and_quiet(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "empty.wav", np.zeros(0), 16000)
    with AudioFileReader(path) as reader:
        assert reader.warning is None
        assert reader.read(4096).shape[0] == 0


def test_a_data_chunk_followed_by_metadata_is_not_taken_for_a_short_header(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "tagged.wav", sine(440, 16000, 1.0), 16000)
    info = b"INFOINAM\x04\x00\x00\x00song"
    raw = path.read_bytes() + b"LIST" + struct.pack("<I", len(info)) + info
    raw = raw[:4] + struct.pack("<I", len(raw) - 8) + raw[8:]
    path.write_bytes(raw)
    with AudioFileReader(path) as reader:
        assert reader.warning is None
        assert read_everything(reader).shape[0] == 16000


@pytest.mark.parametrize("rate", [1, 100, 5_000_000])
def test_an_absurd_sample_rate_is_refused(tmp_path: Path, rate: int) -> None:
    path = write_wav(tmp_path / "odd.wav", np.zeros(1000), 16000)
    raw = bytearray(path.read_bytes())
    fmt_at = raw.index(b"fmt ")
    struct.pack_into("<II", raw, fmt_at + 12, rate, rate * 2)
    path.write_bytes(bytes(raw))
    with pytest.raises(AudioError, match="sample rate"):
        WavFileSource(path).open()


def test_nan_samples_are_refused_with_a_message(tmp_path: Path) -> None:
    samples = sine(440, 16000, 1.0).astype(np.float32)
    samples[8000] = np.nan
    path = write_wav(tmp_path / "nan.wav", samples, 16000, bits=32, is_float=True)
    source = WavFileSource(path, realtime=False)
    source.open()
    with pytest.raises(AudioError, match="NaN or infinity"):
        while source.read(0):
            pass
    source.close()


@pytest.mark.parametrize(("fmt", "suffix"), [("RF64", ".wav"), ("FLAC", ".flac")])
def test_rf64_and_flac_speech_are_read(tmp_path: Path, fmt: str, suffix: str) -> None:
    data, rate = soundfile.read(CLIP_0880, dtype="int16")
    path = tmp_path / f"speech{suffix}"
    soundfile.write(path, data, rate, format=fmt, subtype="PCM_16")
    source = WavFileSource(path, realtime=False)
    source.open()
    pcm = b""
    while chunk := source.read(0):
        pcm += chunk
    source.close()
    assert np.array_equal(np.frombuffer(pcm, "<i2")[: len(data)], data)


def test_a_text_file_says_what_formats_are_read(tmp_path: Path) -> None:
    path = tmp_path / "notes.wav"
    path.write_text("not audio")
    with pytest.raises(AudioFileError, match="WAV, FLAC"):
        AudioFileReader(path)
