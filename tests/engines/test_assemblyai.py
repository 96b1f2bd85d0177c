"""The AssemblyAI engine, driven through the real SDK against the fake v3 server."""

from __future__ import annotations

import itertools
import logging
import socket
import time
from pathlib import Path

import pytest

from captioner.audio.errors import AudioError
from captioner.audio.file_source import WavFileSource
from captioner.engines.assemblyai import MAX_AHEAD_MS, AssemblyAIConfig, AssemblyAIEngine
from captioner.engines.base import EngineState, ErrorKind
from tests.conftest import reference_text
from tests.engines.resilience_harness import StatusRecorder
from tests.fakes.v3_server import FakeV3Server, Faults, ScriptTurn, TurnScript

KEY = "test-key-9f8e7d"
SCRIPT = TurnScript(
    [
        ScriptTurn(["and", "mister", "john", "dashwood"], "And Mister John Dashwood"),
        ScriptTurn(["had", "then", "leisure"], "had then leisure."),
    ]
)


def run_engine(
    server_url: str, source, *, key: str = KEY, stop_after=None
) -> tuple[AssemblyAIEngine, StatusRecorder]:
    listener = StatusRecorder()
    engine = AssemblyAIEngine(
        listener,
        AssemblyAIConfig(
            api_key=key,
            api_host=server_url,
            connect_timeout_s=2.0,
            backoff_base_s=0.05,
            provisional_offline=False,
        ),
    )
    engine.start(source)
    if stop_after is not None:
        stop_after(listener)
        engine.stop()
    listener.wait_stopped()
    assert engine.join(5)
    return engine, listener


class SilenceSource:
    """Endless 50 ms chunks (as fast as asked), or a failure after ``fail_after`` chunks."""

    name = "test mic"

    def __init__(self, chunks: int | None = None, fail_after: int | None = None) -> None:
        self.chunks, self.fail_after, self.sent, self.closed = chunks, fail_after, 0, False

    def open(self) -> None:
        pass

    def read(self, timeout: float) -> bytes | None:
        if self.fail_after is not None and self.sent >= self.fail_after:
            raise AudioError("Lost the audio device “test mic”: device unplugged.")
        if self.chunks is not None and self.sent >= self.chunks:
            return b""
        self.sent += 1
        return b"\x00\x00" * 800

    def close(self) -> None:
        self.closed = True


def test_clip_is_captioned_with_growing_partials_then_formatted_finals(clip: Path) -> None:
    script = TurnScript.from_text(reference_text(clip))
    with FakeV3Server(api_key=KEY, script=script, ms_per_word=250) as server:
        began = time.monotonic()
        _, listener = run_engine(server.url, WavFileSource(clip, realtime=False))
        elapsed = time.monotonic() - began
        session = server.sessions[0]
    # a file read as fast as possible is still sent no faster than real time
    assert elapsed >= 7.1 - MAX_AHEAD_MS / 1000
    assert not listener.errors
    assert session.query["sample_rate"] == "16000"
    assert session.query["speech_model"] == "universal-3-5-pro"
    assert session.query["format_turns"].lower() == "true"
    assert session.authorization == KEY
    # every message was one exact 50 ms chunk, and the whole clip arrived
    assert set(session.chunk_ms) == {50.0}
    assert session.audio_ms_received == pytest.approx(7100, abs=50)
    assert session.terminate_received  # end of input ends the session properly
    texts = [p.text for p in listener.partials if p.order == 0]
    assert len(texts) >= 3 and all(b.startswith(a) for a, b in itertools.pairwise(texts))
    assert [t.text for t in listener.transcript] == [reference_text(clip).capitalize() + "."]
    assert listener.transcript.finished[0].formatted
    assert [s for s, _ in listener.states][-1] is EngineState.STOPPED


def test_stop_mid_turn_sends_terminate_and_keeps_the_flushed_final() -> None:
    with FakeV3Server(api_key=KEY, script=SCRIPT) as server:
        _, listener = run_engine(
            server.url,
            SilenceSource(),
            stop_after=lambda lis: server.wait_for(
                lambda s: bool(s.sessions) and len(s.sessions[0].turns_sent) >= 2
            ),
        )
        session = server.sessions[0]
    assert session.terminate_received and session.termination_sent
    assert not listener.errors
    assert listener.transcript.finished, "the turn in progress at Stop was finished by the server"


def test_turn_keys_never_collide_across_runs() -> None:
    keys = []
    with FakeV3Server(api_key=KEY, script=SCRIPT) as server:
        for _ in range(2):
            _, listener = run_engine(server.url, SilenceSource(chunks=80))
            keys += [f.key for f in listener.finals if not f.formatted]
    assert len(keys) == 4 and len(set(keys)) == 4


