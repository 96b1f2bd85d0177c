"""Music under speech: the noisy path's sustained-tone suppression against plain PocketSphinx.

Usage::

    python benchmarks/offline_music.py

``offline_engine.py`` has one music row (five clips, one seed, 10 dB), too
few words to tell a setting that works from one fitted to those clips.  This
is the check ``engines/offline/music.py`` was chosen and held out with: each
clip under music is decoded with PocketSphinx's defaults (a fresh decoder)
as it is (the baseline, and what the noisy path did before cb50973); then
after ``suppress_sustained_tones`` with the same defaults (the noisy path
from cb50973 on) and with our final settings, as the final-decode process
now does for an utterance under ``noisy.NOISY_SNR_DB`` whose background is
not steady noise (``noisy.final_route``), less the faint first or last words
``music.drop_faint_edges`` takes out; clips the engine would route
elsewhere are left out.  The better/same/worse counts compare the last
column, the engine's, with the baseline clip by clip.  The tuning group is
first; the others are held out, among them a second music generator written
for this check only (:func:`other_music`: note lengths, decays, vibrato and a
beat unlike ``tests/speech.py``'s), so the result is not fitted to one
generator.  Takes ~3 minutes on one core.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import jiwer  # noqa: E402
import numpy as np  # noqa: E402

from captioner.engines.offline.denoise import suppress_steady_noise  # noqa: E402
from captioner.engines.offline.music import (  # noqa: E402
    drop_faint_edges,
    suppress_sustained_tones,
)
from captioner.engines.offline.noisy import NOISY_SNR_DB, snr_db  # noqa: E402
from captioner.engines.offline.words import clean_word  # noqa: E402
from tests import speech  # noqa: E402


def other_music(n: int, rng: np.random.Generator, *, beat: bool = True) -> np.ndarray:
    """Music unlike ``speech._music``: uneven notes that ring on, vibrato, a beat."""
    rate = speech.RATE
    t = np.arange(n) / rate
    out = np.zeros(n)
    pos = 0
    while pos < n:
        length = int(rng.uniform(0.15, 1.0) * rate)
        ring = min(n, pos + int(length * 1.6))  # a note rings past the next onset
        seg = t[pos:ring] - t[pos]
        attack = np.minimum(seg / 0.01, 1.0)
        envelope = attack * (
            0.6 * np.exp(-seg * rng.uniform(4, 10)) + 0.4 * np.exp(-seg * rng.uniform(0.8, 2.5))
        )
        root = 80.0 * 2 ** (rng.integers(0, 36) / 12)
        chord = [(1.0,), (1.0, 1.2, 1.5), (1.0, 1.25, 1.5), (1.0, 1.5, 2.0)][rng.integers(0, 4)]
        vibrato = 0.0
        if rng.random() < 0.5:
            vibrato = rng.uniform(0.005, 0.02) * np.sin(2 * np.pi * rng.uniform(4, 7) * seg)
        for ratio in chord:
            for harmonic in range(1, 7):
                freq = root * ratio * harmonic * (1 + 0.0005 * harmonic**2)  # a string's stretch
                if freq > 7000:
                    break
                phase = 2 * np.pi * np.cumsum(freq * (1 + vibrato)) / rate
                decay = np.exp(-seg * harmonic * 0.5)
                out[pos:ring] += envelope * decay * np.sin(phase) / harmonic
        pos += length
    if beat:
        for k, start in enumerate(range(0, n, rate // 4)):
            stop = min(n, start + int(0.15 * rate))
            seg = t[start:stop] - t[start]
            if k % 2 == 0:  # kick: a falling sine
                freq = 50 + 100 * np.exp(-seg * 30)
                kick = np.sin(2 * np.pi * np.cumsum(freq) / rate)
                out[start:stop] += 3.0 * np.exp(-seg * 25) * kick
            else:  # hi-hat: a bright noise burst
                noise = np.diff(rng.standard_normal(stop - start), prepend=0)
                out[start:stop] += 0.5 * np.exp(-seg * 60) * noise
    return out


def other_mixed(clip: speech.Clip, snr: float, seed: int) -> speech.Clip:
    samples = np.frombuffer(clip.pcm, dtype="<i2").astype(np.float64)
    music = other_music(len(samples), np.random.default_rng(seed))
    music *= np.sqrt(np.mean(samples**2) / (np.mean(music**2) * 10 ** (snr / 10)))
    pcm = np.clip(np.round(samples + music), -32768, 32767).astype("<i2").tobytes()
    return speech.Clip(f"{clip.name}+other{snr:g}dB", pcm, clip.reference)


def decode(pcm: bytes, *, edges: bool = False, **params: object) -> str:
    """The words of ``pcm``; ``edges``: less faint first/last words, as the engine's music path."""
    from pocketsphinx import Decoder

    decoder = Decoder(**{"loglevel": "FATAL", **params})
    decoder.start_utt()  # type: ignore[attr-defined]
    decoder.process_raw(pcm, False, True)  # type: ignore[attr-defined]
    decoder.end_utt()  # type: ignore[attr-defined]
    if edges:
        segments = decoder.seg()  # type: ignore[attr-defined]
        rows = [(seg.word, seg.start_frame, seg.end_frame) for seg in segments]
        spoken = (clean_word(row[0]) for row in drop_faint_edges(rows, pcm))
        return " ".join(word for word in spoken if word)
    hyp = decoder.hyp()  # type: ignore[attr-defined]
    return hyp.hypstr if hyp else ""


