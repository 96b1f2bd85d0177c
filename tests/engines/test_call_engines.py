"""Call-mode engines: offline (one recogniser per side) and AssemblyAI (ChannelStreamer)."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import numpy as np
import pytest

from captioner.audio.call import MIC, SYSTEM, CallSources, join_frame
from captioner.audio.convert import CHUNK_BYTES
from captioner.audio.errors import AudioError
from captioner.audio.file_source import WavFileSource
from captioner.engines.assemblyai import AssemblyAIConfig
from captioner.engines.assemblyai.call import AssemblyAICallEngine
from captioner.engines.base import EngineState
from captioner.engines.call_labels import CallLabels
from captioner.engines.offline import OfflineCallEngine, OfflineEngine
from captioner.engines.registry import EngineId, EngineOptions, spec
from tests.conftest import DATA, reference_text
from tests.fakes.v3_server import FakeV3Server, ScriptTurn, TurnScript
from tests.recording import RecordingListener

KEY = "test-key-call"
MIC_CLIP = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0920.wav"
SYSTEM_CLIP = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav"
SILENCE = bytes(CHUNK_BYTES)


def tone_chunk(index: int, freq: float = 440.0, amplitude: float = 0.3) -> bytes:
    t = (np.arange(800) + index * 800) / 16000
    return (amplitude * 32767 * np.sin(2 * np.pi * freq * t)).astype("<i2").tobytes()


def read_at_once_clock() -> float:
    """CallSources' clock for sides read as fast as asked (files, lists): all heard at once.

    On the wall clock, a loaded machine pausing the reader 0.3 s between the
    two sides' reads made CallSources take one side as late: it was framed
    beside silence, then its backlog trimmed as clock skew, shifting turns or
    emptying that side (with a clock stepping 0.2 s per read: the lost-side
    test gets ['mic', 'mic', 'system'], the vanished-microphone test no system
    words).  Live devices are stamped as they are heard; these are not live.
    """
    return 0.0


class FrameSource:
    """Chunks from a list (call frames, or one side's), as fast as asked, then the end;
    with ``fail_at``, the device is lost after that many chunks instead (unplugged)."""

    def __init__(
        self, frames: list[bytes], name: str = "test call", fail_at: int | None = None
    ) -> None:
        self.frames, self.name, self.fail_at = list(frames), name, fail_at
        self.sent = 0

    def open(self) -> None:
        pass

    def read(self, timeout: float) -> bytes | None:
        if self.fail_at is not None and self.sent >= self.fail_at:
            raise AudioError(f"Lost the audio device “{self.name}”: unplugged.")
        if self.sent >= len(self.frames):
            return b""
        self.sent += 1
        return self.frames[self.sent - 1]

    def close(self) -> None:
        pass


def test_labels_use_configured_names_and_tell_remote_speakers_apart() -> None:
    labels = CallLabels({"mic": "Ana", "system": " "})
    assert labels.speaker(MIC) == "Ana"
    assert labels.speaker(SYSTEM) == "Them"
    assert labels.speaker(SYSTEM, "B") == "Them (B)"
    assert labels.speaker(SYSTEM, "UNKNOWN") == "Them"
    assert labels.speaker(MIC, "A") == "Ana"
    with pytest.raises(ValueError):
        CallLabels({"speaker": "x"})


def test_the_registry_builds_each_engines_call_mode() -> None:
    listener = RecordingListener()
    call = EngineOptions(call_names={"mic": "Ana"})
    offline = spec(EngineId.OFFLINE).create(listener, call)
    assert isinstance(offline, OfflineCallEngine) and offline.labels.speaker(MIC) == "Ana"
    config = AssemblyAIConfig(api_key="k")
    cloud = spec("assemblyai").create(listener, EngineOptions(call_names={}, assemblyai=config))
    assert isinstance(cloud, AssemblyAICallEngine)
    with pytest.raises(ValueError):  # the cloud engine cannot run without its config
        spec(EngineId.ASSEMBLYAI).create(listener, EngineOptions(call_names={}))
    with pytest.raises(KeyError):
        spec("nope")


@pytest.mark.slow
def test_offline_call_engine_captions_each_side_with_its_own_label() -> None:
    listener = RecordingListener()
    sources = CallSources(
        WavFileSource(MIC_CLIP, realtime=False),
        WavFileSource(SYSTEM_CLIP, realtime=False),
        clock=read_at_once_clock,
    )
    engine = OfflineCallEngine(listener, names={"mic": "Ana"}, realtime=False)
    engine.start(sources)
    listener.wait_stopped(60)
    assert engine.join(5)
    assert not listener.errors
    by_side: dict[str, list[str]] = {MIC: [], SYSTEM: []}
    for turn in listener.transcript:
        assert turn.speaker == {"mic": "Ana", "system": "Them"}[turn.source]
        by_side[turn.source].append(turn.text)
    for side, clip in ((MIC, MIC_CLIP), (SYSTEM, SYSTEM_CLIP)):
        heard = set(" ".join(by_side[side]).split())
        reference = set(reference_text(clip).split())
        assert len(heard & reference) >= 0.5 * len(reference), (side, heard)
    assert [s for s, _ in listener.states].count(EngineState.STOPPED) == 1


class LosingSource:
    """A side that delivers ``good`` chunks of speech, then fails."""

    def __init__(self, name: str, clip, good: int | None) -> None:
        self.name = name
        self.inner = WavFileSource(clip, realtime=False)
        self.good = good
        self.sent = 0

    def open(self) -> None:
        self.inner.open()

    def read(self, timeout: float) -> bytes | None:
        if self.good is not None and self.sent >= self.good:
            raise AudioError(f"Lost the audio device “{self.name}”: unplugged.")
        self.sent += 1
        return self.inner.read(timeout)

    def close(self) -> None:
        self.inner.close()


def offline_call_losing_the_headset(call: type[CallSources] = CallSources) -> RecordingListener:
    """An offline call whose headset is lost after 1 s, run to its end: what it said.

    Not the run's end: the other side goes on, so no error may come.
    """
    listener = RecordingListener()
    sources = call(
        LosingSource("Headset", MIC_CLIP, good=20),
        LosingSource("Speakers", SYSTEM_CLIP, None),
        clock=read_at_once_clock,
    )
    engine = OfflineCallEngine(listener, realtime=False)
    engine.start(sources)
    listener.wait_stopped(60)
    assert engine.join(5)
    assert listener.errors == []
    return listener


@pytest.mark.slow
def test_offline_a_vanished_microphone_stops_only_its_side() -> None:
    listener = offline_call_losing_the_headset()
    (notice,) = listener.notices
    assert "Headset" in notice.message and notice.lasting == "microphone lost"
    assert "continues for the system audio" in notice.message
    system_text = " ".join(t.text for t in listener.transcript if t.source == SYSTEM)
    assert len(set(system_text.split()) & set(reference_text(SYSTEM_CLIP).split())) >= 8


@pytest.mark.slow
def test_offline_a_microphone_back_mid_call_is_captioned_again() -> None:
    """The headset drops at 1 s and is back 1 s later (its source restored): the rest of
    the microphone's speech is captioned, not only the system side's."""

    class Call(CallSources):
        frames = 0

        def read(self, timeout: float) -> bytes | None:
            frame = super().read(timeout)
            self.frames += bool(frame)
            if self.frames == 40:  # as SideReviver does: opened, then put back
                again = LosingSource("Headset", MIC_CLIP, None)
                again.open()
                self.restore(MIC, again)
            return frame

    listener = offline_call_losing_the_headset(Call)
    assert [n.message for n in listener.notices][-1] == (
        "“Headset” is back: captioning the microphone again."
    )
    mic_text = " ".join(t.text for t in listener.transcript if t.source == MIC)
    reference = set(reference_text(MIC_CLIP).split())
    assert len(set(mic_text.split()) & reference) >= 0.5 * len(reference), mic_text


class PacedCall:
    """The same speech on both sides, read at real time (a call in progress)."""

    name = "call"

    def __init__(self, pcm: bytes) -> None:
        self.pcm, self.chunks, self.read_chunks = pcm, len(pcm) // CHUNK_BYTES, 0
        self.opened_at = 0.0

    def open(self) -> None:
        self.opened_at = time.monotonic()

    def read(self, timeout: float) -> bytes | None:
        if self.read_chunks >= self.chunks:
            return b""
        wait = self.opened_at + self.read_chunks * 0.05 - time.monotonic()
        if wait > 0:
            time.sleep(min(timeout, wait))
            return None
        at = self.read_chunks * CHUNK_BYTES
        self.read_chunks += 1
        return join_frame(self.pcm[at : at + CHUNK_BYTES], self.pcm[at : at + CHUNK_BYTES])

    def close(self) -> None:
        pass


def test_offline_a_side_whose_recogniser_dies_ends_the_call_with_the_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Going on with one side left the other silent for the rest of the call while the
    # status said to press Start; a single input's run ends, and so does a call's.
    from captioner.engines.offline import OfflineModel, live_process

    pids: list[int] = []
    begin = live_process.LiveProcess.begin

    def noted(process: Any, options: Any) -> None:
        begin(process, options)
        pids.append(process.pid)

    monkeypatch.setattr(live_process.LiveProcess, "begin", noted)
    speech = WavFileSource(str(MIC_CLIP), realtime=False)
    speech.open()
    pcm = b"".join(iter(lambda: speech.read(0.1) or b"", b""))
    speech.close()
    source = PacedCall((pcm + b"\x00" * 32000) * 3)  # ~24 s
    model = OfflineModel()
    listener = RecordingListener()
    engine = OfflineCallEngine(listener, realtime=True, model=model)
    try:
        engine.start(source)
        assert listener.listening.wait(60)
        time.sleep(2.0)
        # A loaded machine may start the sides' recognisers later than "listening".
        for _ in range(600):
            if pids:
                break
            time.sleep(0.05)
        assert pids, "no side's recogniser process ever began"
        os.kill(pids[0], signal.SIGKILL)
        listener.wait_stopped(60)
        assert engine.join(20)
    finally:
        model.close()
    assert source.read_chunks < source.chunks  # ended by the failure, not the input's end
    assert len(listener.errors) == 1 and "recogniser" in listener.errors[0].message


# -- AssemblyAI through the fake v3 server -----------------------------------------

SCRIPT = TurnScript(
    [
        ScriptTurn(["hello", "there", "how", "are"], "Hello there, how are"),
        ScriptTurn(["fine", "thank", "you"], "Fine, thank you.", speaker="A"),
        ScriptTurn(["and", "me", "too"], "And me too.", speaker="B"),
    ]
)


def conversation_frames() -> list[bytes]:
    """Mic speaks 0–1.6 s (turn 1), system 1.6–2.9 s and 2.9–4.2 s (turns 2, 3)."""
    frames = []
    for i in range(32):
        frames.append(join_frame(tone_chunk(i), SILENCE))
    for i in range(52):
        frames.append(join_frame(SILENCE, tone_chunk(i, 300.0)))
    frames += [join_frame(SILENCE, SILENCE)] * 30
    return frames


def run_cloud(
    source: list[bytes] | CallSources,
    *,
    script: TurnScript = SCRIPT,
    extras: Any = None,
    listener: RecordingListener | None = None,
    **config: Any,
) -> tuple[RecordingListener, FakeV3Server]:
    """One AssemblyAI call-mode run of ``source`` (call frames, or two sides) to its end,
    against the fake v3 server speaking ``script`` (with ``extras``: revisions, the
    gateway…); ``config``: AssemblyAIConfig fields."""
    listener = listener or RecordingListener()
    with FakeV3Server(
        api_key=KEY, script=script, ms_per_word=300, gap_ms=400, extras=extras
    ) as server:
        engine = AssemblyAICallEngine(
            listener,
            AssemblyAIConfig(
                api_key=KEY,
                api_host=server.url,
                connect_timeout_s=2.0,
                provisional_offline=False,
                **config,
            ),
            names={"mic": "You", "system": "Them"},
        )
        engine.start(FrameSource(source) if isinstance(source, list) else source)
        listener.wait_stopped(30)
        assert engine.join(5)
    return listener, server


def test_channel_attributed_turns_reach_the_transcript_with_side_labels() -> None:
    listener, server = run_cloud(conversation_frames(), speaker_labels=False)
    assert not listener.errors
    (session,) = server.sessions
    # One session, mixed to mono, in 50 ms messages.
    assert set(session.chunk_ms) == {50.0}
    assert session.audio_ms_received == pytest.approx(len(conversation_frames()) * 50)
    lines = [(t.source, t.speaker, t.text) for t in listener.transcript]
    assert lines == [
        ("mic", "You", "Hello there, how are"),
        ("system", "Them", "Fine, thank you."),
        ("system", "Them", "And me too."),
    ]
    # Partials are labelled too, so the overlay colours the line as it grows.
    assert {(p.source, p.speaker) for p in listener.partials if p.text} == {
        ("mic", "You"),
        ("system", "Them"),
    }


def test_speaker_labels_tell_remote_speakers_apart() -> None:
    listener, _ = run_cloud(conversation_frames(), speaker_labels=True)
    assert [t.speaker for t in listener.transcript] == ["You", "Them (A)", "Them (B)"]


def test_lost_side_is_reported_and_the_cloud_session_goes_on() -> None:
    frames = conversation_frames()
    mic = FrameSource([f[:CHUNK_BYTES] for f in frames], "Headset", fail_at=40)
    system = FrameSource([f[CHUNK_BYTES:] for f in frames], "Speakers")
    seen: list[str] = []
    sources = CallSources(
        mic, system, on_source_lost=lambda side, _m: seen.append(side), clock=read_at_once_clock
    )
    listener, _ = run_cloud(sources)
    assert seen == [MIC]
    assert listener.errors == []  # not the run's end: the other side goes on
    (notice,) = listener.notices
    assert "Headset" in notice.message and notice.lasting == "microphone lost"
    assert [t.source for t in listener.transcript] == ["mic", "system", "system"]


def test_offline_engine_pool_gives_each_side_its_own_decoder() -> None:
    """Two sides running at once must not share a decoder (PocketSphinx is not thread-safe)."""
    from captioner.engines.offline import OfflineModel

    model = OfflineModel()
    listener = RecordingListener()
    frames = [join_frame(SILENCE, SILENCE)] * 10
    engine = OfflineCallEngine(listener, realtime=False, model=model)
    engine.start(FrameSource(frames))
    listener.wait_stopped(60)
    assert engine.join(5)
    assert model.decoders_created == 2
    assert isinstance(OfflineEngine, type)


@pytest.mark.parametrize("input_first", [True, False], ids=["input-opens-first", "sides-first"])
def test_offline_call_mode_says_listening_once_both_sides_have_loaded(input_first: bool) -> None:
    # The two sides load their recognisers on their own threads, before or
    # after the input opens: whichever comes last must leave the status at
    # "Listening", never at "Loading offline model…" while captions flow.
    from captioner.engines.offline.call import _SideListener

    listener = RecordingListener()
    engine = OfflineCallEngine(listener)
    sides = {side: _SideListener(engine, side) for side in (MIC, SYSTEM)}
    if input_first:
        engine._input_opened()
    for side in sides.values():
        side.on_state(EngineState.LOADING, "Loading offline model…")
    sides[MIC].on_state(EngineState.LISTENING, "")
    assert listener.states[-1][0] is EngineState.LOADING  # the system side still loads
    sides[SYSTEM].on_state(EngineState.LISTENING, "")
    if not input_first:
        assert listener.states[-1][0] is EngineState.LOADING  # no input yet
        engine._input_opened()
    assert listener.states[-1][0] is EngineState.LISTENING
    assert [s for s, _ in listener.states].count(EngineState.LOADING) == 1


def test_offline_call_says_listening_once_both_recognisers_have_begun(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The input opened before either side had started: the run said "Listening", then
    # a side said "Loading offline model…" and the status flipped back and forth.
    from captioner.engines.offline import OfflineModel

    run_with_model = OfflineEngine._run_with_model

    def late_start(engine: OfflineEngine, source: Any, run: int) -> None:
        time.sleep(0.5)  # a side's thread scheduled late (a loaded machine)
        run_with_model(engine, source, run)

    monkeypatch.setattr(OfflineEngine, "_run_with_model", late_start)
    model = OfflineModel()  # not loaded yet: each side says "Loading…" first
    listener = RecordingListener()
    engine = OfflineCallEngine(listener, realtime=True, model=model)
    try:
        engine.start(PacedCall(SILENCE * 40))  # 2 s
        listener.wait_stopped(60)
        assert engine.join(20)
    finally:
        model.close()
    states = [state for state, detail in listener.states if not detail or "Loading" in detail]
    assert EngineState.LOADING in states, listener.states
    assert EngineState.LISTENING in states, listener.states
    first = states.index(EngineState.LISTENING)
    assert EngineState.LOADING not in states[first:], listener.states
    assert states.count(EngineState.LISTENING) == 1, listener.states
