"""Seeded fault injection: the cloud engine against the fake v3 server in timeline mode.

Every scenario streams timeline-coded audio (the fake knows where each
session's audio lies in the input and recognises a script on that absolute
timeline), injects faults per session, and then checks (``check_common`` /
``check_complete`` in the harness): every word spoken appears exactly once at
its place on the one session timeline, the audio the server received covers
the whole input, every session the fake opened was terminated or dropped by
the fault, the engine ends STOPPED with the right message, no thread is left.
"""

from __future__ import annotations

import random

import pytest

from captioner.engines.base import EngineState, ErrorKind
from tests.engines.resilience_harness import (
    GAP_MS,
    MS_PER_WORD,
    FakeOfflineEngine,
    check_common,
    check_complete,
    run_scenario,
)
from tests.fakes.v3_server import CHUNK_MS, Faults

OK = Faults()
FIRST_FINAL_MS = 3 * MS_PER_WORD + GAP_MS  # turn 0 ends here (900 ms)


def reconnected(outcome) -> bool:
    return any(
        state is EngineState.CONNECTING and detail.startswith("Reconnecting…")
        for state, detail in outcome.states
    )


# -- drops at chosen points -----------------------------------------------------


@pytest.mark.parametrize(
    "faults",
    [
        pytest.param([OK], id="no-fault"),
        pytest.param([Faults(drop_after_ms=1100), OK], id="drop-mid-partial"),
        pytest.param([Faults(drop_after_ms=FIRST_FINAL_MS), OK], id="drop-right-after-final"),
        pytest.param([Faults(drop_after_ms=50), OK], id="drop-right-after-begin"),
        pytest.param([Faults(drop_on_terminate=True), OK], id="drop-during-terminate"),
        pytest.param([Faults(silent_close_after_ms=1000), OK], id="silent-close-1000"),
        # The service ends the session itself (Termination, unasked): captions go on.
        pytest.param([Faults(terminate_after_ms=1000), OK], id="ended-by-service"),
        pytest.param(
            [Faults(drop_after_ms=700), Faults(terminate_after_ms=300), OK, OK],
            id="backfill-ended-by-service",
        ),
        pytest.param([Faults(close_after_ms=(1000, 1011, "Internal error")), OK], id="close-1011"),
        pytest.param([Faults(close_after_ms=(1000, 1001, "Going away")), OK], id="close-1001"),
        pytest.param([Faults(error_after_ms=(1000, 3005, "Server error")), OK], id="error-3005"),
        pytest.param(
            [Faults(close_after_ms=(1200, 3008, "Session expired")), OK], id="expired-3008"
        ),
        pytest.param(
            [Faults(error_after_ms=(800, 3009, "Too many concurrent sessions")), OK],
            id="limit-3009",
        ),
        pytest.param([Faults(error_after_ms=(800, 4102, "Too many streams")), OK], id="limit-4102"),
        pytest.param([Faults(close_after_ms=(800, 1013, "Try again later")), OK], id="limit-1013"),
        pytest.param(
            [Faults(error_after_ms=(800, 3007, "Audio chunk duration violation")), OK],
            id="bad-audio-3007-once",
        ),
        pytest.param([Faults(stall_after_ms=1000, stall_seconds=2.0), OK], id="stall"),
        pytest.param(
            [
                Faults(drop_after_ms=800),
                Faults(reject_status=503),
                Faults(reject_status=503),
                OK,
            ],
            id="refused-reconnects-then-success",
        ),
        pytest.param(
            [Faults(drop_after_ms=700), OK, Faults(drop_after_ms=300), OK],
            id="backfill-session-drops",
        ),
        pytest.param(
            [Faults(drop_after_ms=600), Faults(drop_after_ms=900), OK, OK, OK, OK],
            id="drop-twice",
        ),
        pytest.param(
            [
                Faults(
                    malformed_after_ms=500,
                    malformed_kinds=("not_json", "unknown_type", "bad_turn"),
                )
            ],
            id="malformed-frames",
        ),
    ],
)
def test_no_word_is_lost_or_doubled(faults: list[Faults]) -> None:
    outcome = run_scenario(faults)
    check_complete(outcome)
    fired = [s.fault_fired for s in outcome.sessions if s.fault_fired]
    terminal = [f for f in fired if f not in ("malformed",)]
    assert reconnected(outcome) == bool(terminal) - (fired == ["drop_on_terminate"])
    if fired == ["malformed"]:
        assert len(outcome.sessions) == 1  # logged and ignored, no reconnect


