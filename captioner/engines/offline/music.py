"""Sustained tones (music) taken down under a noisy utterance before its final decode.

Under music at 10 dB SNR the noisy path decoded the utterance as it was
(denoise.py's filter needs a steady background and cost words under music),
so its final was exactly PocketSphinx's plain decode: the benchmark's music
row equalled its baseline, and issue 10 asks for better.

Music and speech differ in how long a frequency stays lit: a note holds its
partials (the harmonics of each tone of a chord) at fixed frequencies for a
large part of a second, while a speaker's harmonics glide with the pitch and
formants move from one sound to the next.  So the median of each frequency's
magnitude over half a second (Fitzgerald's harmonic/percussive separation,
"Harmonic/percussive separation using median filtering", DAFx 2010) follows
the sustained part, the music, and lets the speech through; a Wiener-like
soft mask with a gain floor then takes the sustained part down.  The long
frame (128 ms) resolves close partials and smears speech, whose energy then
moves from bin to bin and stays out of the median.  What a held vowel still
leaves in the median is broad (formants), while a note's partials are
narrow: only sustained energy that stands out of its spectral neighbourhood
as a peak is taken for music.  Without that test the mask cost words held
out (short words of other speakers under the music at 3 dB: 14 -> 26-37 %
WER; the whole fresh check 49 -> 52-55 %).

Only utterances already sent to the noisy path (SNR below noisy.NOISY_SNR_DB)
whose background is *not* steady noise get this: clean speech never does.
Settings chosen on LibriVox 0870-0890 under tests/speech.py's music at 10 dB
(three seeds) and checked held out (README, "Offline engine: accuracy and
speed").  Everything here is numpy, run in the final-decode process; the cost
is linear in the utterance (one transform, a running median, one inverse).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from captioner.engines.offline.denoise import _resynthesise, _spectra
from captioner.engines.offline.words import clean_word

_FRAME = 2048  # 128 ms at 16 kHz: partials 8 Hz apart are resolved
_HOP = 512  # 32 ms: 75 % overlap, so the Hann windows' overlap-add is flat
# How long a frequency must stay lit to count as sustained: the median (the
# 50th percentile) of its magnitudes over this span.
SPAN_S = 0.5
# A sustained bin is a partial when it is this many times (6 dB) the median
# of the sustained magnitudes of the PEAK_BINS around it (70 Hz); its
# neighbours either side go with it (a partial's main lobe is 3 bins wide).
PEAK_RATIO = 2.0
PEAK_BINS = 9
# The gain never goes below -10 dB: -15 dB cost words held out (LibriVox
# 0920/0930 under the music at 10 dB, without the peak test: 48 -> 96 % WER).
GAIN_FLOOR_DB = -10.0
# A first or last word this much fainter (mean level of its 10 ms frames, in
# the masked audio) than the utterance's median word, and at most NEAR_FLOOR_DB
# above its background (the 10th percentile of its frames), was decoded from
# what the mask left of the music, not from speech (see drop_faint_edges).
FAINT_EDGE_DB = 8.0
NEAR_FLOOR_DB = 3.5
FLOOR_PERCENTILE = 10.0


def _sliding_median(values: np.ndarray, width: int, axis: int) -> np.ndarray:
    """The median of ``width`` values centred on each, along ``axis`` (edges repeated)."""
    half = width // 2
    pad = [(0, 0), (0, 0)]
    pad[axis] = (half, half)
    windows = np.lib.stride_tricks.sliding_window_view(
        np.pad(values, pad, mode="edge"), width, axis=axis
    )
    return np.median(windows, axis=-1)


def _partials(magnitude: np.ndarray) -> np.ndarray:
    """The magnitude of the sustained, narrow-band part of each bin (0 elsewhere)."""
    frames = round(SPAN_S * 16_000 / _HOP) | 1  # odd: centred
    sustained = _sliding_median(magnitude, frames, axis=0)
    peak = sustained > PEAK_RATIO * _sliding_median(sustained, PEAK_BINS, axis=1)
    peak[:, 1:] |= peak[:, :-1].copy()
    peak[:, :-1] |= peak[:, 1:].copy()
    return np.where(peak, sustained, 0.0)


def suppress_sustained_tones(audio: bytes) -> bytes:
    """``audio`` (16 kHz mono s16le) with its sustained partials taken down.

    The same length, so word times stay put; audio shorter than two frames
    comes back as it is.
    """
    samples = np.frombuffer(audio, dtype="<i2", count=len(audio) // 2).astype(np.float64)
    if len(samples) < 2 * _FRAME:
        return audio
    spectra, window = _spectra(samples, _FRAME, _HOP)
    magnitude = np.abs(spectra)
    music = _partials(magnitude)
    rest = np.maximum(magnitude - music, 0.0)
    gains = np.maximum(rest**2 / (rest**2 + music**2 + 1e-9), 10 ** (GAIN_FLOOR_DB / 20))
    out = _resynthesise(spectra * gains, window, len(samples), _HOP)
    return np.clip(np.round(out), -32768, 32767).astype("<i2").tobytes()


def drop_faint_edges(rows: Sequence[Sequence[Any]], audio: bytes) -> list[Sequence[Any]]:
    """``rows`` without a first or last word decoded from music alone.

    Under music the decoder puts a word where only the music plays before
    or after the speech ("oh" first, "who" last).  Once the mask has taken
    the held notes down, such a word is both far fainter than the speech
    (FAINT_EDGE_DB under the median word) and hardly above the utterance's
    background (NEAR_FLOOR_DB over its 10th-percentile frame).  Either test
    alone took real words: faintness alone a soft first "he" or "had" of
    clean speech (-8.3 and -9.0 dB under the median, but far above its
    silent background), nearness to the floor alone a real last word under
    music at 8 dB.  Chosen on 212 first and last words of
    benchmarks/offline_music.py's groups, fresh seeds and the clean clips.
    ``rows`` are the decoder's (word, start frame, end frame, ...) of the
    utterance ``audio`` (16 kHz mono s16le, frames of 10 ms from its start);
    fillers (``<sil>``, ``[NOISE]``) count as neither words nor edges.  With
    fewer than three words there is no median to trust: nothing is dropped.
    """
    spoken = [k for k, row in enumerate(rows) if clean_word(row[0]) is not None]
    if len(spoken) < 3:
        return list(rows)
    samples = np.frombuffer(audio, dtype="<i2", count=len(audio) // 2).astype(np.float64)
    frames = len(samples) // 160
    if frames == 0:
        return list(rows)
    level = 10 * np.log10((samples[: frames * 160].reshape(frames, 160) ** 2).mean(axis=1) + 1.0)

    def loudness(row: Sequence[Any]) -> float:
        start = min(max(int(row[1]), 0), frames - 1)
        end = min(max(int(row[2]), start), frames - 1)
        return float(level[start : end + 1].mean())

    levels = {k: loudness(rows[k]) for k in spoken}
    median = float(np.median(list(levels.values())))
    floor = float(np.percentile(level, FLOOR_PERCENTILE))
    faint = {
        k
        for k in (spoken[0], spoken[-1])
        if levels[k] <= median - FAINT_EDGE_DB and levels[k] <= floor + NEAR_FLOOR_DB
    }
    return [row for k, row in enumerate(rows) if k not in faint]
