"""The offline engine on real speech: what a reader of the captions notices.

Clips are LibriVox recordings with reference transcripts.  Every test runs
the real PocketSphinx decoder; speed is measured by
``benchmarks/offline_engine.py``, not here.
"""

from __future__ import annotations

import itertools
import os
import random
import signal
import struct
import threading
import wave
from collections.abc import Callable
from dataclasses import dataclass, field

import jiwer
import pytest

from captioner.audio.errors import AudioError
from captioner.audio.file_source import WavFileSource
from captioner.core.transcript import ChangeKind, Transcript, TurnUpdate
from captioner.engines.base import AudioSource, EngineError, EngineState, ErrorKind
from captioner.engines.offline import (
    LOADING_DETAIL,
    OfflineEngine,
    OfflineModel,
    clean_word,
    default_model,
)
from captioner.engines.offline.live_process import LiveProcess
from tests.conftest import DATA

CLIP_DIR = DATA / "librivox"
CHUNK = 1600  # 50 ms of 16 kHz mono s16le
CLIPS = sorted(path.stem for path in CLIP_DIR.glob("*.wav"))
LONG_CLIP = "sense_and_sensibility_01_austen_64kb-0870"  # 7.1 s, one sentence
JOIN_TIMEOUT = 30  # a hang guard, not a speed requirement


# --------------------------------------------------------------------------- helpers


class ChunkSource:
    """AudioSource over PCM bytes in 50 ms chunks, as fast as it is read."""

    def __init__(self, pcm: bytes, *, name: str = "test") -> None:
        self.name = name
        self._pcm = pcm
        self._pos = 0
        self.closed = False

    def open(self) -> None:
        pass

    def read(self, timeout: float) -> bytes | None:
        chunk = self._pcm[self._pos : self._pos + CHUNK]
        self._pos += len(chunk)
        return chunk

    def close(self) -> None:
        self.closed = True


class HookedSource:
    """Wraps any AudioSource to run ``on_read(index)`` before each read.

    Lets tests stop the engine or make the device fail at a known point of
    the audio, whatever the underlying source is.
    """

    def __init__(self, inner: AudioSource) -> None:
        self.inner = inner
        self.name = inner.name
        self.reads = 0
        self.opened = False
        self.closed = False
        self.on_read: Callable[[int], None] | None = None

    def open(self) -> None:
        self.inner.open()
        self.opened = True

    def read(self, timeout: float) -> bytes | None:
        if self.on_read is not None:
            self.on_read(self.reads)
        self.reads += 1
        return self.inner.read(timeout)

    def close(self) -> None:
        self.closed = True
        self.inner.close()


def open_clip(name: str) -> HookedSource:
    """An AudioSource for a clip, read as fast as the engine consumes it."""
    return HookedSource(WavFileSource(CLIP_DIR / f"{name}.wav", realtime=False))


def read_pcm(name: str) -> bytes:
    with wave.open(str(CLIP_DIR / f"{name}.wav"), "rb") as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (16000, 1, 2)
        return wav.readframes(wav.getnframes())


def reference(name: str) -> str:
    return (CLIP_DIR / f"{name}.txt").read_text(encoding="utf-8").strip()


def silence(seconds: float) -> bytes:
    return bytes(int(seconds * 16000) * 2)


def faint_noise(seconds: float, amplitude: int = 60) -> bytes:
    rng = random.Random(1234)
    samples = [rng.randint(-amplitude, amplitude) for _ in range(int(seconds * 16000))]
    return struct.pack(f"<{len(samples)}h", *samples)


def duration_ms(pcm: bytes) -> int:
    return len(pcm) // 32


