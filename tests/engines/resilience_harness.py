"""Shared harness for the fault-injection suite: a coded source, a fake offline engine, checks."""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from captioner.core.transcript import TurnUpdate, Word
from captioner.engines.assemblyai import AssemblyAIConfig, AssemblyAIEngine
from captioner.engines.base import (
    AudioSource,
    EngineListener,
    EngineState,
    EngineStatus,
    WorkerEngine,
)
from tests.fakes.v3_extras import Extras
from tests.fakes.v3_server import (
    CHUNK_MS,
    FakeV3Server,
    FaultsArg,
    ScriptTurn,
    SessionRecord,
    TurnScript,
    chunk_indices,
    coded_chunk,
)
from tests.recording import RecordingListener

KEY = "resilience-key-5c1d9a"
MS_PER_WORD = 200
GAP_MS = 300
SCRIPT = TurnScript(
    [
        ScriptTurn(["and", "mister", "john"], "And Mister John."),
        ScriptTurn(["had", "then", "leisure", "now"], "Had then leisure now."),
        ScriptTurn(["to", "consider"], "To consider."),
        ScriptTurn(["the", "family", "of", "his"], "The family of his."),
        ScriptTurn(["father", "was", "large"], "Father was large."),
        ScriptTurn(["and", "then", "some", "more"], None),
        ScriptTurn(["words", "to", "come"], None),
        ScriptTurn(["until", "the", "end", "of", "it"], None),
        ScriptTurn(["really", "the", "end"], None),
    ]
)
FAULT_FIRED = {"drop", "error", "close", "silent_close", "stall", "drop_on_terminate", "terminate"}


class StatusRecorder(RecordingListener):
    """Also records the technical side of state changes (``on_status``)."""

    def __init__(self) -> None:
        super().__init__()
        self.statuses: list[EngineStatus] = []

    def on_status(self, status: EngineStatus) -> None:
        with self.lock:
            self.statuses.append(status)


class RunEndRecorder(StatusRecorder):
    """Also notes which lines were first shown only after the input had ended.

    A session that goes quiet unnoticed shows nothing more until the run ends
    (its tail is then redone): captions stop for as long as the meeting lasts.
    """

    def __init__(self) -> None:
        super().__init__()
        self.late_keys: set[str] = set()
        self._shown: set[str] = set()

    def on_final(self, update: TurnUpdate) -> None:
        with self.lock:
            if update.text and update.key not in self._shown:
                self._shown.add(update.key)
                if any(state is EngineState.STOPPING for state, _ in self.states):
                    self.late_keys.add(update.key)
        super().on_final(update)

    def shown_late(self, *, spoken_before_ms: int) -> list[str]:
        """Finished lines whose words all ended before ``spoken_before_ms`` yet came late."""
        with self.lock:
            return [
                turn.text
                for turn in self.transcript.finished
                if turn.words
                and turn.words[-1].end_ms <= spoken_before_ms
                and turn.key in self.late_keys
            ]


class CodedSource:
    """Timeline-coded chunks (see ``coded_chunk``) as fast as asked, then the end."""

    name = "coded input"

    def __init__(self, chunks: int) -> None:
        self.chunks, self.sent, self.closed = chunks, 0, False

    def open(self) -> None:
        pass

    def read(self, timeout: float) -> bytes | None:
        if self.sent >= self.chunks:
            return b""
        self.sent += 1
        return coded_chunk(self.sent - 1)

    def close(self) -> None:
        self.closed = True


class FakeOfflineEngine(WorkerEngine):
    """Stands in for PocketSphinx: one "offline" word per 250 ms of audio, a turn per second."""

    name = "fake-offline"
    runs = 0
    lock = threading.Lock()

    def _run(self, source: AudioSource) -> None:
        with FakeOfflineEngine.lock:
            FakeOfflineEngine.runs += 1
            run = FakeOfflineEngine.runs
        source.open()
        ms, words, order = 0, [], 0
        while not self._stop_requested.is_set():
            chunk = source.read(0.05)
            if chunk is None:
                continue
            if not chunk:
                break
            ms += CHUNK_MS
            if ms % 250 == 0:
                words.append(Word("offline", ms - 250, ms - 50))
                update = TurnUpdate(f"fake-{run}:{order}", order, " ".join(w.text for w in words))
                self._listener.on_partial(TurnUpdate(update.key, order, update.text, tuple(words)))
            if len(words) == 4:
                self._final(run, order, words)
                words, order = [], order + 1
        if words:
            self._final(run, order, words)
        source.close()

    def _final(self, run: int, order: int, words: list[Word]) -> None:
        text = " ".join(w.text for w in words)
        self._listener.on_final(TurnUpdate(f"fake-{run}:{order}", order, text, tuple(words), True))


def fake_offline(listener: EngineListener) -> FakeOfflineEngine:
    return FakeOfflineEngine(listener)