def wer(reference: str, hypothesis: str) -> float:
    return jiwer.wer(reference, hypothesis) if hypothesis else 1.0


def groups() -> dict[str, list[speech.Clip]]:
    lib, others = speech.clips("librivox"), speech.clips("pocketsphinx")
    music = speech.mixed
    return {
        "tune: 0870-0890 10 dB seeds 0-2": [
            music(c, "music", 10.0, seed=s) for s in (0, 1, 2) for c in lib[:3]
        ],
        "0920/0930 10 dB": [music(c, "music", 10.0) for c in lib[3:]],
        "LibriVox 5 dB": [music(c, "music", 5.0) for c in lib],
        "LibriVox 10 dB seed 3": [music(c, "music", 10.0, seed=3) for c in lib],
        "LibriVox 8 dB seeds 10-11": [
            music(c, "music", 8.0, seed=s) for s in (10, 11) for c in lib
        ],
        "LibriVox 12 dB seeds 10-11": [
            music(c, "music", 12.0, seed=s) for s in (10, 11) for c in lib
        ],
        "other speakers 5 dB": [music(c, "music", 5.0, seed=4) for c in others],
        "other speakers 3 dB": [music(c, "music", 3.0, seed=12) for c in others],
        "other music 5 dB": [other_mixed(c, 5.0, 5) for c in lib]
        + [other_mixed(c, 5.0, 6) for c in others],
        "other music 2 dB": [other_mixed(c, 2.0, s) for s in (13, 14) for c in lib + others],
    }


def main() -> int:
    from captioner.engines.offline.model import DEFAULT_DECODER_PARAMS, DEFAULT_FINAL_PARAMS

    final = {**DEFAULT_DECODER_PARAMS, **DEFAULT_FINAL_PARAMS}
    held: tuple[list[str], ...] = ([], [], [], [])
    counts = [0, 0, 0]
    print(f"{'group':<34} clips   plain  masked+defaults  masked+ours  better same worse")
    for name, material in groups().items():
        clips = [
            c
            for c in material
            if snr_db(c.pcm) < NOISY_SNR_DB and suppress_steady_noise(c.pcm) is None
        ]
        refs = [c.reference for c in clips]
        masked = [suppress_sustained_tones(c.pcm) for c in clips]
        plain = [decode(c.pcm) for c in clips]
        before = [decode(pcm) for pcm in masked]
        ours = [decode(pcm, edges=True, **final) for pcm in masked]
        diffs = [wer(r, o) - wer(r, p) for r, o, p in zip(refs, ours, plain, strict=True)]
        row = [sum(d < 0 for d in diffs), sum(d == 0 for d in diffs), sum(d > 0 for d in diffs)]
        print(f"{name:<34} {len(clips):>5}  {_cells(refs, plain, before, ours, row)}", flush=True)
        if not name.startswith("tune"):
            for total, part in zip(held, (refs, plain, before, ours), strict=True):
                total += part
            counts = [a + b for a, b in zip(counts, row, strict=True)]
    print(f"{'held out, all':<34} {len(held[0]):>5}  {_cells(*held, counts)}")
    return 0


def _cells(
    refs: list[str], plain: list[str], before: list[str], ours: list[str], row: list[int]
) -> str:
    rates = [jiwer.wer(refs, [h or "<none>" for h in hyps]) for hyps in (plain, before, ours)]
    return (
        f"{rates[0]:>6.1%}  {rates[1]:>15.1%}  {rates[2]:>11.1%}  "
        f"{row[0]:>6} {row[1]:>4} {row[2]:>5}"
    )


if __name__ == "__main__":
    sys.exit(main())