@dataclass
class Recorder:
    """Listener that keeps every event, in order, and signals STOPPED."""

    events: list[tuple[str, object]] = field(default_factory=list)
    stopped: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _add(self, kind: str, value: object) -> None:
        with self._lock:
            self.events.append((kind, value))

    def on_partial(self, update: TurnUpdate) -> None:
        self._add("partial", update)

    def on_final(self, update: TurnUpdate) -> None:
        self._add("final", update)

    def on_state(self, state: EngineState, detail: str) -> None:
        self._add("state", (state, detail))
        if state is EngineState.STOPPED:
            self.stopped.set()

    def on_error(self, error: EngineError) -> None:
        self._add("error", error)

    @property
    def partials(self) -> list[TurnUpdate]:
        return [v for k, v in self.events if k == "partial"]  # type: ignore[misc]

    @property
    def finals(self) -> list[TurnUpdate]:
        return [v for k, v in self.events if k == "final"]  # type: ignore[misc]

    @property
    def states(self) -> list[EngineState]:
        return [v[0] for k, v in self.events if k == "state"]  # type: ignore[index]

    @property
    def errors(self) -> list[EngineError]:
        return [v for k, v in self.events if k == "error"]  # type: ignore[misc]

    def text(self) -> str:
        return " ".join(f.text for f in self.finals if f.text)


def run_engine(
    source: ChunkSource | HookedSource, model: OfflineModel, *, label: str = "", ready: bool = True
) -> tuple[Recorder, OfflineEngine]:
    if ready:
        model.load()  # as in the app with the offline engine chosen: a recogniser waits
    recorder = Recorder()
    engine = OfflineEngine(recorder, source_label=label, realtime=False, model=model)
    engine.start(source)
    assert engine.join(JOIN_TIMEOUT), "the engine did not finish"
    assert recorder.stopped.is_set()
    return recorder, engine


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def clip_source() -> Callable[[str], HookedSource]:
    """Make an AudioSource for a clip by name."""
    return open_clip


@pytest.fixture(scope="module")
def clip_runs(model: OfflineModel) -> dict[str, Recorder]:
    """Every clip through the engine once; several tests look at the results."""
    runs = {}
    for name in CLIPS:
        recorder, _ = run_engine(open_clip(name), model, label="mic")
        runs[name] = recorder
    return runs


# --------------------------------------------------------------------------- speech


def test_clips_are_available() -> None:
    assert len(CLIPS) >= 3, f"expected LibriVox clips in {CLIP_DIR}"


@pytest.mark.parametrize("name", CLIPS)
def test_partials_arrive_and_grow_while_someone_speaks(
    clip_runs: dict[str, Recorder], name: str
) -> None:
    partials = clip_runs[name].partials
    assert len(partials) >= 3
    assert all(p.text and not p.end_of_turn and not p.formatted for p in partials)
    # Each partial rewrites the line with a changed hypothesis...
    assert all(a.text != b.text for a, b in itertools.pairwise(partials))
    # ...and the line grows as the sentence goes on.
    word_counts = [len(p.text.split()) for p in partials]
    assert word_counts[-1] > word_counts[0]
    assert word_counts[-1] >= max(word_counts) - 2


@pytest.mark.parametrize("name", CLIPS)
def test_final_carries_words_with_increasing_in_range_times(
    clip_runs: dict[str, Recorder], name: str
) -> None:
    recorder = clip_runs[name]
    finals = [f for f in recorder.finals if f.text]
    assert finals, "no final with text"
    clip_ms = duration_ms(read_pcm(name))
    previous_end = 0
    for final in finals:
        assert final.end_of_turn and not final.formatted
        assert final.source == "mic"
        assert final.text == " ".join(w.text for w in final.words)
        for word in final.words:
            assert word.text.strip() and "(" not in word.text and "<" not in word.text
            assert 0 <= previous_end <= word.start_ms <= word.end_ms <= clip_ms
            assert 0.0 <= word.confidence <= 1.0
            previous_end = word.end_ms
    # Speech fills the clip (LibriVox clips are trimmed to the sentence).
    assert finals[0].words[0].start_ms < 1000
    assert finals[-1].words[-1].end_ms > clip_ms - 1500


def test_most_reference_words_are_recognised(clip_runs: dict[str, Recorder]) -> None:
    references = [reference(name) for name in CLIPS]
    hypotheses = [clip_runs[name].text() for name in CLIPS]
    output = jiwer.process_words(references, hypotheses)
    reference_words = sum(len(r.split()) for r in references)
    assert output.hits / reference_words >= 0.6, list(zip(references, hypotheses, strict=True))


