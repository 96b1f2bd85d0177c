"""The offline engine on bad input: no crash, no runaway CPU, no endless utterance.

Real microphones and calls deliver audio no benchmark clip resembles: a
gain stage turned up until every peak is clipped, a cheap interface with a
large DC offset, mains hum under near-silence (or hum loud enough that the
voice-activity detector takes it for speech), and telephone audio that lost
everything above 4 kHz before it was resampled back up.  For each the engine
must finish its run cleanly, every utterance (and so every turn) must stay
within the 15 s limit of the segmenter, and what speech there is must still
be mostly recognised.

Speech is two LibriVox clips (41 reference words) with 1 s of faint noise
before, between and after them, so each run also shows that a pause still
ends the utterance.  Measured when these tests were written (PocketSphinx
default model, DEFAULT_DECODER_PARAMS): clean 33/41 words (80 %), clipped
28/41 (68 %), DC offset 33/41 (80 %), telephone 26/41 (63 %).  Decoding hum
the detector calls speech cost 0.3-0.6 s of CPU per second of audio (more
than speech, about 0.25; it varied with the level and the machine's load),
near-silent hum almost nothing.  Thresholds leave a margin of several words.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable

import numpy as np
import pytest
import soxr

from captioner.engines.base import EngineState
from captioner.engines.offline import OfflineEngine, OfflineModel
from captioner.engines.offline import engine as offline
from captioner.engines.offline.engine import UtteranceEnded
from captioner.engines.offline.utterances import BYTES_PER_MS
from tests import speech
from tests.recording import RecordingListener

RATE = speech.RATE
JOIN_TIMEOUT = 60  # a hang guard, not a speed requirement
MAX_TURN_MS = 15_500  # the segmenter's 15 s limit plus slack for frame rounding
CLIP_NAMES = (  # the longest sentences: the most words per second of decoding
    "sense_and_sensibility_01_austen_64kb-0870",
    "sense_and_sensibility_01_austen_64kb-0920",
)
PAUSE_S = 1.0
FULL_SCALE = 32768.0


# --------------------------------------------------------------------------- helpers


def cpu_seconds() -> float:
    """CPU of this process and of its reaped children (a run's recogniser
    process is reaped when the run ends; the live pass runs there)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


class Run:
    """One engine run over some PCM: its listener, utterances and CPU cost."""

    def __init__(
        self,
        listener: RecordingListener,
        utterances: list[UtteranceEnded],
        audio_s: float,
        cpu_s: float,
    ) -> None:
        self.listener = listener
        self.utterances = utterances
        self.audio_s = audio_s
        self.cpu_per_audio_s = cpu_s / audio_s

    def text(self) -> str:
        return " ".join(f.text for f in self.listener.finals if f.text)


def samples(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64)


def to_pcm(values: np.ndarray) -> bytes:
    """Round and clip to int16, as a converter that saturates would."""
    return np.clip(np.round(values), -32768, 32767).astype("<i2").tobytes()


def speech_with_pauses() -> tuple[np.ndarray, str]:
    """The clips with faint noise (a quiet room) before, between and after them."""
    by_name = {clip.name: clip for clip in speech.clips("librivox")}
    rng = np.random.default_rng(0)
    parts: list[np.ndarray] = []
    for name in CLIP_NAMES:
        parts.append(rng.standard_normal(int(PAUSE_S * RATE)) * 20)
        parts.append(samples(by_name[name].pcm))
    parts.append(rng.standard_normal(int(PAUSE_S * RATE)) * 20)
    reference = " ".join(by_name[name].reference for name in CLIP_NAMES)
    return np.concatenate(parts), reference


def clipped(audio: np.ndarray) -> np.ndarray:
    return audio * 8  # to_pcm clips it: most of each word is flat-topped


def dc_offset(audio: np.ndarray) -> np.ndarray:
    return audio + 8000


def telephone(audio: np.ndarray) -> np.ndarray:
    """Down to 8 kHz (nothing left above 4 kHz) and back up to 16 kHz."""
    narrow = soxr.resample(audio, RATE, 8000)
    return soxr.resample(narrow, 8000, RATE)


def mains_hum(seconds: float, level_dbfs: float) -> bytes:
    """50 Hz hum with its harmonics and a little hiss, at ``level_dbfs`` RMS."""
    t = np.arange(int(seconds * RATE)) / RATE
    hum = np.zeros_like(t)
    for harmonic, weight in ((1, 1.0), (2, 0.5), (3, 0.35), (4, 0.2), (5, 0.15), (7, 0.1)):
        hum += weight * np.sin(2 * np.pi * 50 * harmonic * t + harmonic)
    hum /= np.sqrt(np.mean(hum**2))
    hiss = np.random.default_rng(1).standard_normal(len(t)) * 0.05  # 26 dB under the hum
    return to_pcm((hum + hiss) * FULL_SCALE * 10 ** (level_dbfs / 20))