def test_rejected_key_says_so_and_does_not_retry() -> None:
    with FakeV3Server(api_key=KEY, script=SCRIPT) as server:
        _, listener = run_engine(server.url, SilenceSource(), key="wrong-key")
        attempts = len(server.sessions)
    assert attempts == 1
    assert [e.kind for e in listener.errors] == [ErrorKind.AUTH]
    assert "API key rejected" in listener.errors[0].message


def test_unreachable_host_is_named_in_the_message() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    _, listener = run_engine(f"ws://127.0.0.1:{port}", SilenceSource())
    assert [e.kind for e in listener.errors] == [ErrorKind.NETWORK]
    assert listener.errors[0].message.startswith(f"Cannot reach 127.0.0.1:{port}")


def reconnect_details(listener: StatusRecorder) -> list[str]:
    """The technical detail of each "Reconnecting…" (a tooltip's text, the log's)."""
    return [
        s.detail
        for s in listener.statuses
        if s.state is EngineState.CONNECTING and s.summary.startswith("Reconnecting…")
    ]


def test_server_error_frame_is_told_in_plain_words_and_the_engine_reconnects() -> None:
    faults = [Faults(error_after_ms=(300, 3005, "Internal server error")), Faults()]
    with FakeV3Server(api_key=KEY, script=SCRIPT, faults=faults) as server:
        _, listener = run_engine(server.url, SilenceSource(chunks=60))
        sessions = server.sessions
    assert not listener.errors
    assert len(sessions) >= 2 and sessions[1].began
    assert "Internal server error" in reconnect_details(listener)[0]
    assert listener.states[-1][0] is EngineState.STOPPED


def test_dropped_connection_reconnects_and_captions_continue() -> None:
    with FakeV3Server(
        api_key=KEY, script=SCRIPT, faults=[Faults(drop_after_ms=500), Faults()]
    ) as server:
        _, listener = run_engine(server.url, SilenceSource(chunks=80))
        sessions = server.sessions
    assert not listener.errors
    assert "lost the connection to 127.0.0.1" in reconnect_details(listener)[0]
    assert [s for s, _ in listener.states].count(EngineState.LISTENING) == 2
    assert all(s.terminate_received or s.fault_fired == "drop" for s in sessions if s.began)


def test_silent_close_without_termination_is_not_mistaken_for_success() -> None:
    faults = [Faults(silent_close_after_ms=500), Faults()]
    with FakeV3Server(api_key=KEY, script=SCRIPT, faults=faults) as server:
        _, listener = run_engine(server.url, SilenceSource(chunks=60))
    assert not listener.errors
    assert "closed the session unexpectedly" in reconnect_details(listener)[0]


def test_malformed_server_messages_are_ignored_and_captions_continue() -> None:
    faults = Faults(
        malformed_after_ms=100, malformed_kinds=("not_json", "unknown_type", "bad_turn")
    )
    with FakeV3Server(api_key=KEY, script=SCRIPT, faults=faults) as server:
        _, listener = run_engine(server.url, SilenceSource(chunks=120))
    assert not listener.errors
    assert [t.text for t in listener.transcript] == [
        "And Mister John Dashwood",
        "had then leisure.",
    ]


def test_vanished_device_is_named_and_the_session_still_terminated() -> None:
    source = SilenceSource(fail_after=30)
    with FakeV3Server(api_key=KEY, script=SCRIPT) as server:
        _, listener = run_engine(server.url, source)
        session = server.sessions[0]
    assert [e.kind for e in listener.errors] == [ErrorKind.AUDIO]
    assert "test mic" in listener.errors[0].message
    assert session.terminate_received and source.closed


def test_missing_key_is_explained_without_connecting() -> None:
    with FakeV3Server(api_key=KEY, script=SCRIPT) as server:
        _, listener = run_engine(server.url, SilenceSource(), key="")
        assert not server.sessions
    assert [e.kind for e in listener.errors] == [ErrorKind.NO_API_KEY]
    assert "ASSEMBLYAI_API_KEY" in listener.errors[0].message


def test_api_key_never_reaches_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    faults = [Faults(drop_after_ms=300), Faults()]
    with FakeV3Server(api_key=KEY, script=SCRIPT, faults=faults) as server:
        engine, _ = run_engine(server.url, SilenceSource(chunks=40))
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("websockets.server")]
    assert any("Authorization" in m for m in ours), "the handshake was logged at DEBUG"
    assert not [m for m in ours if KEY in m]
    assert KEY not in repr(engine._config)