@pytest.mark.parametrize("name", CLIPS)
def test_keys_are_unique_per_turn_and_partials_belong_to_their_final(
    clip_runs: dict[str, Recorder], name: str
) -> None:
    recorder = clip_runs[name]
    final_keys = [f.key for f in recorder.finals]
    assert len(final_keys) == len(set(final_keys))
    assert {p.key for p in recorder.partials} <= set(final_keys)
    for final in recorder.finals:
        assert final.key.startswith("offline-")
        assert final.key.endswith(f":{final.order}")


def test_keys_never_repeat_across_runs(clip_runs: dict[str, Recorder]) -> None:
    keys = [f.key for recorder in clip_runs.values() for f in recorder.finals]
    assert len(keys) == len(set(keys))


def test_states_report_listening_then_stopped(clip_runs: dict[str, Recorder]) -> None:
    for recorder in clip_runs.values():
        assert recorder.states[0] is EngineState.LISTENING
        assert recorder.states[-1] is EngineState.STOPPED
        assert recorder.events[-1][0] == "state"
        assert not recorder.errors


def test_live_mode_keeps_partials_when_decoding_keeps_up(
    model: OfflineModel, clip_source: Callable[[str], HookedSource]
) -> None:
    # realtime=True only drops partials while decoding lags the audio; a
    # source that is always ahead (a file read at full speed) never lags.
    recorder = Recorder()
    engine = OfflineEngine(recorder, realtime=True, model=model)
    engine.start(clip_source(CLIPS[0]))
    assert engine.join(JOIN_TIMEOUT)
    assert len(recorder.partials) >= 3
    assert recorder.text()


def test_two_utterances_get_two_turns_on_the_session_clock(
    model: OfflineModel, clip_source: Callable[[str], HookedSource]
) -> None:
    first, second = read_pcm(CLIPS[1]), read_pcm(CLIPS[4])
    gap = silence(2.0)
    recorder, _ = run_engine(ChunkSource(first + gap + second), model)

    finals = [f for f in recorder.finals if f.text]
    assert len(finals) == 2
    assert [f.order for f in finals] == [0, 1]
    assert finals[0].key != finals[1].key
    second_starts_ms = duration_ms(first + gap)
    assert finals[0].words[-1].end_ms <= duration_ms(first)
    # Times count audio from the start of the run, not from the utterance.
    assert second_starts_ms - 300 <= finals[1].words[0].start_ms <= second_starts_ms + 1000
    assert finals[1].words[-1].end_ms <= second_starts_ms + duration_ms(second)

    transcript = Transcript()
    kinds = [transcript.apply(u).kind for k, u in recorder.events if k in ("partial", "final")]
    assert kinds.count(ChangeKind.FINISHED) == 2
    assert not transcript.partials


# --------------------------------------------------------------------------- stop, end, errors


def test_stop_mid_clip_finishes_the_utterance_in_progress(
    model: OfflineModel, clip_source: Callable[[str], HookedSource]
) -> None:
    source = clip_source(LONG_CLIP)
    recorder = Recorder()
    engine = OfflineEngine(recorder, realtime=False, model=model)
    stop_at = 60  # 3 s into a 7.1 s sentence

    def maybe_stop(index: int) -> None:
        if index == stop_at:
            engine.stop()

    source.on_read = maybe_stop
    engine.start(source)
    assert engine.join(JOIN_TIMEOUT)

    # It stopped reading right away and said so.
    assert source.reads <= stop_at + 2
    assert EngineState.STOPPING in recorder.states
    assert recorder.states[-1] is EngineState.STOPPED
    assert source.opened and source.closed
    # The sentence so far became a final instead of vanishing with the partial.
    finals = recorder.finals
    assert len(finals) == 1
    assert finals[0].text
    assert finals[0].key == recorder.partials[-1].key
    assert finals[0].words[-1].end_ms <= (stop_at + 1) * 50
    assert not recorder.errors


