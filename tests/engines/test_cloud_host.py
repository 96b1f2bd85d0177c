"""The cloud engine in a host process (engines/cloud_host.py), against the fake v3 server.

The app runs each cloud session in a process of its own; these tests drive
that path end to end (the real SDK in the host, the app's audio and the
listener calls across the pipe) and check what a user would notice: the same
captions, Terminate on Stop, a clear message when the host dies or the device
fails, and no host left behind.
"""

from __future__ import annotations

import os
import signal
import time
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest

from captioner.audio.early_capture import EarlyCapture
from captioner.audio.file_source import WavFileSource
from captioner.engines import cloud_host, registry
from captioner.engines.assemblyai import AssemblyAIConfig
from captioner.engines.base import EngineState, ErrorKind
from tests.audio.test_early_capture import WakeableMic
from tests.conftest import reference_text
from tests.engines.resilience_harness import GAP_MS, MS_PER_WORD, CodedSource, StatusRecorder
from tests.engines.resilience_harness import SCRIPT as TIMELINE_SCRIPT
from tests.engines.test_assemblyai import KEY, SCRIPT, SilenceSource
from tests.fakes.v3_server import FakeV3Server, Faults, TurnScript
from tests.orphans import named

JOIN_S = 30  # a hang guard


@pytest.fixture(autouse=True)
def hosting() -> Iterator[None]:
    registry.host_cloud_sessions(True)
    yield
    registry.host_cloud_sessions(False)
    cloud_host.drop_spare()


def make_engine(server_url: str, listener: StatusRecorder, **config: object):  # type: ignore[no-untyped-def]
    options = registry.EngineOptions(
        assemblyai=AssemblyAIConfig(
            api_key=KEY,
            api_host=server_url,
            connect_timeout_s=2.0,
            provisional_offline=False,
            **{"backoff_base_s": 0.05, **config},  # type: ignore[arg-type]
        )
    )
    engine = registry.ENGINES[registry.EngineId.ASSEMBLYAI].create(listener, options)
    assert isinstance(engine, cloud_host.HostedCloudEngine)
    return engine


def test_a_clip_is_captioned_through_the_host_as_in_process(clip: Path) -> None:
    script = TurnScript.from_text(reference_text(clip))
    listener = StatusRecorder()
    with wave.open(str(clip), "rb") as w:
        pcm = w.readframes(w.getnframes())
    with FakeV3Server(api_key=KEY, script=script, ms_per_word=250) as server:
        engine = make_engine(server.url, listener)
        engine.start(WavFileSource(clip, realtime=False))
        listener.wait_stopped(JOIN_S)
        assert engine.join(JOIN_S)
        session = server.sessions[0]
    assert not listener.errors
    assert session.authorization == KEY
    assert set(session.chunk_ms) == {50.0}
    assert session.audio_ms_received == pytest.approx(7100, abs=50)
    whole = len(pcm) // 1600 * 1600
    assert session.audio_bytes[:whole] == pcm[:whole]  # every sample across the pipe, in order
    assert session.terminate_received
    assert [t.text for t in listener.transcript] == [reference_text(clip).capitalize() + "."]
    assert listener.transcript.finished[0].formatted
    states = [s for s, _ in listener.states]
    assert EngineState.LISTENING in states
    assert states.count(EngineState.STOPPED) == 1 and states[-1] is EngineState.STOPPED
    assert engine.formats_turns


def test_lines_filled_in_after_a_drop_reach_the_app_marked_and_announced() -> None:
    # The "(filled in)" mark of a backfill's lines, and the notice of where they
    # go, must cross the pipe as they do in process.
    listener = StatusRecorder()
    with FakeV3Server(
        KEY,
        TIMELINE_SCRIPT,
        [Faults(drop_after_ms=600), Faults(reject_status=503), Faults(reject_status=503), Faults()],
        ms_per_word=MS_PER_WORD,
        gap_ms=GAP_MS,
        timeline=True,
    ) as server:
        engine = make_engine(server.url, listener, backoff_base_s=0.3, backoff_cap_s=0.3)
        engine.start(CodedSource(60))  # 3 s, a gap of about a second in it
        listener.wait_stopped(JOIN_S)
        assert engine.join(JOIN_S)
    assert not listener.errors
    assert [t.recovered for t in listener.transcript.finished].count(True) >= 1
    assert any(n.message.startswith("Filling in the") for n in listener.notices)


