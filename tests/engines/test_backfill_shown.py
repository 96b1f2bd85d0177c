"""What the user sees while a gap is transcribed again after a reconnect (fake v3 server).

The backfill connection's line in progress is old speech: shown beside the
live one, the reader could not tell which is now, so only its finished lines
are reported, marked ``recovered`` (views mark them "(filled in)").  Speech
that cannot be transcribed again is said when it is known, as a notice, and
the summary at the end says it was already noted.
"""

from __future__ import annotations

from captioner.engines.base import EngineError, EngineNotice, EngineState
from tests.engines.resilience_harness import (
    StatusRecorder,
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