def test_silence_gives_no_captions(model: OfflineModel) -> None:
    recorder, _ = run_engine(ChunkSource(silence(2.0) + faint_noise(3.0) + silence(1.0)), model)
    assert not [f for f in recorder.finals if f.text]
    assert not recorder.errors
    assert recorder.states[-1] is EngineState.STOPPED


def test_empty_stream_ends_cleanly(model: OfflineModel) -> None:
    source = HookedSource(ChunkSource(b""))
    recorder, _ = run_engine(source, model)
    assert recorder.finals == [] and recorder.partials == []
    assert recorder.states == [EngineState.LISTENING, EngineState.STOPPED]
    assert source.closed


def test_audio_error_is_reported_with_its_message(
    model: OfflineModel, clip_source: Callable[[str], HookedSource]
) -> None:
    message = "The microphone “USB Headset” was disconnected."
    source = clip_source(LONG_CLIP)

    def fail(index: int) -> None:
        if index == 40:
            raise AudioError(message)

    source.on_read = fail
    recorder, _ = run_engine(source, model)

    assert recorder.errors == [EngineError(ErrorKind.AUDIO, message)]
    assert recorder.states[-1] is EngineState.STOPPED
    assert source.closed
    # What was said before the device failed is kept.
    assert [f for f in recorder.finals if f.text]


def test_audio_error_on_open_is_reported(model: OfflineModel) -> None:
    class Unpluggable(ChunkSource):
        def open(self) -> None:
            raise AudioError("No microphone is connected.")

    source = HookedSource(Unpluggable(b""))
    recorder, _ = run_engine(source, model)
    assert recorder.errors == [EngineError(ErrorKind.AUDIO, "No microphone is connected.")]
    assert EngineState.LISTENING not in recorder.states
    assert recorder.states[-1] is EngineState.STOPPED
    assert source.closed


def test_chunk_that_splits_a_sample_is_an_internal_error(model: OfflineModel) -> None:
    recorder, _ = run_engine(ChunkSource(b"\x00" * 801), model)
    assert [e.kind for e in recorder.errors] == [ErrorKind.INTERNAL]
    assert recorder.states[-1] is EngineState.STOPPED


# --------------------------------------------------------------------------- model loading


class ProcessSpy:
    """Records the recogniser process each run of ``model`` gets."""

    def __init__(self, model: OfflineModel, monkeypatch: pytest.MonkeyPatch) -> None:
        self.processes: list[LiveProcess] = []
        self.pids: list[int | None] = []
        original = model.acquire

        def acquire() -> LiveProcess:
            process = original()
            self.processes.append(process)
            self.pids.append(process.pid)
            return process

        monkeypatch.setattr(model, "acquire", acquire)


