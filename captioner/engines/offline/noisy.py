"""Which finals are decoded as noisy speech, and how noisy an utterance is.

Used in the final-decode process (see final_process.serve) and by the
benchmarks.  Nothing here imports numpy at module level: the app's process
imports final_process, which imports this, and never loads numpy for it.
"""

from __future__ import annotations

from dataclasses import dataclass

# Below this signal-to-noise ratio (snr_db) an utterance's final is decoded
# with the noisy-speech settings (model.NOISY_FINAL_PARAMS).  Chosen with
# benchmarks/offline_engine.py on LibriVox 0870-0890 under white noise at 15 dB
# and music at 10 dB (estimates 20.5-23.4 dB; each clip is one utterance there,
# so with the noisy settings its final is the plain decode's) and the 5-minute
# continuous file under music at 15 dB (its 15 s lines 23.7-26.3 dB; our
# settings lose fewer words there): any threshold from 23.5 to 25 dB kept every
# one of those rows at or under the baseline.  Held out, 0920 and 0930 under
# the same mixes (20.2-23.0 dB) did too at 24 dB.  The margin is thin (music
# at 10 dB and at 15 dB are 0.3 dB apart at the edges); clean speech, paused
# or not, reads 30 dB and more.
NOISY_SNR_DB = 24.0
# Below this SNR an utterance whose background is steady, broadband noise
# (denoise.suppress_steady_noise) is filtered and then decoded like a noisy
# one.  Between 24 and 28 dB read the LibriVox clips under white noise at
# 20 dB (24.5-26.3) and LibriVox and the other speakers under pink noise at
# 15 dB (23.9-27.1), where that beat our settings (white 44 -> 32 %, pink
# 37 -> 28 % WER; plain PocketSphinx 51 and 37 %); clean speech reads 30.5 dB
# and more (unbroken LibriVox lines, whose gaps are steady too; the clips
# alone 33 dB and more), where our settings are clearly better (21 vs 32 %).
# 28 dB keeps 2.5 dB from clean speech: a line wrongly sent here loses words,
# one wrongly kept from here only misses the filter's gain.
STEADY_NOISE_SNR_DB = 28.0
# The noise floor is the quietest 1 % of 10 ms frames (see snr_db).
NOISE_FLOOR_PERCENTILE = 1.0


@dataclass(frozen=True, slots=True)
class FinalRoute:
    """How a noisy utterance's final is decoded: which audio, with which settings.

    ``audio`` is the utterance as the decoder gets it (filtered, usually);
    ``plain`` selects PocketSphinx's own defaults (the model's noisy_params),
    else our final settings.  Either way without left context: the audio
    is filtered and its neighbour's would not be.
    """

    audio: bytes
    plain: bool


def final_route(audio: bytes, *, denoise: bool = True) -> FinalRoute | None:
    """How to decode ``audio``'s final, or None for as it is, with our settings.

    Below NOISY_SNR_DB: with (``denoise``) its steady background noise
    filtered out when it has one, and then PocketSphinx's defaults; else its
    sustained tones (music) taken down, and then our settings.  Up to
    STEADY_NOISE_SNR_DB: filtered, if its background is steady.  Without
    ``denoise``: below NOISY_SNR_DB as it is, with PocketSphinx's defaults.

    Why the settings differ after the two filters: after the steady-noise
    filter the defaults keep more words than ours (white noise at 15 dB on
    LibriVox: 40.8 vs 63.4 % WER, at 10 dB on the other speakers: 14.3 vs
    22.9 %); once the music mask has taken the held notes down, ours keep
    more (benchmarks/offline_music.py's held-out groups: 34.9 vs 42.5 %, the
    plain decode of the unfiltered audio 48.5 %; its tuning group 29.5 vs
    37.1 %).
    """
    snr = snr_db(audio)
    if snr >= STEADY_NOISE_SNR_DB or (snr >= NOISY_SNR_DB and not denoise):
        return None
    if not denoise:
        return FinalRoute(audio, plain=True)
    from captioner.engines.offline.denoise import suppress_steady_noise  # numpy

    cleaned = suppress_steady_noise(audio)
    if cleaned is not None:
        return FinalRoute(cleaned, plain=True)
    if snr >= NOISY_SNR_DB:
        return None
    from captioner.engines.offline.music import suppress_sustained_tones  # numpy

    return FinalRoute(suppress_sustained_tones(audio), plain=False)


def snr_db(audio: bytes) -> float:
    """A rough signal-to-noise ratio of an utterance, in dB.

    The loud frames (95th percentile of 10 ms energies) against the quietest
    (NOISE_FLOOR_PERCENTILE): even someone who never pauses leaves gaps of a
    few frames between words, where only the background sounds.  The 10th
    percentile used before landed on weak speech sounds in continuous speech,
    so a lecture over quiet music (15 dB) read as noisy as a sentence under
    white noise (18-20 dB for both) and got the noisy-speech settings, which
    lost words there (benchmarks/offline_engine.py: 37.4 -> 40.0 % WER).
    """
    import numpy as np

    samples = np.frombuffer(audio, dtype="<i2", count=len(audio) // 2).astype(np.float64)
    whole = len(samples) - len(samples) % 160
    if whole < 160 * 10:
        return float("inf")  # too short to tell: treat as clean
    energy = (samples[:whole].reshape(-1, 160) ** 2).mean(axis=1) + 1.0
    level = 10 * np.log10(energy)
    return float(np.percentile(level, 95) - np.percentile(level, NOISE_FLOOR_PERCENTILE))
