"""Steady background noise taken out of a noisy utterance before its final decode.

PocketSphinx's own front end subtracts noise (the model's ``-remove_noise``,
on already), but gently: under white noise at 15 dB SNR its plain decode of
the LibriVox clips still lost 64-85 % of the words.  A Wiener filter in the
short-time spectrum, with the noise's spectrum taken from the quietest
frames of the utterance, does much better there (benchmarks/offline_engine.py
and the README's table), because a steady, broadband background (a fan,
traffic, hiss, a noisy line) sounds the same in the gaps between words as
under them.

Music is not steady: notes change every fraction of a second and their
energy sits in a few harmonics, so the quietest frames say little about the
frames under the words, and the same filter cost words under music (LibriVox
under synthetic music at 5 dB: 45 -> 52 % WER, at 15 dB: 35 -> 44 %).  So
the filter runs only when the background is broadband, measured by the
spectral flatness of the quietest frames: white noise read 0.90-0.98, pink
noise 0.52-0.68, the music 0.004-0.15; an utterance whose background is not
flat enough gets music.py's sustained-tone suppression instead.

Everything here is numpy, run in the final-decode process; the cost grows
linearly with the utterance (one short-time Fourier transform and back).
"""

from __future__ import annotations

import numpy as np

_FRAME = 512  # 32 ms at 16 kHz
_HOP = 128  # 8 ms: 75 % overlap, so the Hann windows' overlap-add is flat
# The noise spectrum is the mean power of the quietest 5 % of frames (chosen
# on LibriVox 0870-0890 under white noise at 15 dB: 5 % kept more words than
# 10 or 20 %, which let weak speech sounds into the noise estimate).
NOISE_PERCENTILE = 5.0
# The gain never goes below -10 dB: deeper suppression (-15, -20 dB) left
# "musical noise" that the acoustic model took for speech sounds.
GAIN_FLOOR_DB = -10.0
# Decision-directed a-priori SNR smoothing (Ephraim and Malah's usual value).
_SMOOTHING = 0.98
# Flatness of the background's spectrum from which it counts as steady noise
# (see the module docstring for the measured values on each side).
MIN_FLATNESS = 0.3
# The flatness is measured from about 125 Hz to 6.8 kHz (the model's filter
# bank reaches 6.8 kHz; below 125 Hz a hum would dominate the measure).
_LOW_BIN, _HIGH_BIN = 4, 218


def _spectra(
    samples: np.ndarray, size: int = _FRAME, hop: int = _HOP
) -> tuple[np.ndarray, np.ndarray]:
    """Short-time spectra of ``samples`` (padded by a frame each side), and the window."""
    window = np.hanning(size + 1)[:-1]
    padded = np.concatenate([np.zeros(size), samples, np.zeros(size)])
    frames = np.lib.stride_tricks.sliding_window_view(padded, size)[::hop] * window
    return np.fft.rfft(frames, axis=1), window


def _resynthesise(
    spectra: np.ndarray, window: np.ndarray, length: int, hop: int = _HOP
) -> np.ndarray:
    """Weighted overlap-add of the filtered frames back to ``length`` samples."""
    size = len(window)
    frames = np.fft.irfft(spectra, n=size, axis=1) * window
    total = (len(frames) - 1) * hop + size
    out = np.zeros(total)
    norm = np.zeros(total)
    for i, frame in enumerate(frames):
        out[i * hop : i * hop + size] += frame
        norm[i * hop : i * hop + size] += window**2
    out /= np.maximum(norm, 1e-9)
    return out[size : size + length]


def background_flatness(power: np.ndarray) -> float:
    """Spectral flatness (geometric / arithmetic mean) of the quietest frames' spectrum.

    1 for white noise, lower for coloured noise, near 0 for tones.
    """
    quiet = _quietest(power)
    spectrum = quiet[_LOW_BIN:_HIGH_BIN] + 1e-9
    return float(np.exp(np.mean(np.log(spectrum))) / np.mean(spectrum))


def _quietest(power: np.ndarray) -> np.ndarray:
    energy = power.sum(axis=1)
    quiet = energy <= np.percentile(energy, NOISE_PERCENTILE)
    return power[quiet].mean(axis=0)


def _wiener_gains(power: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Per-frame, per-bin gains of a Wiener filter with a decision-directed prior SNR."""
    floor = 10 ** (GAIN_FLOOR_DB / 20)
    gains = np.empty_like(power)
    previous_gain = np.ones(power.shape[1])
    previous_snr = np.ones(power.shape[1])
    for i, frame in enumerate(power):
        posterior = frame / noise
        prior = _SMOOTHING * previous_gain**2 * previous_snr + (1 - _SMOOTHING) * np.maximum(
            posterior - 1, 0
        )
        gain = np.maximum(prior / (1 + prior), floor)
        gains[i] = gain
        previous_gain, previous_snr = gain, posterior
    return gains


def suppress_steady_noise(audio: bytes) -> bytes | None:
    """``audio`` (16 kHz mono s16le) with its steady background filtered out.

    None when the background is not steady, broadband noise (music, a tone,
    or too little audio to tell): then the audio is best decoded as it is.
    """
    samples = np.frombuffer(audio, dtype="<i2", count=len(audio) // 2).astype(np.float64)
    if len(samples) < _FRAME * 4:
        return None
    spectra, window = _spectra(samples)
    power = np.abs(spectra) ** 2
    if background_flatness(power) < MIN_FLATNESS:
        return None
    noise = _quietest(power) + 1e-9
    filtered = spectra * _wiener_gains(power, noise)
    out = _resynthesise(filtered, window, len(samples))
    return np.clip(np.round(out), -32768, 32767).astype("<i2").tobytes()