def test_each_run_gets_its_own_recogniser_process_which_ends_with_it(
    clip_source: Callable[[str], HookedSource], monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = OfflineModel()
    spy = ProcessSpy(fresh, monkeypatch)
    assert not fresh.loaded

    first, _ = run_engine(clip_source(CLIPS[1]), fresh, ready=False)
    assert first.events[0] == ("state", (EngineState.LOADING, LOADING_DETAIL))
    assert first.states[:2] == [EngineState.LOADING, EngineState.LISTENING]
    second, _ = run_engine(clip_source(CLIPS[1]), fresh, ready=False)

    assert spy.pids[0] != os.getpid() and spy.pids[1] != os.getpid()
    assert spy.pids[0] != spy.pids[1]
    # The run's process is gone with its run: nothing of it stays in memory.
    assert not any(process.alive for process in spy.processes)
    # Each starts from the same warmed-up state: same audio, same words.
    assert second.text() == first.text()
    assert fresh.spare_pid is None  # not preloaded: nothing kept for a next run
    fresh.close()


def test_preloading_serves_the_first_run_and_keeps_one_ready_until_dropped(
    clip_source: Callable[[str], HookedSource], monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = OfflineModel()
    fresh.ensure_loaded_async()
    fresh.ensure_loaded_async()  # idempotent: the GUI may call it freely
    fresh.load()
    preloaded = fresh.spare_pid
    assert preloaded is not None and fresh.decoders_created == 1
    assert fresh.loaded
    spy = ProcessSpy(fresh, monkeypatch)

    recorder, _ = run_engine(clip_source(CLIPS[1]), fresh)
    assert recorder.text()
    assert EngineState.LOADING not in recorder.states
    assert spy.pids == [preloaded]
    # The offline engine is still chosen: a new one waits for the next Start.
    assert fresh.spare_pid not in (None, preloaded)
    fresh.drop_spare()  # the user picked another engine
    assert fresh.spare_pid is None and not fresh.loaded
    fresh.close()


def test_engines_running_at_once_get_their_own_recogniser(
    clip_source: Callable[[str], HookedSource], monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = OfflineModel()
    fresh.load()
    spy = ProcessSpy(fresh, monkeypatch)
    gate = threading.Barrier(2, timeout=JOIN_TIMEOUT)
    recorders, engines = [], []
    for label, name in (("mic", CLIPS[1]), ("system", CLIPS[4])):
        source = clip_source(name)
        # Both engines hold their recogniser before either finishes.
        source.on_read = lambda index: gate.wait() if index == 0 else None
        recorder = Recorder()
        engine = OfflineEngine(recorder, source_label=label, realtime=False, model=fresh)
        engine.start(source)
        recorders.append(recorder)
        engines.append(engine)
    assert all(engine.join(JOIN_TIMEOUT) for engine in engines)

    assert len(set(spy.pids)) == 2
    for recorder, label in zip(recorders, ("mic", "system"), strict=True):
        assert recorder.text()
        assert {f.source for f in recorder.finals} == {label}
    keys = [f.key for r in recorders for f in r.finals]
    assert len(keys) == len(set(keys))
    fresh.close()


def test_a_recogniser_that_dies_mid_run_ends_the_run_with_a_clear_error_keeping_words(
    model: OfflineModel,
    clip_source: Callable[[str], HookedSource],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spy = ProcessSpy(model, monkeypatch)
    model.load()
    # Two utterances: the recogniser dies while the second one is being captioned.
    source = HookedSource(ChunkSource(read_pcm(CLIPS[1]) + silence(2.0) + read_pcm(CLIPS[4])))
    killed: list[int] = []

    def kill_in_the_second_line(index: int) -> None:
        if not killed and any(update.order == 1 for update in recorder.partials):
            killed.append(index)
            os.kill(spy.pids[0], signal.SIGKILL)

    recorder = Recorder()
    source.on_read = kill_in_the_second_line
    engine = OfflineEngine(recorder, realtime=False, model=model)
    engine.start(source)
    assert engine.join(JOIN_TIMEOUT), "the run hung on a dead recogniser"

    assert killed, "the clip's second line was never captioned"
    # The first line, finished before the recogniser died, keeps its final.
    assert [f.order for f in recorder.finals if f.text] == [0]
    [error] = recorder.errors
    assert error.kind is ErrorKind.INTERNAL
    assert "Offline captions stopped" in error.message and str(spy.pids[0]) in error.message
    assert recorder.states[-1] is EngineState.STOPPED
    model.load()  # the next run gets a healthy one
    again, _ = run_engine(clip_source(CLIPS[1]), model)
    assert again.text() and not again.errors


def test_engines_share_the_process_wide_model_by_default() -> None:
    assert OfflineEngine(Recorder()).model is default_model()
    assert OfflineEngine(Recorder()).model is default_model()


# --------------------------------------------------------------------------- words


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("hello", "hello"),
        ("leisure(2)", "leisure"),
        ("it'll(3)", "it'll"),
        ("s.", "s."),
        ("<s>", None),
        ("</s>", None),
        ("<sil>", None),
        ("[NOISE]", None),
        ("[SPEECH]", None),
        ("++UH++", None),
        ("", None),
    ],
)
def test_decoder_words_are_cleaned_for_captions(raw: str, shown: str | None) -> None:
    assert clean_word(raw) == shown
