"""PcmConverter: any input becomes exact 50 ms chunks of 16 kHz mono s16le."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from captioner.audio.convert import CHUNK_BYTES, CHUNK_MS, TARGET_RATE, PcmConverter
from tests.audio.helpers import pcm_to_float, peak_frequency, sine

# Irregular block sizes, like a sound card or a file reader might deliver.
_BLOCK_SIZES = (137, 1024, 4000, 1, 441, 2048)


def _feed_in_blocks(converter: PcmConverter, signal: np.ndarray) -> list[bytes]:
    chunks: list[bytes] = []
    start = 0
    for size in itertools.cycle(_BLOCK_SIZES):
        if start >= len(signal):
            break
        chunks += converter.feed(signal[start : start + size])
        start += size
    return chunks + converter.flush()


def test_constants() -> None:
    assert (TARGET_RATE, CHUNK_MS, CHUNK_BYTES) == (16000, 50, 1600)


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 44100, 48000])
@pytest.mark.parametrize("channels", [1, 2])
def test_exact_chunks_and_total_length(rate: int, channels: int) -> None:
    mono = sine(440, rate, 1.3)
    signal = np.repeat(mono[:, None], channels, axis=1)
    chunks = _feed_in_blocks(PcmConverter(rate, channels), signal)

    assert chunks
    assert all(len(c) == CHUNK_BYTES for c in chunks)
    expected_samples = 1.3 * TARGET_RATE
    produced = len(chunks) * CHUNK_BYTES // 2
    # Only the final chunk is padded, so the total is within one chunk of the truth.
    assert expected_samples <= produced + 2 < expected_samples + CHUNK_BYTES // 2 + 4


@pytest.mark.parametrize(("rate", "freq"), [(8000, 300.0), (44100, 1000.0), (48000, 3000.0)])
def test_resampling_preserves_frequency(rate: int, freq: float) -> None:
    chunks = _feed_in_blocks(PcmConverter(rate, 1), sine(freq, rate, 1.0))
    out = pcm_to_float(b"".join(chunks))
    assert abs(peak_frequency(out, TARGET_RATE) - freq) <= 2.0
    # Level is preserved too (0.5 amplitude sine → RMS ≈ 0.354), ignoring filter edges.
    middle = out[1600:-3200]
    assert np.sqrt(np.mean(middle**2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.02)


def test_streaming_matches_one_shot_no_clicks_at_block_edges() -> None:
    signal = sine(1000, 44100, 1.0)
    streamed = pcm_to_float(b"".join(_feed_in_blocks(PcmConverter(44100, 1), signal)))
    one_shot = PcmConverter(44100, 1)
    whole = pcm_to_float(b"".join(one_shot.feed(signal) + one_shot.flush()))
    assert len(streamed) == len(whole)
    assert np.max(np.abs(streamed - whole)) < 2e-3


def test_stereo_downmix_averages_channels() -> None:
    frames = np.zeros((800, 2), dtype=np.float32)
    frames[:, 0] = 0.4
    frames[:, 1] = 0.2
    (chunk,) = PcmConverter(16000, 2).feed(frames)
    assert set(np.frombuffer(chunk, "<i2")) == {round(0.3 * 32768)}


def test_int16_input_at_16k_passes_through_unchanged() -> None:
    rng = np.random.default_rng(7)
    samples = rng.integers(-32768, 32767, size=(2000, 1), dtype=np.int16)
    converter = PcmConverter(16000, 1)
    out = b"".join(converter.feed(samples) + converter.flush())
    assert out[:4000] == samples.astype("<i2").tobytes()
    assert out[4000:] == bytes(len(out) - 4000)  # silence padding only


def test_clipping_instead_of_wraparound() -> None:
    block = np.array([1.5, -1.5, 1.0, -1.0, float("nan"), float("inf")] * 200, np.float32)
    (chunk,) = PcmConverter(16000, 1).feed(block[:800])
    values = np.frombuffer(chunk, "<i2")[:6]
    assert values.tolist() == [32767, -32768, 32767, -32768, 0, 32767]


def test_flush_pads_only_a_partial_chunk() -> None:
    converter = PcmConverter(16000, 1)
    assert converter.feed(np.zeros(1600, np.float32)) == [bytes(1600)] * 2
    assert converter.flush() == []

    converter = PcmConverter(16000, 1)
    assert converter.feed(np.full(900, 0.25, np.float32)) and converter.flush() == [
        np.full(100, round(0.25 * 32768), "<i2").tobytes() + bytes(1400)
    ]

    assert PcmConverter(16000, 1).flush() == []
    assert PcmConverter(48000, 2).flush() == []


def test_misuse_is_reported() -> None:
    with pytest.raises(ValueError):
        PcmConverter(0, 1)
    with pytest.raises(ValueError):
        PcmConverter(16000, 0)
    converter = PcmConverter(16000, 2)
    with pytest.raises(ValueError, match="channel"):
        converter.feed(np.zeros((10, 3), np.float32))
    converter.flush()
    with pytest.raises(RuntimeError):
        converter.feed(np.zeros(10, np.float32))
