"""Servers that go wrong without closing: bad frames, a dead reader, a session gone quiet.

And what the user keeps and is told when a connection dies: the line being
spoken stays as a finished line, the status is a short "Reconnecting…" with
the technical cause beside it, and speech that could not be transcribed again
is reported at the end of the run (issue 12 items 3 and 4, issue 13 item 7).
All against the real SDK and the fake v3 server in timeline mode.
"""

from __future__ import annotations

import pytest

from captioner.engines.assemblyai import AssemblyAIEngine
from captioner.engines.base import EngineState, ErrorKind
from tests.engines.resilience_harness import (
    KEY,
    MS_PER_WORD,
    CodedSource,
    RunEndRecorder,
    StatusRecorder,
    check_common,
    check_complete,
    fast_config,
    run_scenario,
)
from tests.fakes.v3_server import CHUNK_MS, FakeV3Server, Faults, TurnScript

OK = Faults()
NON_OBJECTS = ("json_number", "json_null", "json_array", "json_string")


def reconnects(outcome) -> list[str]:
    return [s.detail for s in outcome.listener.statuses if s.summary.startswith("Reconnecting…")]


# -- item 3: frames that are JSON but not an object, and a reader that dies -----------


@pytest.mark.parametrize("kind", NON_OBJECTS)
def test_a_json_frame_that_is_not_an_object_is_skipped_and_captions_continue(kind: str) -> None:
    outcome = run_scenario([Faults(malformed_after_ms=1100, malformed_kinds=(kind,)), OK])
    check_complete(outcome)
    assert outcome.sessions[0].fault_fired == "malformed"
    assert len(outcome.sessions) == 1, "skipped in place: no reconnect was needed"


def test_a_reader_that_dies_is_a_dropped_connection_at_once_and_nothing_is_lost() -> None:
    # A frame nested too deeply for json.loads (RecursionError) ends the SDK's
    # read thread whatever we parse.  The watchdogs are set far beyond the run
    # here, so only the dead reader itself can have been noticed.
    outcome = run_scenario(
        [Faults(malformed_after_ms=1100, malformed_kinds=("deep_nesting",)), OK],
        seconds=4.0,
        stall_timeout_s=600.0,
        heartbeat_silence_limit_s=600.0,
    )
    check_complete(outcome)
    details = reconnects(outcome)
    assert len(details) == 1 and "could not read the server's messages" in details[0]
    assert outcome.sessions[0].terminate_received  # the dead session is still ended, not billed


# -- item 4: a server that stays connected but says nothing ---------------------------


def test_a_session_gone_quiet_is_replaced_and_its_gap_redone() -> None:
    outcome = run_scenario([Faults(mute_after_ms=1100), OK], seconds=5.0)
    check_complete(outcome)
    assert outcome.sessions[0].fault_fired == "mute"
    assert any("sent no message" in d for d in reconnects(outcome))


def test_a_session_gone_quiet_just_before_the_end_of_input_has_its_tail_redone() -> None:
    # The input ends before any watchdog could fire: the session never confirms
    # Termination, so the audio after its last final is transcribed again.
    outcome = run_scenario([Faults(mute_after_ms=2500), OK], seconds=3.0)
    check_complete(outcome)
    assert outcome.sessions[0].terminate_received and not outcome.sessions[0].termination_sent
    assert len(outcome.sessions) == 2


