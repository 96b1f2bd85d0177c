"""What the user sees while a gap is transcribed again after a reconnect (fake v3 server).

The backfill connection's line in progress is old speech: shown beside the
live one, the reader could not tell which is now, so only its finished lines
are reported, marked ``recovered`` (views mark them "(filled in)").  Speech
that cannot be transcribed again is said when it is known, as a notice, and
the summary at the end says it was already noted.
"""

from __future__ import annotations

import random
import threading

from captioner.audio.ring import AudioRing
from captioner.engines.assemblyai.backfill import Backfill
from captioner.engines.assemblyai.backoff import Backoff
from captioner.engines.assemblyai.outage import Outage, describe_losses
from captioner.engines.base import EngineError, EngineNotice, EngineState, ErrorKind
from tests.engines.resilience_harness import (
    StatusRecorder,
    check_common,
    check_complete,
    run_scenario,
)
from tests.fakes.v3_server import Faults

OK = Faults()
REFUSE = Faults(reject_status=503)


class EventRecorder(StatusRecorder):
    """Also keeps notices, errors and states in one list, in the order they came."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[object] = []

    def on_state(self, state: EngineState, detail: str) -> None:
        with self.lock:
            self.events.append((state, detail))
        super().on_state(state, detail)

    def on_error(self, error: EngineError) -> None:
        with self.lock:
            self.events.append(error)
        super().on_error(error)

    def on_notice(self, notice: EngineNotice) -> None:
        with self.lock:
            self.events.append(notice)
        super().on_notice(notice)


def test_a_gap_transcribed_again_shows_its_finished_lines_only_marked_as_filled_in() -> None:
    outcome = run_scenario(
        [Faults(drop_after_ms=600), REFUSE, REFUSE, OK], backoff_base_s=0.3, backoff_cap_s=0.3
    )
    check_complete(outcome)
    listener = outcome.listener
    recovered = [t for t in listener.transcript.finished if t.recovered]
    assert recovered, "the backfill transcribed the gap"
    backfill_connections = {t.key.split(":")[0] for t in recovered}
    # Never a second line in progress for old speech beside the live one.
    assert not [p for p in listener.partials if p.key.split(":")[0] in backfill_connections]
    # The lines said after the reconnect are plain: only the gap's carry the mark.
    gap_end = max(w.end_ms for t in recovered for w in t.words)
    live = [t for t in listener.transcript.finished if not t.recovered and not t.provisional]
    assert any((t.start_ms or 0) > gap_end for t in live)
    # The reader is told where the gap's lines go, once, as a quiet notice.
    filling = [n for n in listener.notices if n.message.startswith("Filling in the")]
    assert len(filling) == 1 and "lines go in above" in filling[0].message


def test_speech_lost_to_the_buffer_is_said_when_known_and_only_summed_up_at_the_end() -> None:
    listener = EventRecorder()
    outcome = run_scenario(
        [Faults(drop_after_ms=600), *[REFUSE] * 6, OK],
        seconds=6.0,
        buffer_s=1.0,
        backoff_base_s=0.4,
        backoff_cap_s=0.4,
        limit_retry_floor_s=0.0,
        listener=listener,
    )
    check_common(outcome)
    events = listener.events
    lost = [
        i
        for i, e in enumerate(events)
        if isinstance(e, EngineNotice) and "could not be transcribed again" in e.message
    ]
    assert lost, events
    notice = events[lost[0]]
    assert isinstance(notice, EngineNotice)
    assert "longer than the 1 s of audio kept" in notice.message
    assert "Offline captions stand in for it" in notice.message
    assert "The rest goes in above" in notice.message  # what the notice it replaces said
    # Said while the run went on, not at its end.
    end_of_input = next(
        i for i, e in enumerate(events) if e == (EngineState.STOPPING, "End of audio; finishing…")
    )
    assert lost[0] < end_of_input
    # The summary still lists it, and says it is the same news, not more of it.
    assert [e.kind for e in outcome.errors] == [ErrorKind.INCOMPLETE]
    assert outcome.errors[0].message.startswith("As noted during the session, some speech")


def test_a_gap_partly_lost_to_the_buffer_then_given_up_is_said_whole() -> None:
    # 90 s without a connection, 60 s kept: the first 30 s were gone, then the
    # backfill gave up before transcribing anything.  The summary named only
    # the last 60 s, as if the first 30 s had been transcribed.
    backfill = Backfill(
        ring=AudioRing(60_000),
        start_ms=10_000,
        until_ms=100_000,
        margin_ms=400,
        new_link=lambda: None,  # type: ignore[arg-type,return-value]
        input_ended=threading.Event(),
        backoff=Backoff(0.1, 0.1, random.Random(0)),
    )
    backfill.lost_ms = 30_000
    backfill.reached_ms = 40_000
    backfill.done.set()
    outage = Outage(10_000, 0.0, None, backfill=backfill, end_ms=100_000)
    notice = outage.news(host="streaming.assemblyai.com", kept_ms=60_000)
    assert notice is not None and notice.message.startswith("90.0 s of speech (0:10.0–1:40.0)")
    assert "kept failing" in notice.message
    summary = describe_losses([outage], host="streaming.assemblyai.com")
    assert summary is not None and "90.0 s of audio (0:10.0–1:40.0)" in summary.message


def test_words_unconfirmed_at_the_end_are_not_said_to_be_missed_while_disconnected() -> None:
    # The file ended and the connection dropped during Terminate: the session's last
    # words are transcribed again.  The reader saw no disconnection: the notice says what
    # happened instead.
    outcome = run_scenario([Faults(drop_on_terminate=True), OK])
    check_complete(outcome)
    filling = [n for n in outcome.listener.notices if n.message.startswith("Filling in the")]
    assert filling, "the session's unconfirmed end was transcribed again without a word"
    assert all("disconnected" not in n.message for n in filling), filling
    assert "did not confirm as the session ended" in filling[0].message