def test_a_session_ended_after_silence_ends_the_run_and_says_why() -> None:
    """With End after silence set, a Termination the app did not ask for is that setting at
    work (a forgotten session stops costing): no reconnect, and the user is told why."""
    outcome = run_scenario([Faults(terminate_after_ms=1000), OK], inactivity_timeout_s=30)
    check_common(outcome)
    assert len(outcome.sessions) == 1
    assert [e.kind for e in outcome.errors] == [ErrorKind.SERVER]
    assert "End after silence is set to 30 s" in outcome.errors[0].message


def test_a_close_frame_keeps_the_services_reason() -> None:
    """The service may just close with a code and a reason (no Error message first): the
    reason, not the SDK's table text for the code ("Server error"), decides what happens."""
    expired = Faults(close_after_ms=(1000, 3005, "Session Expired: Maximum session duration"))
    outcome = run_scenario([expired, OK])
    check_complete(outcome)
    assert reconnected(outcome)
    summaries = [status.summary for status in outcome.listener.statuses]
    assert "Reconnecting… (session time limit)" in summaries, summaries
    assert any("Maximum session duration" in detail for detail in outcome.details)


def test_stall_is_detected_by_the_watchdog_not_by_tcp() -> None:
    outcome = run_scenario([Faults(stall_after_ms=800, stall_seconds=5.0), OK])
    check_complete(outcome)
    assert outcome.sessions[0].fault_fired == "stall"
    assert any("stopped answering" in detail for detail in outcome.details)


def test_proactive_rollover_hands_over_without_losing_a_word() -> None:
    outcome = run_scenario([OK], seconds=4.0, rollover_after_s=1.2)
    check_complete(outcome)
    live = [link for link in outcome.engine.connections if link.role == "live"]
    assert len(live) >= 2
    assert all(s.terminate_received for s in outcome.sessions)
    # the sessions overlapped: both heard the handover stretch
    first, second = outcome.sessions[0], outcome.sessions[1]
    assert second.offset_ms < (first.offset_ms or 0) + first.audio_ms_received


@pytest.mark.parametrize("seed", range(4))
def test_random_drops(seed: int) -> None:
    rng = random.Random(seed)
    faults = [Faults(drop_after_ms=rng.randrange(1, 40) * CHUNK_MS) for _ in range(2)]
    outcome = run_scenario([*faults, OK], seconds=3.0, seed=seed)
    check_complete(outcome)


# -- faults that end the run ------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        (Faults(close_after_ms=(800, 1008, "Unauthorized")), 1008),
        (Faults(error_after_ms=(800, 4001, "Not Authorized")), 4001),
    ],
)
def test_rejected_key_mid_session_ends_the_run_without_retry(fault: Faults, code: int) -> None:
    outcome = run_scenario([fault, OK])
    check_common(outcome)
    assert len(outcome.sessions) == 1
    assert [e.kind for e in outcome.errors] == [ErrorKind.AUTH]
    assert "API key rejected or account problem" in outcome.errors[0].message


def test_key_rejected_on_reconnect_stops_retrying() -> None:
    outcome = run_scenario([Faults(drop_after_ms=800), Faults(reject_status=401), OK])
    check_common(outcome)
    assert len(outcome.sessions) == 2
    assert [e.kind for e in outcome.errors] == [ErrorKind.AUTH]


def test_repeated_bad_audio_is_reported_as_our_bug_without_a_retry_loop() -> None:
    bad = Faults(error_after_ms=(300, 3007, "Audio chunk duration violation"))
    outcome = run_scenario([bad, bad, bad, bad, bad])
    check_common(outcome)
    assert [e.kind for e in outcome.errors] == [ErrorKind.INTERNAL]
    assert "bug" in outcome.errors[0].message
    live = [s for s in outcome.sessions if s.fault_fired == "error"]
    assert len(live) <= 3  # one slow retry (plus, perhaps, its backfill), no loop