@pytest.mark.parametrize(
    ("heartbeats", "every_ms", "seconds"),
    [(True, 1000.0, 4), (False, 1000.0, 4), (True, 2500.0, 9)],
    ids=["heartbeats", "no-heartbeats", "slow-heartbeats"],
)
def test_a_quiet_room_never_trips_the_watchdog(
    heartbeats: bool, every_ms: float, seconds: int
) -> None:
    # Nobody speaks for over twice the limit (1.5 s): a server that sends only
    # Heartbeats, or (ignoring session_heartbeat) nothing at all, is alive.  The
    # service documents the Heartbeat, not its period: one that comes every
    # 2.5 s of audio, over the limit, must not have the session replaced again
    # and again.
    with FakeV3Server(
        KEY, TurnScript([]), timeline=True, heartbeats=heartbeats, heartbeat_every_ms=every_ms
    ) as server:
        listener = StatusRecorder()
        engine = AssemblyAIEngine(listener, fast_config(server.url))
        engine.start(CodedSource(seconds * 1000 // CHUNK_MS))
        listener.wait_stopped(40)
        assert engine.join(10)
        sessions = server.sessions
    reconnected = [s for s, _ in listener.states if s is EngineState.CONNECTING][1:]
    assert len(sessions) == 1 and not reconnected, [s.detail for s in listener.statuses]
    assert sessions[0].termination_sent and not listener.errors
    assert (sessions[0].heartbeats_sent >= 3) == heartbeats


def test_a_quiet_room_across_rollovers_keeps_every_session() -> None:
    # Each new session is watched from its start (the first showed the server's
    # Heartbeats, one per second): in a room where nobody speaks, its own Heartbeats
    # keep it alive for all its 3.5 s, over the limit of three periods.
    with FakeV3Server(KEY, TurnScript([]), timeline=True, heartbeat_every_ms=1000.0) as server:
        listener = StatusRecorder()
        config = fast_config(server.url, rollover_after_s=3.5, heartbeat_silence_limit_s=1.0)
        engine = AssemblyAIEngine(listener, config)
        engine.start(CodedSource(9000 // CHUNK_MS))
        listener.wait_stopped(40)
        assert engine.join(10)
        sessions = [s for s in server.sessions if s.began]
    reconnected = [s for s, _ in listener.states if s is EngineState.CONNECTING][1:]
    assert not reconnected, [s.detail for s in listener.statuses]
    assert len(sessions) >= 3, "rolled over more than once"
    assert all(s.terminate_received and s.termination_sent for s in sessions)
    assert not listener.errors, listener.errors


def test_a_slow_heartbeat_server_gone_quiet_is_still_replaced() -> None:
    # The limit grows to three of the server's own periods (2 s here), no more:
    # a session that stops talking is still caught, and its gap redone.
    outcome = run_scenario(
        [Faults(mute_after_ms=4100), OK], seconds=12.0, heartbeat_every_ms=2000.0
    )
    check_complete(outcome)
    assert outcome.sessions[0].fault_fired == "mute"
    assert any("sent no message" in d for d in reconnects(outcome))


def test_a_reconnected_session_gone_quiet_before_its_own_heartbeats_is_replaced() -> None:
    # The first session showed the server's Heartbeats, then dropped; the one that
    # replaced it goes quiet after one Heartbeat of its own.  It is watched from its
    # start all the same: replaced within the limit, its gap redone, and the captions
    # come during the run, not all at once when the input ends.
    seconds = 8.0
    outcome = run_scenario(
        [Faults(drop_after_ms=1350), Faults(mute_after_ms=300), OK],
        seconds=seconds,
        heartbeat_every_ms=300.0,
        heartbeat_silence_limit_s=1.0,
        listener=RunEndRecorder(),
    )
    check_complete(outcome)
    assert outcome.sessions[1].fault_fired == "mute" and outcome.sessions[1].heartbeats_sent == 1
    assert isinstance(outcome.listener, RunEndRecorder)
    late = outcome.listener.shown_late(spoken_before_ms=int((seconds - 2) * 1000))
    assert not late, f"shown only once the input had ended: {late}"
    assert any("sent no message" in d for d in reconnects(outcome))


# -- issue 13 item 7: what the user keeps and reads when the connection drops ---------


def test_the_line_being_spoken_at_a_drop_stays_as_a_finished_line() -> None:
    # Turn 1 ("had then leisure now") starts at 900 ms; at 1300 ms the server
    # has said "had then" and, a chunk later, the connection drops.
    outcome = run_scenario([Faults(drop_after_ms=1350), OK])
    check_complete(outcome)  # and the backfill does not say "had then" again
    first = outcome.engine.connections[0].id
    kept = [t for t in outcome.listener.transcript.finished if t.key == f"aai-{first}:1"]
    assert [t.text for t in kept] == ["had then"]
    assert not kept[0].provisional
    # it never vanished: no empty final was sent for it
    assert not [f for f in outcome.listener.finals if f.key == kept[0].key and not f.text]
    assert [w.start_ms for w in kept[0].words] == [900, 900 + MS_PER_WORD]


def test_a_drop_says_reconnecting_briefly_and_keeps_the_cause_for_a_tooltip() -> None:
    outcome = run_scenario([Faults(drop_after_ms=1000), OK])
    check_complete(outcome)
    connecting = [(s, d) for s, d in outcome.states if s is EngineState.CONNECTING][1:]
    assert connecting and all(d == "Reconnecting…" for _, d in connecting)
    host = outcome.engine._config.host_name
    details = reconnects(outcome)
    assert details and f"lost the connection to {host}" in details[0]
    assert "1006" in details[0]


def test_a_lost_connection_that_ends_the_run_keeps_the_cause_apart() -> None:
    outcome = run_scenario([Faults(drop_after_ms=800)], reconnect=False)
    check_common(outcome)
    [error] = outcome.errors
    host = outcome.engine._config.host_name
    assert error.kind is ErrorKind.NETWORK
    assert error.message == f"Lost the connection to {host}."
    assert "1006" in error.detail


# -- speech lost for good is reported, so a transcript with gaps is never "complete" ---


def test_a_gap_no_backfill_could_transcribe_is_reported_at_the_end() -> None:
    # The live session drops and comes back, but every backfill connection is refused.
    def faults(index: int) -> Faults:
        return [Faults(drop_after_ms=1350), OK][index] if index < 2 else Faults(reject_status=503)

    outcome = run_scenario(faults, seconds=4.0)
    check_common(outcome)
    [error] = outcome.errors
    assert error.kind is ErrorKind.INCOMPLETE
    assert "could not be transcribed again" in error.message
    assert "0:01.3" in error.message  # where the gap starts: after "had then", kept
    assert outcome.states[-1][0] is EngineState.STOPPED


def test_a_run_whose_gaps_were_all_redone_reports_nothing() -> None:
    outcome = run_scenario([Faults(drop_after_ms=1350), Faults(mute_after_ms=900), OK], seconds=5.0)
    check_complete(outcome)  # no error at all
