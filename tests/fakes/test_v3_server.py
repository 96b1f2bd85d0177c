"""The fake v3 server must look like AssemblyAI to the *real* SDK, so drive it with one."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from assemblyai.streaming.v3 import (
    StreamingClient,
    StreamingClientOptions,
    StreamingError,
    StreamingEvents,
    StreamingParameters,
    StreamingSessionParameters,
)
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.fakes.v3_server import FakeV3Server, Faults, ScriptTurn, TurnScript

CHUNK_50MS = b"\x00\x00" * 800  # 50 ms of 16 kHz s16le silence: the smallest legal chunk
# The SDK trips two websockets deprecations, on its own read/write thread: sync connect()
# outside a context manager (websockets >= 17.1, once per connection) and
# ConnectionClosed.code/.reason (on every server-side close). With filterwarnings=error
# either one kills the SDK's thread. Not ours to fix: silence exactly those.
pytestmark = [
    pytest.mark.filterwarnings(
        r"ignore:connect\(\) must be used as a context manager:DeprecationWarning"
    ),
    pytest.mark.filterwarnings(
        r"ignore:ConnectionClosed\.(code|reason) is deprecated:DeprecationWarning"
    ),
]
SCRIPT = TurnScript.from_text("hello there general kenobi")  # 4 words: final after 1600 ms


class Recorder:
    """Collects SDK events (delivered on the SDK's read thread) for assertions."""

    def __init__(self) -> None:
        self.events: list[tuple[StreamingEvents, Any]] = []
        self._arrived = threading.Condition()

    def add(self, kind: StreamingEvents, event: Any) -> None:
        with self._arrived:
            self.events.append((kind, event))
            self._arrived.notify_all()

    def of(self, kind: StreamingEvents) -> list[Any]:
        with self._arrived:
            return [event for k, event in self.events if k is kind]

    def wait(self, predicate: Callable[[], bool], timeout: float = 5) -> None:
        """Re-check ``predicate`` as each event arrives, until it holds or ``timeout``."""
        with self._arrived:
            assert self._arrived.wait_for(predicate, timeout), f"timed out; events={self.events!r}"


@contextmanager
def sdk_client(
    server: FakeV3Server, api_key: str = "test-key", **options: Any
) -> Iterator[tuple[StreamingClient, Recorder]]:
    """A connected real StreamingClient; always disconnected so no SDK thread leaks."""
    recorder = Recorder()
    client = StreamingClient(
        StreamingClientOptions(api_key=api_key, api_host=server.url, **options)
    )
    for kind in StreamingEvents:
        client.on(kind, lambda _c, event, kind=kind: recorder.add(kind, event))
    client.connect(
        StreamingParameters(sample_rate=16000, format_turns=True, speech_model="universal-3-5-pro")
    )
    try:
        yield client, recorder
    finally:
        # Speed only: after a server-side close the SDK's write thread sits in a 1 s
        # queue.get(); keep_alive() (unlike stream()) still enqueues and wakes it.
        client.keep_alive()
        client.disconnect()


def stream_ms(client: StreamingClient, ms: int) -> None:
    for _ in range(ms // 50):
        client.stream(CHUNK_50MS)


def error_codes(recorder: Recorder) -> list[int | None]:
    return [e.code for e in recorder.of(StreamingEvents.Error)]


def test_partials_grow_then_unformatted_and_formatted_finals() -> None:
    with FakeV3Server(script=SCRIPT) as server, sdk_client(server) as (client, rec):
        rec.wait(lambda: len(rec.of(StreamingEvents.Begin)) == 1)
        stream_ms(client, 2000)
        rec.wait(lambda: any(t.turn_is_formatted for t in rec.of(StreamingEvents.Turn)))
        client.disconnect(terminate=True)

        turns = rec.of(StreamingEvents.Turn)
        assert {t.turn_order for t in turns} == {0}
        assert [t.transcript for t in turns if not t.end_of_turn] == [
            "hello",
            "hello there",
            "hello there general",
            "hello there general kenobi",
        ]
        unformatted, formatted = [t for t in turns if t.end_of_turn]
        assert (unformatted.transcript, unformatted.turn_is_formatted) == (
            "hello there general kenobi",
            False,
        )
        assert formatted.transcript == "Hello there general kenobi."
        assert [w.text for w in formatted.words][-1] == "kenobi."
        assert [(w.start, w.end) for w in unformatted.words][:2] == [(0, 240), (300, 540)]

        assert len(rec.of(StreamingEvents.Termination)) == 1
        assert rec.of(StreamingEvents.Error) == []
    (session,) = server.sessions
    assert session.began and session.terminate_received and session.termination_sent
    assert session.close_code == 1000
    assert session.authorization == "test-key"
    assert session.query["sample_rate"] == "16000"
    assert session.query["speech_model"] == "universal-3-5-pro"
    assert session.audio_ms_received == pytest.approx(2000)
    assert len(session.audio_bytes) == 64000
    assert session.chunk_ms == [50.0] * 40
    assert session.finals_sent == [
        (0, "hello there general kenobi", False),
        (0, "Hello there general kenobi.", True),
    ]


def test_terminate_flushes_the_turn_in_progress_and_script_moves_on() -> None:
    script = TurnScript([ScriptTurn(["one", "two"], "One, two!"), ScriptTurn(["three"])])
    with FakeV3Server(script=script, ms_per_word=100, gap_ms=100) as server:
        with sdk_client(server) as (client, rec):
            stream_ms(client, 450)  # turn 0 final at 300 ms, turn 1's word due at 400 ms
            server.wait_for(lambda s: len(s.sessions[0].turns_sent) == 5)
            client.disconnect(terminate=True)
            assert rec.of(StreamingEvents.Termination)
        assert server.sessions[0].finals_sent == [
            (0, "one two", False),
            (0, "One, two!", True),
            (1, "three", False),
            (1, "Three.", True),
        ]


def test_control_messages_are_recorded_and_force_endpoint_ends_the_turn() -> None:
    with FakeV3Server(script=SCRIPT) as server, sdk_client(server) as (client, rec):
        stream_ms(client, 650)  # two words out
        client.set_params(StreamingSessionParameters(format_turns=False))
        client.keep_alive()
        client.force_endpoint()
        rec.wait(lambda: any(t.end_of_turn for t in rec.of(StreamingEvents.Turn)))
        session = server.sessions[0]
        assert [m["type"] for m in session.control_messages] == [
            "UpdateConfiguration",
            "KeepAlive",
            "ForceEndpoint",
        ]
        assert session.finals_sent == [(0, "hello there", False)]  # format_turns now off


def test_wrong_key_is_rejected_at_the_handshake_with_401() -> None:
    with FakeV3Server(script=SCRIPT) as server, sdk_client(server, "nope") as (_, rec):
        assert error_codes(rec) == [401]
        assert rec.of(StreamingEvents.Begin) == []
        (session,) = server.sessions
        assert (session.rejected_status, session.began) == (401, False)


def test_missing_sample_rate_is_rejected_with_400() -> None:
    with FakeV3Server() as server:
        with pytest.raises(InvalidStatus) as info:
            connect(
                f"{server.url}/v3/ws?encoding=pcm_s16le",
                additional_headers={"Authorization": "test-key"},
            )
        assert info.value.response.status_code == 400
        assert server.sessions[0].rejected_status == 400


def test_short_chunk_closes_with_3007() -> None:
    with FakeV3Server(script=SCRIPT) as server, sdk_client(server) as (client, rec):
        client.stream(CHUNK_50MS)
        client.stream(b"\x00\x00" * 320)  # 20 ms
        rec.wait(lambda: error_codes(rec) == [3007])
        server.wait_for(lambda s: s.sessions[0].close_code is not None)
        session = server.sessions[0]
        assert (session.chunk_violations, session.close_code) == (1, 3007)
        assert session.chunk_ms == [50.0, 20.0]


def test_error_frame_reaches_the_sdk_with_its_code_and_message() -> None:
    faults = Faults(error_after_ms=(100, 3005, "Internal server error"))
    with FakeV3Server(script=SCRIPT, faults=faults) as server:
        with sdk_client(server) as (client, rec):
            stream_ms(client, 200)
            rec.wait(lambda: rec.of(StreamingEvents.Error) != [])
            server.wait_for(lambda s: s.sessions[0].close_code is not None)
            (error,) = rec.of(StreamingEvents.Error)
            assert isinstance(error, StreamingError)
            assert (error.code, str(error)) == (3005, "Internal server error")
        # The SDK closes (1000) as soon as it reads the Error frame, racing the server's
        # own 3005 close, so only the fault is asserted here.
        assert server.sessions[0].fault_fired == "error"


@pytest.mark.parametrize(
    ("faults", "code"),
    [
        (Faults(drop_after_ms=100), 1006),
        (Faults(close_after_ms=(100, 1011, "boom")), 1011),
        (Faults(close_after_ms=(0, 3008, "expired")), 3008),
    ],
    ids=["drop", "close-1011", "close-3008-right-after-begin"],
)
def test_abnormal_closes_are_reported_to_the_sdk(faults: Faults, code: int) -> None:
    with FakeV3Server(script=SCRIPT, faults=faults) as server:
        with sdk_client(server) as (client, rec):
            stream_ms(client, 200)
            rec.wait(lambda: error_codes(rec) == [code])
        # The SDK can see the close before the server has finished recording it.
        server.wait_for(lambda s: s.sessions[0].close_code is not None)
        assert server.sessions[0].close_code == code


def test_silent_close_is_clean_and_sends_no_termination() -> None:
    with FakeV3Server(script=SCRIPT, faults=Faults(silent_close_after_ms=100)) as server:
        with sdk_client(server) as (client, rec):
            stream_ms(client, 200)
            server.wait_for(lambda s: s.sessions[0].close_code is not None)
            # The SDK's read thread ends once it has handled the close: all it reported is in.
            client._read_thread.join(timeout=5)
            assert not client._read_thread.is_alive(), "the SDK never saw the close"
            assert rec.of(StreamingEvents.Error) == rec.of(StreamingEvents.Termination) == []
        assert server.sessions[0].close_code == 1000


def test_malformed_frames_do_not_break_the_session() -> None:
    with FakeV3Server(script=SCRIPT, faults=Faults(malformed_after_ms=0)) as server:
        with sdk_client(server) as (client, rec):
            stream_ms(client, 2000)
            rec.wait(lambda: len([t for t in rec.of(StreamingEvents.Turn) if t.end_of_turn]) == 2)
            assert rec.of(StreamingEvents.Error) == []
        assert server.sessions[0].fault_fired == "malformed"


def test_faults_apply_per_session_so_a_reconnect_can_succeed() -> None:
    with FakeV3Server(script=SCRIPT, faults=[Faults(drop_after_ms=0), Faults()]) as server:
        with sdk_client(server) as (_, rec):
            rec.wait(lambda: error_codes(rec) == [1006])
        with sdk_client(server) as (client, rec):
            stream_ms(client, 2000)
            rec.wait(lambda: len(rec.of(StreamingEvents.Turn)) == 6)
            assert rec.of(StreamingEvents.Error) == []
        assert [s.fault_fired for s in server.sessions] == ["drop", None]


def test_stall_stops_all_traffic_then_drops() -> None:
    faults = Faults(stall_after_ms=300, stall_seconds=0.5)
    with FakeV3Server(script=SCRIPT, faults=faults) as server:
        with sdk_client(server) as (client, rec):
            stream_ms(client, 1000)
            server.wait_for(lambda s: s.sessions[0].fault_fired == "stall")
            assert server.sessions[0].audio_ms_received == pytest.approx(300)
            rec.wait(lambda: error_codes(rec) == [1006])
            # Nothing came through the stall, nor after it: the connection is gone.
            assert [t.transcript for t in rec.of(StreamingEvents.Turn)] == ["hello"]
        assert server.sessions[0].close_code == 1006


def test_no_termination_makes_the_sdk_wait_out_its_terminate_timeout() -> None:
    with FakeV3Server(script=SCRIPT, faults=Faults(no_termination=True)) as server:
        with sdk_client(server, terminate_timeout=0.3) as (client, rec):
            stream_ms(client, 400)
            client.disconnect(terminate=True)
            assert rec.of(StreamingEvents.Termination) == []
        server.wait_for(lambda s: s.sessions[0].close_code is not None)
        session = server.sessions[0]
        assert (session.terminate_received, session.termination_sent) == (True, False)
        assert session.finals_sent[0] == (0, "hello", False)  # Terminate still flushes


def test_wait_for_times_out_with_the_sessions_in_the_message() -> None:
    with FakeV3Server() as server, pytest.raises(TimeoutError, match="sessions=\\[\\]"):
        server.wait_for(lambda s: bool(s.sessions), timeout=0.05)


def test_non_object_frames_are_sent_as_they_are() -> None:
    kinds = ("json_number", "json_null", "json_array", "json_string", "deep_nesting")
    faults = Faults(malformed_after_ms=0, malformed_kinds=kinds)
    with FakeV3Server(script=SCRIPT, faults=faults) as server:
        url = f"{server.url}/v3/ws?sample_rate=16000"
        with connect(url, additional_headers={"Authorization": "test-key"}) as ws:
            frames = [ws.recv(timeout=5) for _ in range(1 + len(kinds))]  # Begin, then those
    assert frames[1:5] == ["42", "null", '[{"type": "Turn"}, 1]', '"Turn"']
    assert frames[5].startswith("[[[") and len(frames[5]) == 200_000


def test_a_muted_session_reads_audio_and_answers_pings_but_sends_nothing() -> None:
    faults = Faults(mute_after_ms=300)
    with FakeV3Server(script=SCRIPT, faults=faults) as server:
        with sdk_client(server, terminate_timeout=0.3) as (client, rec):
            stream_ms(client, 2000)
            server.wait_for(lambda s: s.sessions[0].audio_ms_received >= 2000)
            pong = client._websocket.ping()
            assert pong.wait(5), "the socket still answers pings"
            client.disconnect(terminate=True)
            assert rec.of(StreamingEvents.Termination) == []
        assert [t.transcript for t in rec.of(StreamingEvents.Turn)] == ["hello"]  # then nothing
        session = server.sessions[0]
        assert session.fault_fired == "mute"
        assert (session.terminate_received, session.termination_sent) == (True, False)


def test_a_server_that_ignores_session_heartbeat_sends_none() -> None:
    with FakeV3Server(script=SCRIPT, heartbeats=False) as server:
        client = StreamingClient(StreamingClientOptions(api_key="test-key", api_host=server.url))
        client.connect(StreamingParameters(sample_rate=16000, session_heartbeat=True))
        try:
            stream_ms(client, 1500)
            server.wait_for(lambda s: s.sessions[0].audio_ms_received >= 1500)
        finally:
            client.disconnect(terminate=True)
        session = server.sessions[0]
    assert session.query["session_heartbeat"].lower() == "true"
    assert session.heartbeats_sent == 0


def test_defects_change_the_messages_they_name_and_only_those() -> None:
    script = TurnScript.from_text("hello. there")  # turn 0: "hello", turn 1: "there"
    faults = Faults(
        defects=("turn_no_end_of_turn_confidence", "turn_words_null", "begin_no_expires_at"),
        defective_turns=frozenset({0}),
    )
    with FakeV3Server(script=script, faults=faults) as server:
        url = f"{server.url}/v3/ws?sample_rate=16000"
        with connect(url, additional_headers={"Authorization": "test-key"}) as ws:
            begin = json.loads(ws.recv(timeout=5))
            for _ in range(40):  # 2 s: both turns, partial and final
                ws.send(CHUNK_50MS)
            turns = [json.loads(ws.recv(timeout=5)) for _ in range(4)]
        sent = server.sessions[0].turns_sent
    assert begin["type"] == "Begin" and "expires_at" not in begin and begin["id"]
    assert [(t["turn_order"], t["end_of_turn"]) for t in turns] == [
        (0, False),
        (0, True),
        (1, False),
        (1, True),
    ]
    for turn in turns[:2]:  # turn 0: both defects
        assert "end_of_turn_confidence" not in turn and turn["words"] is None
    for turn in turns[2:]:  # turn 1: as the service sends it
        assert turn["end_of_turn_confidence"] in (0.1, 0.9) and turn["words"][0]["text"] == "there"
    assert sent == turns  # the record holds what was sent
