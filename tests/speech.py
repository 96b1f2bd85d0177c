"""Real speech material for the offline engine's tests and benchmark.

Everything is built from the recordings in ``tests/data`` (LibriVox, and
PocketSphinx's own test speakers), so the same material serves the onset
test and ``benchmarks/offline_engine.py``:

* :func:`clips` — every recording with its reference transcript;
* :func:`mixed` — a clip with white noise or synthetic music under it at a
  set signal-to-noise ratio (seeded, so runs are comparable);
* :func:`in_room` — a clip heard across a room: convolved with a synthetic
  room response (exponentially decaying noise of a set RT60 after a direct
  path at a set direct-to-reverberant ratio; seeded);
* :func:`by_phone` — a clip through a telephone line: 8 kHz, G.711 µ-law,
  resampled up again;
* :func:`split_at_pauses` — a clip cut at its quietest word boundaries
  (found by forced alignment) with silence put between the pieces, so each
  piece is an utterance whose first word is an onset;
* :func:`continuous` — clips joined with no pause at all, with music under
  them, as long as asked: a speaker who never stops.

Audio is 16 kHz mono s16le ``bytes`` throughout.
"""

from __future__ import annotations

import itertools
import re
import wave
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jiwer
import numpy as np

DATA = Path(__file__).parent / "data"
RATE = 16_000
FRAME_S = 0.01  # PocketSphinx frames


CHUNK_BYTES = 1600  # 50 ms, as the audio layer delivers it


class MemorySource:
    """An AudioSource over PCM in memory: 50 ms chunks, as fast as they are read."""

    def __init__(self, pcm: bytes, name: str = "memory") -> None:
        self.name = name
        self._pcm = pcm
        self._pos = 0

    @property
    def exhausted(self) -> bool:
        return self._pos >= len(self._pcm)

    def open(self) -> None:
        self._pos = 0

    def read(self, timeout: float) -> bytes | None:
        chunk = self._pcm[self._pos : self._pos + CHUNK_BYTES]
        self._pos += len(chunk)
        return chunk

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class Clip:
    name: str
    pcm: bytes
    reference: str  # lower case, no punctuation

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / RATE


@dataclass(frozen=True)
class Piece:
    """Part of a split clip: where it sits in the new audio and its words."""

    start_s: float
    words: tuple[str, ...]


def normalise(text: str) -> str:
    text = re.sub(r"[^\w\s']", " ", text.lower()).replace("'", "")
    return " ".join(text.split())


def read_wav(path: Path) -> bytes:
    with wave.open(str(path), "rb") as wav:
        if (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) != (1, 2, RATE):
            raise ValueError(f"{path}: not 16 kHz mono 16-bit")
        return wav.readframes(wav.getnframes())


def write_wav(path: Path, pcm: bytes) -> Path:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(pcm)
    return path


@cache
def clips(group: str | None = None) -> tuple[Clip, ...]:
    """Every recording under ``tests/data/<group>`` that has a ``.txt`` beside it."""
    root = DATA / group if group else DATA
    found = []
    for wav in sorted(root.rglob("*.wav")):
        txt = wav.with_suffix(".txt")
        if txt.exists():
            found.append(Clip(wav.stem, read_wav(wav), normalise(txt.read_text("utf-8"))))
    return tuple(found)


def _samples(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64)


def _pcm(samples: np.ndarray) -> bytes:
    return np.clip(np.round(samples), -32768, 32767).astype("<i2").tobytes()


def _music(n: int, rng: np.random.Generator) -> np.ndarray:
    """Chords of harmonic tones with note envelopes: music-like, not speech-like."""
    t = np.arange(n) / RATE
    out = np.zeros(n)
    note_len = int(0.5 * RATE)
    for start in range(0, n, note_len):
        stop = min(n, start + note_len)
        seg = t[start:stop] - t[start]
        envelope = np.exp(-3.0 * seg)
        root = 110.0 * 2 ** (rng.integers(0, 12) / 12)
        for ratio in (1.0, 1.25, 1.5):  # a major triad
            for harmonic, weight in ((1, 1.0), (2, 0.5), (3, 0.25)):
                freq = root * ratio * harmonic
                out[start:stop] += weight * envelope * np.sin(2 * np.pi * freq * t[start:stop])
    return out


