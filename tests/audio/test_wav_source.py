"""WavFileSource: streaming, format coverage, errors and real-time pacing."""

from __future__ import annotations

import math
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from captioner.audio.audiofile import AudioFileReader
from captioner.audio.convert import CHUNK_BYTES, TARGET_RATE
from captioner.audio.errors import AudioError
from captioner.audio.file_source import WavFileSource
from tests.audio.helpers import (
    CLIP_0880,
    LIBRIVOX,
    pcm_to_float,
    peak_frequency,
    sine,
    write_wav,
)


class FakeClock:
    """Monotonic clock that only moves when the code under test sleeps (or we say so)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def opened():
    """Open sources for a test and close them afterwards (file handles must not leak)."""
    sources: list[WavFileSource] = []

    def open_source(path: Path, **kwargs) -> WavFileSource:
        source = WavFileSource(path, **kwargs)
        source.open()
        sources.append(source)
        return source

    yield open_source
    for source in sources:
        source.close()


def read_all(source: WavFileSource, limit: int = 10_000) -> list[bytes]:
    chunks = []
    for _ in range(limit):
        chunk = source.read(1.0)
        assert chunk is not None
        if chunk == b"":
            return chunks
        chunks.append(chunk)
    raise AssertionError("source never ended")


def test_librivox_clips_and_notes_are_in_test_data() -> None:
    wavs = sorted(LIBRIVOX.glob("*.wav"))
    assert len(wavs) == 5
    assert all(w.with_suffix(".txt").read_text().strip() for w in wavs)
    assert "public domain" in (LIBRIVOX / "README.md").read_text()


def test_16k_mono_clip_streams_byte_for_byte(opened) -> None:
    with wave.open(str(CLIP_0880), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (16000, 1, 2)
        original = w.readframes(w.getnframes())
    source = opened(CLIP_0880, realtime=False)
    assert source.name == CLIP_0880.name
    assert source.duration_s == pytest.approx(len(original) / 2 / 16000)
    chunks = read_all(source)
    assert all(len(c) == CHUNK_BYTES for c in chunks)
    assert len(chunks) == math.ceil(len(original) / CHUNK_BYTES)
    data = b"".join(chunks)
    assert data[: len(original)] == original
    assert data[len(original) :] == bytes(len(data) - len(original))
    # End of stream is sticky.
    assert source.read(0.1) == b""
    assert source.read(0.1) == b""
    source.close()
    source.close()
    assert source.read(0.1) == b""


@pytest.mark.parametrize(
    ("rate", "channels", "bits", "is_float", "extensible"),
    [
        (44100, 2, 24, False, False),
        (48000, 1, 32, True, False),
        (48000, 2, 32, True, True),
        (22050, 6, 16, False, True),
        (8000, 1, 8, False, False),
        (32000, 2, 32, False, False),
        (16000, 1, 64, True, False),
    ],
)
def test_formats_convert_to_16k_mono(
    tmp_path: Path, rate: int, channels: int, bits: int, is_float: bool, extensible: bool, opened
) -> None:
    tone = sine(1000, rate, 1.0, amplitude=0.6)
    frames = np.repeat(tone[:, None], channels, axis=1)
    path = write_wav(
        tmp_path / "tone.wav",
        frames,
        rate,
        bits=bits,
        is_float=is_float,
        extensible=extensible,
        extra_chunk=True,
    )
    source = opened(path, realtime=False)
    assert source.duration_s == pytest.approx(1.0)
    assert (source.samplerate, source.channels) == (rate, channels)
    chunks = read_all(source)
    assert all(len(c) == CHUNK_BYTES for c in chunks)
    assert len(chunks) in (20, 21)
    out = pcm_to_float(b"".join(chunks))
    assert abs(peak_frequency(out, TARGET_RATE) - 1000) <= 2
    tolerance = 0.05 if bits == 8 else 0.02
    rms = np.sqrt(np.mean(out[1600:14400] ** 2))
    assert rms == pytest.approx(0.6 / np.sqrt(2), rel=tolerance)


def test_stereo_file_is_averaged(tmp_path: Path, opened) -> None:
    frames = np.zeros((1600, 2), np.float32)
    frames[:, 0] = 0.5
    path = write_wav(tmp_path / "left.wav", frames, 16000, bits=32, is_float=True)
    source = opened(path, realtime=False)
    values = np.frombuffer(b"".join(read_all(source)), "<i2")
    assert set(values.tolist()) == {round(0.25 * 32768)}


def test_reads_the_file_in_blocks_not_whole(tmp_path: Path, monkeypatch, opened) -> None:
    path = write_wav(tmp_path / "long.wav", sine(200, 44100, 3.0), 44100)
    requested: list[int] = []
    original_read = AudioFileReader.read

    def spy(self: AudioFileReader, max_frames: int) -> np.ndarray:
        requested.append(max_frames)
        return original_read(self, max_frames)

    monkeypatch.setattr(AudioFileReader, "read", spy)
    source = opened(path, realtime=False)
    source.read(0)
    assert requested and max(requested) <= 0.5 * 44100


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.wav"
    with pytest.raises(AudioError) as excinfo:
        WavFileSource(path).open()
    assert str(excinfo.value) == f"Audio file not found: {path}"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"hello, I am a text file\n", "not in an audio format"),
        (b"", "not in an audio format"),
        (b"RIFF\x10\x00\x00\x00WAVEjunk\x00\x00\x00\x00", "damaged"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x55\x00\x01\x00", "damaged"),
    ],
)
def test_not_a_wav_file(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "notes.wav"
    path.write_bytes(content)
    with pytest.raises(AudioError) as excinfo:
        WavFileSource(path).open()
    message = str(excinfo.value)
    assert message.startswith(f"“{path}” is not a readable audio file: ")
    assert reason in message


def test_compressed_wav_is_rejected_with_a_reason(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "x.wav", np.zeros(100), 8000)
    raw = bytearray(path.read_bytes())
    raw[20:22] = (0x0055).to_bytes(2, "little")  # MPEG layer 3
    path.write_bytes(bytes(raw))
    with pytest.raises(AudioError, match="unsupported encoding"):  # libsndfile: no MP3-in-WAV
        WavFileSource(path).open()


def test_directory_is_not_a_wav_file(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="is not a readable audio file"):
        WavFileSource(tmp_path).open()


def test_truncated_data_chunk_plays_what_is_there(tmp_path: Path, opened) -> None:
    path = write_wav(tmp_path / "t.wav", np.full(1600, 0.1, np.float32), 16000)
    path.write_bytes(path.read_bytes()[:-1001])  # cut mid-frame
    source = opened(path, realtime=False)
    assert source.duration_s == pytest.approx(1099 / 16000)
    assert len(read_all(source)) == 2


def test_read_before_open_is_a_bug() -> None:
    with pytest.raises(RuntimeError):
        WavFileSource(CLIP_0880).read(0.1)


def test_realtime_pacing_follows_a_deadline_schedule(opened) -> None:
    clock = FakeClock()
    source = opened(CLIP_0880, realtime=True, clock=clock, sleep=clock.sleep)
    start = clock.now
    times = []
    while (chunk := source.read(1.0)) != b"":
        assert chunk is not None
        times.append(clock.now - start)
    n = len(times)
    assert n == math.ceil(source.duration_s / 0.05)
    assert times == pytest.approx([i * 0.05 for i in range(n)], abs=1e-9)
    assert clock.now - start == pytest.approx(n * 0.05)  # b"" comes when the audio has played


def test_realtime_short_timeout_returns_none_without_losing_chunks(opened) -> None:
    clock = FakeClock()
    source = opened(CLIP_0880, realtime=True, clock=clock, sleep=clock.sleep)
    first = source.read(0.01)
    assert first is not None and len(first) == CHUNK_BYTES
    assert source.read(0.02) is None  # next chunk due at +50 ms
    assert source.read(0.02) is None
    second = source.read(0.02)
    assert second is not None and len(second) == CHUNK_BYTES
    assert clock.now - 1000.0 == pytest.approx(0.05)


def test_realtime_slow_reader_catches_up_without_drift(opened) -> None:
    clock = FakeClock()
    source = opened(CLIP_0880, realtime=True, clock=clock, sleep=clock.sleep)
    assert source.read(1.0)
    clock.now += 0.5  # the engine stalled for 10 chunks' worth
    for _ in range(10):
        assert source.read(1.0)
    assert clock.sleeps == []  # the backlog is served at once
    assert source.read(1.0)
    assert clock.sleeps == [pytest.approx(0.05)]  # then back on the original schedule


def test_realtime_with_the_real_clock_is_not_instant(opened) -> None:
    source = opened(CLIP_0880, realtime=True)
    began = time.monotonic()
    for _ in range(5):
        assert source.read(1.0)
    assert time.monotonic() - began >= 0.19
    source.close()


def test_non_realtime_is_fast(opened) -> None:
    def forbidden_sleep(seconds: float) -> None:
        raise AssertionError("non-realtime sources must not sleep")

    clip = LIBRIVOX / "sense_and_sensibility_01_austen_64kb-0870.wav"  # 7.1 s
    source = opened(clip, realtime=False, sleep=forbidden_sleep)
    began = time.monotonic()
    chunks = read_all(source)
    assert len(chunks) == math.ceil(source.duration_s / 0.05)
    assert time.monotonic() - began < 1.0