def fast_config(url: str, **overrides: Any) -> AssemblyAIConfig:
    values: dict[str, Any] = {
        "api_key": KEY,
        "api_host": url,
        "connect_timeout_s": 1.0,
        "begin_timeout_s": 2.0,
        "terminate_timeout_s": 1.0,
        "close_timeout_s": 0.5,
        "backoff_base_s": 0.05,
        "backoff_cap_s": 0.3,
        "limit_retry_floor_s": 0.2,
        "bad_audio_retry_floor_s": 0.3,
        "give_up_after_s": 5.0,
        "ping_interval_s": 0.2,
        "stall_timeout_s": 0.8,
        "heartbeat_silence_limit_s": 1.5,  # the fake sends a Heartbeat per 1 s of audio
        "rollover_overlap_s": 0.4,
        "handover_margin_s": 0.4,
        "buffer_s": 60.0,
        "provisional_after_s": 0.0,  # stand-in captions at once, to test them
    }
    values.update(overrides)
    return AssemblyAIConfig(**values)


@dataclass
class Outcome:
    listener: StatusRecorder
    engine: AssemblyAIEngine
    sessions: list[SessionRecord]
    input_ms: int
    expected_words: list[tuple[str, int]]
    states: list[tuple[EngineState, str]] = field(default_factory=list)

    @property
    def errors(self) -> list[Any]:
        return self.listener.errors

    @property
    def details(self) -> list[str]:
        """The technical details of every state change (what a tooltip or the log shows)."""
        return [s.detail for s in self.listener.statuses]

    def transcript_words(self, *, provisional: bool = False) -> list[tuple[str, int]]:
        words = []
        for turn in self.listener.transcript.finished:
            if turn.provisional != provisional:
                continue
            words += [(_norm(w.text), w.start_ms) for w in turn.words]
        return sorted(words, key=lambda w: w[1])

    def covered_chunks(self) -> set[int]:
        covered: set[int] = set()
        for session in self.sessions:
            covered.update(chunk_indices(session.audio_bytes))
        return covered


def _norm(text: str) -> str:
    return re.sub(r"[^\w']", "", text.lower())


def run_scenario(
    faults: FaultsArg,
    *,
    seconds: float = 3.0,
    stop_after_s: float | None = None,
    seed: int = 0,
    heartbeats: bool = True,
    heartbeat_every_ms: float = 1000.0,
    extras: Extras | None = None,
    listener: StatusRecorder | None = None,
    **config: Any,
) -> Outcome:
    """One run of ``seconds`` of timeline-coded audio against the fake server with
    ``faults`` (and ``extras``: the LLM Gateway, revisions…), to its end."""
    chunks = round(seconds * 1000 / CHUNK_MS)
    with FakeV3Server(
        KEY,
        SCRIPT,
        faults,
        ms_per_word=MS_PER_WORD,
        gap_ms=GAP_MS,
        timeline=True,
        heartbeats=heartbeats,
        heartbeat_every_ms=heartbeat_every_ms,
        extras=extras,
    ) as server:
        listener = listener or StatusRecorder()
        engine = AssemblyAIEngine(
            listener,
            fast_config(server.url, **config),
            offline_factory=fake_offline,
            rng=random.Random(seed),
        )
        engine.start(CodedSource(chunks))
        if stop_after_s is not None and not listener.stopped.wait(stop_after_s):
            engine.stop()
        listener.wait_stopped(40)
        assert engine.join(10)
        expected = [
            (w, start)
            for w, start in server.script_words()
            if start + MS_PER_WORD <= seconds * 1000
        ]
    return Outcome(
        listener=listener,
        engine=engine,
        sessions=server.sessions,
        input_ms=chunks * CHUNK_MS,
        expected_words=expected,
        states=list(listener.states),
    )


def check_common(outcome: Outcome) -> None:
    """What must hold after any scenario."""
    listener = outcome.listener
    assert outcome.states[-1][0] is EngineState.STOPPED
    # every session the fake opened ended with Terminate or by the injected fault
    for session in outcome.sessions:
        if session.began:
            assert session.terminate_received or session.fault_fired in FAULT_FIRED, session
        assert session.chunk_violations == 0
    # no in-progress line is left behind, no turn key repeats
    assert not listener.transcript.partials, listener.transcript.partials
    keys = [t.key for t in listener.transcript.finished]
    assert len(keys) == len(set(keys))
    # no word twice, every word at its place on the one session timeline
    words = outcome.transcript_words()
    assert len(words) == len(set(words)), words
    assert set(words) <= set(outcome.expected_words), set(words) - set(outcome.expected_words)


def check_complete(outcome: Outcome) -> None:
    """No speech lost: every word spoken is in the transcript exactly once."""
    check_common(outcome)
    assert not outcome.errors, outcome.errors
    assert outcome.transcript_words() == outcome.expected_words
    assert not outcome.transcript_words(provisional=True), "provisional turns were superseded"
    assert outcome.covered_chunks() >= set(range(outcome.input_ms // CHUNK_MS))
