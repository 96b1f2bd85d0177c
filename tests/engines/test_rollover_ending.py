"""A run that ends while a rollover's old session is still being handed over or closed.

Stop pressed while the old session's last stretch is unconfirmed (it went quiet
before the handover), and the input ending while the old session still hears
its margin past the handover point.  Through the real SDK against the fake v3
server in timeline mode, as in ``test_rollover.py``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from captioner.engines.assemblyai import AssemblyAIEngine
from captioner.engines.base import EngineState, ErrorKind
from tests.engines.resilience_harness import (
    StatusRecorder,
)
from tests.engines.test_rollover import MS_PER_WORD, SHORT, started_run
from tests.fakes.v3_server import Faults, FaultsArg, SessionRecord

Words = list[tuple[str, int]]
# The first session goes quiet in the pause after "Line 2 ends." (its final came at
# 2.1 s): "line3 ends" (2.1–2.5 s) is heard but never said.  The rollover begins
# after that, well inside the limit for a quiet session (3 s), so the handover is
# placed from it and it never confirms Termination.
QUIET_OLD: dict[str, Any] = {
    "rollover_after_s": 2.5,
    "heartbeat_every_ms": 300.0,
    "heartbeat_silence_limit_s": 3.0,
}


def _quiet_first(index: int) -> Faults:
    return Faults(mute_after_ms=2150) if index == 0 else Faults()


def _run(
    seconds: float,
    faults: FaultsArg,
    *,
    stop_when: Callable[[list[SessionRecord]], bool] | None = None,
    heartbeat_every_ms: float = 1000.0,
    **config: Any,
) -> tuple[StatusRecorder, AssemblyAIEngine, list[SessionRecord], Words, float]:
    """A run of ``seconds`` of coded audio; Stop as soon as ``stop_when(sessions)`` holds.

    Returns the listener, the engine, the fake's sessions, every word spoken in
    full before the audio stopped, and how long Stop took to end the run (0: no Stop).
    """
    started = started_run(SHORT, seconds, faults, heartbeat_every_ms=heartbeat_every_ms, **config)
    with started as (server, listener, engine):
        stop_took = 0.0
        if stop_when is not None:
            while not listener.stopped.wait(0.02):
                if stop_when(server.sessions):
                    pressed = time.monotonic()
                    engine.stop()
                    listener.wait_stopped(30)
                    stop_took = time.monotonic() - pressed
                    break
            assert stop_took, "the run ended before Stop"
        listener.wait_stopped(40)
        assert engine.join(10)
        sessions = list(server.sessions)
        heard_ms = max((s.offset_ms or 0) + s.audio_ms_received for s in sessions if s.began)
        spoken = [(w, s) for w, s in server.script_words() if s + MS_PER_WORD <= heard_ms]
    return listener, engine, sessions, spoken, stop_took


def _words(listener: StatusRecorder) -> Words:
    return sorted(
        (w.text.lower().strip(",.?!"), w.start_ms)
        for t in listener.transcript.finished
        for w in t.words
    )


def _clock(ms: int) -> str:
    minutes, seconds = divmod(ms / 1000, 60)
    return f"{int(minutes)}:{seconds:04.1f}"


def _check_stopped_without_silent_loss(
    listener: StatusRecorder, engine: AssemblyAIEngine, spoken: Words
) -> None:
    """Every word spoken before Stop is in the transcript once, or in a stretch the
    user is told was not transcribed, in so many words."""
    assert listener.states[-1][0] is EngineState.STOPPED
    got = _words(listener)
    assert len(got) == len(set(got)), got
    assert set(got) <= set(spoken), set(got) - set(spoken)
    missing = sorted(set(spoken) - set(got))
    if not missing:
        assert not listener.errors, listener.errors
        return
    assert listener.errors, f"lost without a word to the user: {missing}"
    [error] = listener.errors  # the run says speech is missing, and where
    assert error.kind is ErrorKind.INCOMPLETE, error
    spans = [(int(a), int(b)) for a, b in re.findall(r"(\d+)–(\d+) ms", error.detail)]
    assert spans, error.detail
    host = engine._config.host_name
    total = sum(b - a for a, b in spans) / 1000
    where = ", ".join(f"{_clock(a)}–{_clock(b)}" for a, b in spans)
    # Stop cut it off, no connection was lost: the message must not send the user
    # looking for a network fault.
    assert error.message == (
        f"Some speech is missing from this transcript: {host} had not confirmed "
        f"{total:.1f} s of audio ({where}) when captioning stopped."
    )
    unexplained = [(w, s) for w, s in missing if not any(a <= s < b for a, b in spans)]
    assert not unexplained, f"lost without a word to the user: {unexplained} (told: {spans})"


def test_stop_while_the_quiet_old_session_closes_reports_its_unconfirmed_stretch() -> None:
    """Stop is pressed after the handover, while the quiet old session is being closed
    (Terminate sent, no Termination coming): the run still ends, and "line3 ends", which
    it heard and never said, is reported as not transcribed (no time is left to redo it),
    with every other word in the transcript once."""
    listener, engine, sessions, spoken, stop_took = _run(
        9.0,
        _quiet_first,
        stop_when=lambda sessions: sessions[0].terminate_received,
        terminate_timeout_s=2.0,
        **QUIET_OLD,
    )
    old = sessions[0]
    assert old.fault_fired == "mute" and not old.termination_sent
    assert ("line3", 2100) not in _words(listener)
    _check_stopped_without_silent_loss(listener, engine, spoken)
    assert listener.errors, "the stretch the old session never confirmed is reported"
    assert all(s.terminate_received for s in sessions if s.began)
    assert stop_took < 10, "Stop ended the run"


def test_stop_during_the_handover_from_a_quiet_old_session_loses_no_word_silently() -> None:
    """Stop is pressed while the quiet old session still hears its margin past the
    handover point (a long margin here): what it heard and never said ("line3 ends")
    is not silently gone: it is reported as not transcribed, and the run ends."""
    new_heard = 1200.0  # the handover is placed 400 ms into the new session, ends at 2400

    def in_the_margin(sessions: list[SessionRecord]) -> bool:
        return len(sessions) > 1 and sessions[1].audio_ms_received >= new_heard

    listener, engine, sessions, spoken, stop_took = _run(
        9.0, _quiet_first, stop_when=in_the_margin, handover_margin_s=2.0, **QUIET_OLD
    )
    old, new = sessions[0], sessions[1]
    assert old.fault_fired == "mute" and not old.termination_sent
    assert (new.offset_ms or 0) > 2100, "the new session began after line 3 had begun"
    # Stopped inside the margin: the old session never heard past it.
    assert (old.offset_ms or 0) + old.audio_ms_received < (new.offset_ms or 0) + 2400
    assert ("line3", 2100) not in _words(listener)
    _check_stopped_without_silent_loss(listener, engine, spoken)
    assert all(s.terminate_received for s in sessions if s.began)
    assert stop_took < 10, "Stop ended the run"


def _check_ended_whole(
    listener: StatusRecorder, engine: AssemblyAIEngine, sessions: list[SessionRecord], spoken: Words
) -> None:
    """The input ended in the handover's margin: every word once, the run ended cleanly,
    and every session the server began was sent Terminate."""
    assert listener.states[-1][0] is EngineState.STOPPED
    assert not listener.errors, listener.errors
    assert not listener.transcript.partials, listener.transcript.partials
    assert _words(listener) == sorted(spoken)
    assert all(s.terminate_received for s in sessions if s.began), [
        (s.index, s.began, s.terminate_received) for s in sessions
    ]
    # The handover was placed before the end: the new session's lines are shown.
    old_link, new_link = engine.connections[:2]
    shown = {t.key.split(":")[0] for t in listener.transcript.finished if t.words}
    assert f"aai-{new_link.id}" in shown and f"aai-{old_link.id}" in shown, shown


def test_input_ending_while_the_old_session_hears_its_margin_ends_cleanly() -> None:
    """The file ends while the old session still hears its (long) margin past the handover
    point: both sessions are terminated, every word is in the transcript once (the old
    session's up to the handover point, the new one's from there)."""
    seconds = 4.5
    listener, engine, sessions, spoken, _ = _run(
        seconds, None, rollover_after_s=2.5, handover_margin_s=2.0
    )
    began = [s for s in sessions if s.began]
    assert len(began) == 2, [s.index for s in began]
    old, new = began
    assert old.termination_sent and new.termination_sent
    # The input ended before the margin did: the old session heard to the end.
    assert (old.offset_ms or 0) + old.audio_ms_received == seconds * 1000
    _check_ended_whole(listener, engine, sessions, spoken)


def test_input_ending_while_a_quiet_old_session_hears_its_margin_fills_it_in() -> None:
    """The old session went quiet before the handover, and the file ends while it still
    hears its margin: it never confirms Termination, so what it heard and never said
    ("line3 ends") is transcribed again and filled in after the end of input; every word
    once, every session (the backfill's too) terminated."""
    seconds = 4.0
    listener, engine, sessions, spoken, _ = _run(
        seconds, _quiet_first, handover_margin_s=2.0, **QUIET_OLD
    )
    old, new = sessions[0], sessions[1]
    assert old.fault_fired == "mute" and not old.termination_sent
    assert (new.offset_ms or 0) > 2100, "the new session began after line 3 had begun"
    assert (old.offset_ms or 0) + old.audio_ms_received == seconds * 1000
    filled = [t.text for t in listener.transcript.finished if t.recovered and t.words]
    assert "Line 3 ends." in filled or "line3 ends" in filled, filled
    _check_ended_whole(listener, engine, sessions, spoken)


def test_stop_while_the_handover_waits_on_an_old_session_gone_quiet_mid_line() -> None:
    """The old session goes quiet in the middle of "line3 ends" (it showed "line3"), so the
    handover still waits for the end of that line when Stop is pressed: what was said from
    there on (heard by both sessions, said by neither) is not silently gone."""

    def waiting(sessions: list[SessionRecord]) -> bool:
        return len(sessions) > 1 and sessions[1].audio_ms_received >= 600

    # A Heartbeat per second of audio: the old session's next one (at 3 s) is not
    # overdue (two periods) before Stop, so nothing yet tells that it went quiet.
    listener, engine, sessions, spoken, stop_took = _run(
        9.0,
        lambda index: Faults(mute_after_ms=2350) if index == 0 else Faults(),
        stop_when=waiting,
        rollover_after_s=2.5,
        heartbeat_silence_limit_s=4.0,
        handover_search_s=20.0,
    )
    old = sessions[0]
    assert old.fault_fired == "mute" and not old.termination_sent
    new_link = engine.connections[1]
    shown = {t.key.split(":")[0] for t in listener.transcript.finished}
    assert f"aai-{new_link.id}" not in shown, "Stopped before the handover was placed"
    assert ("ends", 2300) not in _words(listener)
    _check_stopped_without_silent_loss(listener, engine, spoken)
    assert all(s.terminate_received for s in sessions if s.began)
    assert stop_took < 10, "Stop ended the run"