def mixed(clip: Clip, kind: str, snr_db: float, seed: int = 0) -> Clip:
    """``clip`` with ``kind`` ("noise" or "music") under it at ``snr_db``."""
    speech = _samples(clip.pcm)
    rng = np.random.default_rng(seed)
    if kind == "noise":
        background = rng.standard_normal(len(speech))
    elif kind == "music":
        background = _music(len(speech), rng)
    else:
        raise ValueError(kind)
    speech_power = np.mean(speech**2)
    scale = np.sqrt(speech_power / (np.mean(background**2) * 10 ** (snr_db / 10)))
    return Clip(
        f"{clip.name}+{kind}{snr_db:g}dB", _pcm(speech + scale * background), clip.reference
    )


def in_room(clip: Clip, rt60_s: float, drr_db: float, seed: int = 1) -> Clip:
    """``clip`` heard across a room with reverberation time ``rt60_s``.

    Real rooms add early reflections this leaves out; the late tail is what
    smears one word into the next, and ``drr_db`` (direct path against the
    tail) says how far the talker is: +5 dB a laptop at arm's length in an
    office, 0 dB across a meeting room.  Loudness is kept.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(int(rt60_s * RATE)) / RATE
    response = rng.standard_normal(len(t)) * np.exp(-6.9 * t / rt60_s)  # -60 dB at RT60
    response[: int(0.003 * RATE)] = 0.0
    response[0] = np.sqrt(np.sum(response**2) * 10 ** (drr_db / 10))
    speech = _samples(clip.pcm)
    heard = np.convolve(speech, response)[: len(speech)]
    heard *= np.sqrt(np.mean(speech**2) / np.mean(heard**2))
    return Clip(f"{clip.name}+room{rt60_s:g}s{drr_db:+g}dB", _pcm(heard), clip.reference)


def by_phone(clip: Clip) -> Clip:
    """``clip`` as a phone call carries it: 8 kHz, 8-bit µ-law (G.711), back to 16 kHz."""
    import soxr

    narrow = soxr.resample(_samples(clip.pcm) / 32768.0, RATE, 8000)
    mu = 255.0
    coded = np.round(
        np.sign(narrow) * np.log1p(mu * np.abs(np.clip(narrow, -1, 1))) / np.log1p(mu) * 127
    )
    decoded = np.sign(coded) * np.expm1(np.abs(coded) / 127 * np.log1p(mu)) / mu
    wide = soxr.resample(decoded, 8000, RATE)[: len(clip.pcm) // 2] * 32768.0
    return Clip(f"{clip.name}+phone", _pcm(wide), clip.reference)


@cache
def _aligner():  # type: ignore[no-untyped-def]
    from pocketsphinx import Decoder

    return Decoder(loglevel="FATAL")


def word_spans(clip: Clip) -> list[tuple[str, float, float]]:
    """Forced alignment of the reference: (word, start s, end s) for each word."""
    decoder = _aligner()
    decoder.set_align_text(clip.reference)
    decoder.start_utt()
    decoder.process_raw(clip.pcm, False, True)
    decoder.end_utt()
    spans = []
    for seg in decoder.seg():
        word = re.sub(r"\(\d+\)$", "", seg.word)
        if word.startswith(("<", "[")):
            continue
        spans.append((word, seg.start_frame * FRAME_S, (seg.end_frame + 1) * FRAME_S))
    return spans


def split_at_pauses(
    clip: Clip, *, pieces: int = 3, min_words: int = 2, gap_s: float = 1.2
) -> tuple[Clip, list[Piece]]:
    """Cut ``clip`` at its quietest word boundaries and put ``gap_s`` of silence there.

    A boundary's quietness is the energy of the 60 ms around it; the
    ``pieces - 1`` quietest boundaries that leave every piece ``min_words``
    long are used.  The gap holds faint noise (a real room is never
    digitally silent), well below the speech.
    """
    spans = word_spans(clip)
    samples = _samples(clip.pcm)
    words = [w for w, _, _ in spans]
    if len(spans) < 2 * min_words:
        return clip, [Piece(0.0, tuple(words))]

    def energy(at_s: float) -> float:
        mid = int(at_s * RATE)
        window = samples[max(0, mid - 480) : mid + 480]
        return float(np.mean(window**2)) if len(window) else 0.0

    boundaries = sorted(range(1, len(spans)), key=lambda i: energy(spans[i][1]))
    chosen: list[int] = []
    for i in boundaries:
        trial = sorted([*chosen, i])
        edges = [0, *trial, len(spans)]
        if all(b - a >= min_words for a, b in itertools.pairwise(edges)):
            chosen = trial
        if len(chosen) == pieces - 1:
            break
    rng = np.random.default_rng(len(clip.pcm))
    floor = np.sqrt(np.mean(samples**2)) * 10 ** (-45 / 20)
    out: list[np.ndarray] = []
    result: list[Piece] = []
    edges = [0, *chosen, len(spans)]
    position = 0
    for a, b in itertools.pairwise(edges):
        cut_from = 0 if a == 0 else int(spans[a][1] * RATE)
        cut_to = len(samples) if b == len(spans) else int(spans[b][1] * RATE)
        if out:
            gap = rng.standard_normal(int(gap_s * RATE)) * floor
            out.append(gap)
            position += len(gap)
        # The piece's first word starts where the alignment put it.
        onset = position + (int(spans[a][1] * RATE) - cut_from)
        result.append(Piece(onset / RATE, tuple(words[a:b])))
        out.append(samples[cut_from:cut_to])
        position += cut_to - cut_from
    pcm = _pcm(np.concatenate(out))
    return Clip(f"{clip.name}/split", pcm, " ".join(words)), result


def continuous(seconds: float, *, music_snr_db: float | None = 15.0) -> Clip:
    """LibriVox clips joined end to end with no pause, ``seconds`` long (or a bit more)."""
    parts: list[np.ndarray] = []
    refs: list[str] = []
    total = 0
    while total < seconds * RATE:
        for clip in clips("librivox"):
            spans = word_spans(clip)
            samples = _samples(clip.pcm)
            start = max(0, int((spans[0][1] - 0.03) * RATE))
            stop = min(len(samples), int((spans[-1][2] + 0.03) * RATE))
            parts.append(samples[start:stop])
            refs.append(clip.reference)
            total += stop - start
    joined = Clip("continuous", _pcm(np.concatenate(parts)), " ".join(refs))
    if music_snr_db is None:
        return joined
    music = mixed(joined, "music", music_snr_db, seed=7)
    minutes = len(joined.pcm) / 2 / RATE / 60
    return Clip(f"continuous {minutes:.1f} min+music{music_snr_db:g}dB", music.pcm, music.reference)


def onset_rates(pieces: list[list[Piece]], hypotheses: list[str]) -> tuple[float, float]:
    """Share of first words of pieces recognised, and of all other words."""
    first = [0, 0]
    rest = [0, 0]
    for clip_pieces, hypothesis in zip(pieces, hypotheses, strict=True):
        words = [w for piece in clip_pieces for w in piece.words]
        onsets = set()
        index = 0
        for piece in clip_pieces:
            onsets.add(index)
            index += len(piece.words)
        hits = reference_hits(" ".join(words), hypothesis)
        for i, hit in enumerate(hits):
            bucket = first if i in onsets else rest
            bucket[0] += hit
            bucket[1] += 1
    return first[0] / max(1, first[1]), rest[0] / max(1, rest[1])


def reference_hits(reference: str, hypothesis: str) -> list[bool]:
    """For each reference word, whether the alignment found it in the hypothesis.

    References are lower-case; the offline engine writes sentence case ("He was…").
    """
    hypothesis = hypothesis.lower()
    words = reference.split()
    hits = [False] * len(words)
    if not hypothesis.strip():
        return hits
    out = jiwer.process_words(reference, hypothesis)
    for chunk in out.alignments[0]:
        if chunk.type == "equal":
            for i in range(chunk.ref_start_idx, chunk.ref_end_idx):
                hits[i] = True
    return hits