def test_stop_sends_terminate_and_the_host_leaves() -> None:
    listener = StatusRecorder()
    with FakeV3Server(api_key=KEY, script=SCRIPT) as server:
        engine = make_engine(server.url, listener)
        engine.start(SilenceSource())
        server.wait_for(lambda s: bool(s.sessions) and len(s.sessions[0].turns_sent) >= 2)
        host = engine._conn
        assert host is not None
        engine.stop()
        listener.wait_stopped(JOIN_S)
        assert engine.join(JOIN_S)
        session = server.sessions[0]
    assert session.terminate_received and session.termination_sent
    assert not listener.errors
    assert listener.transcript.finished
    assert engine._conn is None


def test_stop_right_after_start_still_ends_the_session() -> None:
    """Stop pressed while the host is still starting: the Stop may reach the host before its
    engine runs, and must not be forgotten there (the session would stay open, billed, and
    the app wait for an end that never comes).  A race: several runs (3 in 8 were lost)."""
    with FakeV3Server(api_key=KEY, script=SCRIPT) as server:
        for _ in range(8):
            listener = StatusRecorder()
            engine = make_engine(server.url, listener)
            engine.start(SilenceSource())
            engine.stop()
            listener.wait_stopped(10)  # a lost Stop never ends: fail sooner than the guard
            assert engine.join(JOIN_S)
        time.sleep(0.2)  # the last session's close, as the server sees it
        sessions = [(s.began, s.terminate_received) for s in server.sessions]
    assert all(terminated for began, terminated in sessions if began), sessions


def test_a_host_killed_mid_session_ends_the_run_with_a_clear_error() -> None:
    listener = StatusRecorder()
    pids: list[int] = []
    original = cloud_host._take_host

    def take():  # type: ignore[no-untyped-def]
        process, conn = original()
        pids.append(process.pid)
        return process, conn

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cloud_host, "_take_host", take)
        with FakeV3Server(api_key=KEY, script=SCRIPT) as server:
            engine = make_engine(server.url, listener)
            engine.start(SilenceSource())
            server.wait_for(lambda s: bool(s.sessions) and len(s.sessions[0].turns_sent) >= 1)
            os.kill(pids[0], signal.SIGKILL)
            listener.wait_stopped(JOIN_S)
            assert engine.join(JOIN_S)
    [error] = listener.errors
    assert error.kind is ErrorKind.INTERNAL
    assert "process ended unexpectedly" in error.message
    assert "captions so far are kept" in error.message
    assert [s for s, _ in listener.states][-1] is EngineState.STOPPED


def test_a_vanished_device_is_reported_as_in_process() -> None:
    listener = StatusRecorder()
    with FakeV3Server(api_key=KEY, script=SCRIPT) as server:
        engine = make_engine(server.url, listener)
        source = SilenceSource(fail_after=40)
        engine.start(source)
        listener.wait_stopped(JOIN_S)
        assert engine.join(JOIN_S)
        session = server.sessions[0]
    assert [e.kind for e in listener.errors] == [ErrorKind.AUDIO]
    assert "device unplugged" in listener.errors[0].message
    assert session.terminate_received  # the session was closed, not left open
    assert source.closed


def test_a_host_started_ahead_serves_the_run_and_none_is_kept_after_it() -> None:
    cloud_host.prestart()  # as at launch with --start
    ready = cloud_host.spare_pid()
    assert ready is not None
    listener = StatusRecorder()
    with FakeV3Server(api_key=KEY, script=SCRIPT) as server:
        engine = make_engine(server.url, listener)
        engine.start(SilenceSource(chunks=40))
        listener.wait_stopped(JOIN_S)
        assert engine.join(JOIN_S)
    assert not listener.errors
    # The run used it (no second host), and none waits afterwards: an idle app
    # holds no SDK.
    assert cloud_host.spare_pid() is None
    assert not _alive(ready)