def assert_survived(run: Run) -> None:
    """Clean end, no error, and no utterance or turn longer than the limit."""
    listener = run.listener
    assert not listener.errors, listener.errors
    assert [s for s, _ in listener.states] == [EngineState.LISTENING, EngineState.STOPPED]
    for utterance in run.utterances:
        assert utterance.end_ms - utterance.start_ms <= MAX_TURN_MS, utterance
        assert len(utterance.audio) <= MAX_TURN_MS * BYTES_PER_MS
        assert utterance.end_ms <= run.audio_s * 1000
    for final in listener.finals:
        if final.words:
            span = final.words[-1].end_ms - final.words[0].start_ms
            assert span <= MAX_TURN_MS, (span, final.text)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def run_engine(model: OfflineModel, monkeypatch: pytest.MonkeyPatch) -> Callable[[bytes], Run]:
    """Feed PCM to a real OfflineEngine as fast as it reads; wait for it to stop."""

    def run(pcm: bytes) -> Run:
        # Every utterance the recogniser ends, as the engine receives it: turns
        # with no words (hum decoded as nothing) say nothing about how long an
        # utterance ran; the segmenter's own events do.
        utterances: list[UtteranceEnded] = []
        original = offline._Recogniser._end_utterance

        def note(recogniser: object, event: UtteranceEnded, live: list) -> None:
            utterances.append(event)
            original(recogniser, event, live)  # type: ignore[arg-type]

        monkeypatch.setattr(offline._Recogniser, "_end_utterance", note)
        model.load()  # as in the app with the offline engine chosen: a recogniser waits
        listener = RecordingListener()
        engine = OfflineEngine(listener, realtime=False, model=model)
        source = speech.MemorySource(pcm)
        cpu_before = cpu_seconds()  # every thread of the process, and the recogniser
        engine.start(source)
        assert engine.join(JOIN_TIMEOUT), "the engine did not finish"
        cpu_s = cpu_seconds() - cpu_before
        listener.wait_stopped(1)
        assert source.exhausted, "the engine stopped before the end of the audio"
        return Run(listener, utterances, len(pcm) / 2 / RATE, cpu_s)

    return run


# --------------------------------------------------------------------------- speech


@pytest.mark.parametrize(
    ("damage", "min_recognised"),
    [
        pytest.param(clipped, 0.5, id="clipped-x8"),  # measured 68 %
        pytest.param(dc_offset, 0.6, id="dc-offset-8000"),  # measured 80 %, as clean
        pytest.param(telephone, 0.5, id="telephone-8k"),  # measured 63 %
    ],
)
def test_damaged_speech_is_still_mostly_recognised(
    run_engine: Callable[[bytes], Run],
    damage: Callable[[np.ndarray], np.ndarray],
    min_recognised: float,
) -> None:
    audio, reference = speech_with_pauses()
    run = run_engine(to_pcm(damage(audio)))

    assert_survived(run)
    # Each pause still ends an utterance: the damage does not make the
    # detector hear speech in the quiet between sentences.
    assert len(run.utterances) == len(CLIP_NAMES), run.utterances
    assert not any(u.cut for u in run.utterances)
    hits = speech.reference_hits(reference, run.text())
    assert sum(hits) / len(hits) >= min_recognised, (reference, run.text())


# --------------------------------------------------------------------------- hum


@pytest.mark.parametrize(
    ("seconds", "level_dbfs", "heard_as_speech"),
    [
        pytest.param(60, -50, False, id="near-silence-60s"),
        pytest.param(20, -24, True, id="loud-20s"),
    ],
)
def test_mains_hum_neither_runs_away_nor_makes_an_endless_utterance(
    run_engine: Callable[[bytes], Run], seconds: float, level_dbfs: float, heard_as_speech: bool
) -> None:
    run = run_engine(mains_hum(seconds, level_dbfs))

    assert_survived(run)
    # Fed as fast as it is read: CPU time per second of audio is the real-time
    # factor on one core.  Above 1.0 a live engine could never keep up.
    assert run.cpu_per_audio_s < 1.0, f"{run.cpu_per_audio_s:.2f} s of CPU per second of audio"
    if heard_as_speech:
        # Loud enough that the detector calls it speech from the first frame
        # to the last: only the forced cut keeps the utterance from growing
        # for as long as the hum lasts.  (This is what the level was chosen for.)
        assert run.utterances, "the hum was not taken for speech: the level needs raising"
        assert any(u.cut for u in run.utterances)
    else:
        assert not run.utterances
        assert not run.text()