def test_giving_up_after_the_configured_time_says_so() -> None:
    refuse = Faults(reject_status=503)
    outcome = run_scenario(
        [Faults(drop_after_ms=600), *[refuse] * 200], seconds=4.0, give_up_after_s=1.5
    )
    check_common(outcome)
    assert [e.kind for e in outcome.errors] == [ErrorKind.NETWORK]
    assert "Could not reconnect" in outcome.errors[0].message
    # what the cloud never heard is covered by provisional offline turns, kept as final
    assert outcome.transcript_words(provisional=True)


def test_stop_while_disconnected_keeps_the_provisional_captions() -> None:
    refuse = Faults(reject_status=503)
    outcome = run_scenario(
        [Faults(drop_after_ms=600), *[refuse] * 200], seconds=6.0, stop_after_s=2.5
    )
    check_common(outcome)
    # the gap the cloud never heard is named, and said to be covered by offline captions
    assert [e.kind for e in outcome.errors] == [ErrorKind.INCOMPLETE]
    assert "Offline captions stand in" in outcome.errors[0].message
    provisional = [t for t in outcome.listener.transcript.finished if t.provisional]
    assert provisional and all(t.text.startswith("offline") for t in provisional)
    assert all((t.start_ms or 0) >= 600 for t in provisional)  # on the session timeline


def test_outage_longer_than_the_buffer_loses_only_the_oldest_audio() -> None:
    outcome = run_scenario(
        [Faults(drop_after_ms=600), *[Faults(reject_status=503)] * 6, OK],
        seconds=4.0,
        buffer_s=1.0,
        backoff_base_s=0.4,
        backoff_cap_s=0.4,
        limit_retry_floor_s=0.0,
    )
    check_common(outcome)
    assert [e.kind for e in outcome.errors] == [ErrorKind.INCOMPLETE]
    missing = sorted(set(range(outcome.input_ms // CHUNK_MS)) - outcome.covered_chunks())
    assert missing, "the outage was meant to outlast the 1 s buffer"
    # one contiguous hole, right after the drop point
    assert missing == list(range(missing[0], missing[-1] + 1))
    # the provisional captions for the lost stretch stay
    assert outcome.transcript_words(provisional=True)


def test_provisional_captions_appear_while_disconnected_and_are_superseded() -> None:
    outcome = run_scenario(
        [Faults(drop_after_ms=600), Faults(reject_status=503), Faults(reject_status=503), OK],
        backoff_base_s=0.3,
        backoff_cap_s=0.3,
    )
    check_complete(outcome)
    assert any(p.provisional for p in outcome.listener.partials)


def test_a_quick_reconnect_starts_no_offline_captions() -> None:
    # Building an offline decoder holds the GIL for a second or more, which
    # delayed the very reconnect it stood in for: stand-ins wait until the
    # outage has lasted provisional_after_s (here far longer than the run).
    runs = FakeOfflineEngine.runs
    outcome = run_scenario([Faults(drop_after_ms=1000), OK], provisional_after_s=30.0)
    check_complete(outcome)
    assert reconnected(outcome)
    assert FakeOfflineEngine.runs == runs


def test_late_offline_captions_still_start_at_the_drop() -> None:
    refuse = Faults(reject_status=503)
    outcome = run_scenario(
        [Faults(drop_after_ms=600), *[refuse] * 4, OK],
        provisional_after_s=0.5,
        backoff_base_s=0.3,
        backoff_cap_s=0.3,
    )
    check_complete(outcome)
    stand_ins = [p for p in outcome.listener.partials if p.provisional and p.words]
    assert stand_ins, "the outage outlasted provisional_after_s"
    # fed from the buffer: the first stand-in word is where the cloud stopped
    # hearing, not where the stand-in began (half a second of audio later)
    assert min(w.start_ms for p in stand_ins for w in p.words) < 600 + 400