def test_a_host_started_ahead_for_nothing_ends_when_another_engine_is_chosen() -> None:
    cloud_host.prestart()
    ready = cloud_host.spare_pid()
    assert _alive(ready)
    # Told apart from the window in top and System Monitor (not one more "python3").
    assert ready is not None and named(ready, "captioner-cloud") == "captioner-cloud"
    cloud_host.drop_spare()
    assert cloud_host.spare_pid() is None
    deadline = time.monotonic() + 10
    while _alive(ready) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(ready)


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_settings_changed_during_a_session_reach_it_through_the_host() -> None:
    listener = StatusRecorder()
    with FakeV3Server(api_key=KEY, script=SCRIPT) as server:
        engine = make_engine(server.url, listener)
        engine.start(SilenceSource())
        server.wait_for(lambda s: bool(s.sessions) and len(s.sessions[0].turns_sent) >= 1)
        engine.update_configuration(keyterms_prompt=["Barton", "Norland"])
        server.wait_for(
            lambda s: any(
                m.get("type") == "UpdateConfiguration" for m in s.sessions[0].control_messages
            )
        )
        engine.stop()
        listener.wait_stopped(JOIN_S)
        assert engine.join(JOIN_S)
        updates = [
            m for m in server.sessions[0].control_messages if m.get("type") == "UpdateConfiguration"
        ]
    assert updates == [{"type": "UpdateConfiguration", "keyterms_prompt": ["Barton", "Norland"]}]
    assert not listener.errors


def test_call_mode_through_the_host_labels_both_sides_and_reports_a_lost_one() -> None:
    from captioner.audio.call import MIC, CallSources
    from captioner.audio.convert import CHUNK_BYTES
    from tests.engines.test_call_engines import (
        SCRIPT as CALL_SCRIPT,
    )
    from tests.engines.test_call_engines import (
        FrameSource,
        conversation_frames,
        read_at_once_clock,
    )

    frames = conversation_frames()
    mic = FrameSource([f[:CHUNK_BYTES] for f in frames], "Headset", fail_at=40)
    system = FrameSource([f[CHUNK_BYTES:] for f in frames], "Speakers")
    seen: list[str] = []
    sources = CallSources(
        mic, system, on_source_lost=lambda side, _m: seen.append(side), clock=read_at_once_clock
    )
    listener = StatusRecorder()
    with FakeV3Server(api_key=KEY, script=CALL_SCRIPT, ms_per_word=300, gap_ms=400) as server:
        options = registry.EngineOptions(
            call_names={"mic": "You", "system": "Them"},
            assemblyai=AssemblyAIConfig(
                api_key=KEY, api_host=server.url, connect_timeout_s=2.0, provisional_offline=False
            ),
        )
        engine = registry.ENGINES[registry.EngineId.ASSEMBLYAI].create(listener, options)
        assert isinstance(engine, cloud_host.HostedCloudEngine)
        engine.start(sources)
        listener.wait_stopped(JOIN_S)
        assert engine.join(JOIN_S)
    assert seen == [MIC]
    assert listener.errors == []  # not the run's end: the other side goes on
    (notice,) = listener.notices
    assert "Headset" in notice.message and notice.lasting == "microphone lost"
    assert [(t.source, t.speaker) for t in listener.transcript] == [
        ("mic", "You"),
        ("system", "Them"),
        ("system", "Them"),
    ]


@pytest.mark.parametrize("ending", ["stop", "end", "lost"])
def test_forwarded_live_audio_ends_the_session_on_stop_end_or_loss(
    ending: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pump sleeps while chunks go down the pipe; each way of ending still ends the run."""
    # The pump's once-in-a-while look made longer than the test's guard: a wake-up
    # that never comes fails the test instead of being hidden by that look.
    monkeypatch.setattr(cloud_host, "FORWARD_CHECK_S", 2 * JOIN_S)
    listener = StatusRecorder()
    # Pushed on a thread of its own and woken only at the end, as sound-server capture is:
    # the pump is told of the end (EarlyCapture.forward's on_end), it does not poll for it.
    mic = WakeableMic(
        10**6 if ending == "stop" else 30,
        after="lost" if ending == "lost" else "end",
        interval=0.05,
    )
    mic.go.set()
    with FakeV3Server(api_key=KEY, script=SCRIPT) as server:
        engine = make_engine(server.url, listener)
        capture = EarlyCapture(mic)
        capture.start()
        engine.start(capture)
        if ending == "stop":
            server.wait_for(lambda s: bool(s.sessions) and s.sessions[0].audio_ms_received >= 500)
            engine.stop()
        listener.wait_stopped(JOIN_S)
        assert engine.join(JOIN_S)
        capture.close()
        session = server.sessions[0]
    assert session.terminate_received  # the session was closed, not left open
    assert session.audio_ms_received >= 500  # the chunks went on as they came
    if ending == "lost":
        assert [e.kind for e in listener.errors] == [ErrorKind.AUDIO]
        assert "“Desk mic”: unplugged" in listener.errors[0].message
    else:
        assert not listener.errors
    assert mic.closed.is_set()
