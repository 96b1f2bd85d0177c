"""The session rollover hands over at a pause: a sentence spoken across it stays one line.

Through the real SDK against the fake v3 server in timeline mode (a session
that joins mid-sentence hears only the words from its start on, with times
relative to its own audio, as the service does), with a rollover a second
or two into the run.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from typing import Any

from captioner.engines.assemblyai import AssemblyAIEngine
from tests.engines.resilience_harness import (
    KEY,
    CodedSource,
    RunEndRecorder,
    StatusRecorder,
    fake_offline,
    fast_config,
)
from tests.engines.test_translation import TranslationRecorder
from tests.fakes.v3_extras import Extras, Gateway
from tests.fakes.v3_server import (
    CHUNK_MS,
    FakeV3Server,
    Faults,
    FaultsArg,
    ScriptTurn,
    SessionRecord,
    TurnScript,
)

MS_PER_WORD = 200
GAP_MS = 300
LONG = (
    "we will now go through the figures for the third quarter "
    "and then talk about what comes next for all of us"
).split()
LONG_FORMATTED = (
    "We will now go through the figures for the third quarter, "
    "and then talk about what comes next for all of us."
)
# A 4-second sentence from 0.7 s, between two short ones.
ACROSS = TurnScript(
    [
        ScriptTurn(["good", "morning"], "Good morning."),
        ScriptTurn(LONG, LONG_FORMATTED),
        ScriptTurn(["thank", "you"], "Thank you."),
        ScriptTurn(["any", "questions"], "Any questions?"),
    ]
)
ACROSS_LINES = ["Good morning.", LONG_FORMATTED, "Thank you.", "Any questions?"]


def _run(
    script: TurnScript, seconds: float, faults: FaultsArg = None, **options: Any
) -> tuple[StatusRecorder, list[SessionRecord], list[tuple[str, int]]]:
    """``seconds`` of timeline-coded audio through a run (``options``: see
    :func:`started_run`), to its end.

    Returns the listener, the fake's sessions and every word spoken in full
    (text, start on the session clock).
    """
    started = started_run(script, seconds, faults, **options)
    with started as (server, listener, engine):
        listener.wait_stopped(40)
        assert engine.join(10)
        spoken = [(w, s) for w, s in server.script_words() if s + MS_PER_WORD <= seconds * 1000]
    return listener, server.sessions, spoken


@contextlib.contextmanager
def started_run(
    script: TurnScript,
    seconds: float,
    faults: FaultsArg = None,
    *,
    extras: Extras | None = None,
    listener: StatusRecorder | None = None,
    heartbeat_every_ms: float = 1000.0,
    **config: Any,
) -> Iterator[tuple[FakeV3Server, StatusRecorder, AssemblyAIEngine]]:
    """A run with ``config`` under way, reading ``seconds`` of timeline-coded audio, against
    the fake server playing ``script`` (closed on the way out)."""
    with FakeV3Server(
        KEY,
        script,
        faults,
        ms_per_word=MS_PER_WORD,
        gap_ms=GAP_MS,
        timeline=True,
        heartbeat_every_ms=heartbeat_every_ms,
        extras=extras,
    ) as server:
        listener = listener or StatusRecorder()
        engine = AssemblyAIEngine(
            listener,
            fast_config(server.url, provisional_offline=False, **config),
            offline_factory=fake_offline,
            rng=random.Random(0),
        )
        engine.start(CodedSource(round(seconds * 1000 / CHUNK_MS)))
        yield server, listener, engine


def _lines(listener: StatusRecorder) -> list[tuple[str, list[tuple[str, int]]]]:
    """The finished lines with words: (text, [(word, start)…])."""
    return [
        (t.text, [(w.text.lower().strip(",.?!"), w.start_ms) for w in t.words])
        for t in listener.transcript.finished
        if t.words
    ]


def test_a_sentence_spoken_across_the_rollover_stays_one_whole_line() -> None:
    """The rollover (~1.5 s in) falls in the middle of a 4-second sentence: it comes out as
    one formatted line with all its words, none of them on another line too (the handover
    waits for the pause after it), with its translation (answered late, after the old
    session's last audio), and the next sentence comes from the new session."""
    listener = TranslationRecorder()
    listener, sessions, spoken = _run(
        ACROSS,
        7.5,
        extras=Extras(gateway=Gateway(delays_s=(1.0,)), relative_turn_order=True),
        listener=listener,
        translate_to="fr",
        rollover_after_s=1.5,
    )
    assert not listener.errors, listener.errors
    assert len([s for s in sessions if s.began]) >= 2, "a rollover happened"
    new_start = sessions[1].offset_ms or 0
    long_start = next(start for word, start in spoken if word == LONG[0])
    assert long_start < new_start < long_start + len(LONG) * MS_PER_WORD, "it began mid-sentence"

    lines = _lines(listener)
    texts = [text for text, _ in lines]
    assert LONG_FORMATTED in texts, texts
    (long_line,) = [words for text, words in lines if text == LONG_FORMATTED]
    assert [w for w, _ in long_line] == LONG
    assert texts == ACROSS_LINES
    # every word once, at its place
    words = sorted(w for _, ws in lines for w in ws)
    assert words == sorted(spoken)
    (long_turn,) = [t for t in listener.transcript.finished if t.text == LONG_FORMATTED]
    assert long_turn.translation is not None
    assert long_turn.translation.text == "[fr] " + LONG_FORMATTED


def test_a_new_session_lost_before_the_handover_leaves_the_sentence_to_the_old_one() -> None:
    """The new session drops while the sentence is still being spoken: the old one, which
    heard it all, goes on; the sentence is still one whole line, nothing lost."""
    listener, sessions, spoken = _run(
        ACROSS, 7.5, [Faults(), Faults(drop_after_ms=500), Faults()], rollover_after_s=1.5
    )
    assert not listener.errors, listener.errors
    assert sessions[1].fault_fired == "drop"
    lines = _lines(listener)
    assert [text for text, _ in lines] == ACROSS_LINES
    assert sorted(w for _, ws in lines for w in ws) == sorted(spoken)


def test_an_old_session_lost_while_the_handover_waits_loses_no_word() -> None:
    """The old session drops mid-sentence while the handover waits for a pause: its
    finalised words stay, the new one (which heard from its start) takes over from there;
    every word once."""
    listener, _sessions, spoken = _run(
        ACROSS, 7.5, [Faults(drop_after_ms=2600), Faults(), Faults()], rollover_after_s=1.5
    )
    assert not listener.errors, listener.errors
    assert sorted(w for _, ws in _lines(listener) for w in ws) == sorted(spoken)


def test_speech_without_a_pause_still_hands_over_within_the_bound() -> None:
    """Nobody pauses for far longer than the handover may wait: the old session is closed
    once the bound has passed (well before the input ends), splitting the line by time,
    and no word is lost or doubled."""
    words = [f"word{i}" for i in range(45)]  # 9 s without a pause
    script = TurnScript([ScriptTurn(words, None)])
    search_s, margin_s = 2.0, 0.4
    listener, sessions, spoken = _run(
        script,
        8.0,
        rollover_after_s=1.0,
        handover_search_s=search_s,
        handover_margin_s=margin_s,
    )
    assert not listener.errors, listener.errors
    old, new = [s for s in sessions if s.began][:2]  # the first rollover
    assert old.terminate_received
    new_start = new.offset_ms or 0
    old_end = (old.offset_ms or 0) + old.audio_ms_received
    # the old session heard no more than the bound, the margin and a message in flight
    assert old_end <= new_start + (search_s + margin_s) * 1000 + 2 * CHUNK_MS, (old_end, new_start)
    assert old_end < 8000 - 1000, "handed over, not just ended with the input"
    got = sorted(w for _, ws in _lines(listener) for w in ws)
    assert got == sorted(spoken)


def test_input_ending_while_the_handover_waits_leaves_the_sentence_whole() -> None:
    """The input ends mid-sentence, before any pause after the rollover: the old session,
    which heard it all, finishes it as one line; both sessions are terminated."""
    listener, sessions, spoken = _run(ACROSS, 4.0, rollover_after_s=1.5)
    assert not listener.errors, listener.errors
    began = [s for s in sessions if s.began]
    assert len(began) >= 2 and all(s.terminate_received for s in began)
    lines = _lines(listener)
    assert len(lines) == 2, lines
    assert lines[1][0].startswith("We will now go through the figures")
    assert [w for _, ws in lines for w in ws] == spoken


def test_words_lost_with_the_old_session_during_the_handover_are_filled_in_and_said_why() -> None:
    """The old session stops answering mid-sentence after the new one has begun: the words
    it never confirmed before the new session's start are transcribed again, and the notice
    says they were missed when the connection was renewed (nothing looked disconnected:
    captions kept coming from the new session), not "while disconnected"."""
    listener, sessions, spoken = _run(
        ACROSS, 7.5, [Faults(stall_after_ms=1700), Faults(), Faults()], rollover_after_s=1.5
    )
    assert not listener.errors, listener.errors
    assert sessions[0].fault_fired == "stall"
    filling = [n.message for n in listener.notices if n.message.startswith("Filling in the")]
    assert len(filling) == 1, filling
    assert "missed when the connection was renewed" in filling[0], filling
    assert "disconnected" not in filling[0], filling
    assert any(t.recovered for t in listener.transcript.finished), "the gap was filled in"
    assert sorted(w for _, ws in _lines(listener) for w in ws) == sorted(spoken)


# Short lines with pauses (0.7 s each, to 9.1 s): the handover comes soon after a rollover.
SHORT = TurnScript([ScriptTurn([f"line{i}", "ends"], f"Line {i} ends.") for i in range(13)])
# A Heartbeat per 300 ms of audio, a session taken for dead after 1 s without a message:
# a new session muted at 300 ms has sent one Heartbeat, never two.
QUICK = {"heartbeat_every_ms": 300.0, "heartbeat_silence_limit_s": 1.0}


def _mute_second(index: int) -> Faults:
    """The first rollover's new session goes quiet 300 ms in; every other one works."""
    return Faults(mute_after_ms=300) if index == 1 else Faults()


def test_a_new_session_gone_quiet_after_the_handover_is_replaced_and_its_gap_redone() -> None:
    """The new session of a rollover goes quiet just after the handover, before it has sent
    two Heartbeats of its own.  The old session showed that the server sends them, so the
    new one is watched from its start: it is replaced within the usual limit, the user is
    told as for any dead session, its audio is transcribed again and the captions go on
    during the run (they used to stop for as long as the meeting lasted, and what was said
    meanwhile was lost if a later rollover handed over from the quiet session)."""
    seconds = 8.5
    listener, sessions, spoken = _run(
        SHORT, seconds, _mute_second, listener=RunEndRecorder(), rollover_after_s=3.0, **QUICK
    )
    assert not listener.errors, listener.errors
    assert sessions[1].fault_fired == "mute" and sessions[1].heartbeats_sent == 1
    assert sorted(w for _, ws in _lines(listener) for w in ws) == sorted(spoken)
    assert isinstance(listener, RunEndRecorder)
    late = listener.shown_late(spoken_before_ms=int((seconds - 2) * 1000))
    assert not late, f"shown only once the input had ended: {late}"
    details = [s.detail for s in listener.statuses if s.summary.startswith("Reconnecting…")]
    assert any("sent no message" in d for d in details), details


def test_a_new_session_gone_quiet_before_the_handover_leaves_the_sentence_to_the_old_one() -> None:
    """The new session of a rollover goes quiet while the handover waits for the end of a
    long sentence: it is noticed (the old session showed the server's Heartbeats) and the
    old session, which heard everything, goes on; the sentence is one whole line, every
    word once, and the captions after it come during the run."""
    seconds = 9.0
    listener, sessions, spoken = _run(
        ACROSS, seconds, _mute_second, listener=RunEndRecorder(), rollover_after_s=1.5, **QUICK
    )
    assert not listener.errors, listener.errors
    assert sessions[1].fault_fired == "mute" and sessions[1].heartbeats_sent == 1
    lines = _lines(listener)
    assert [text for text, _ in lines] == ACROSS_LINES
    assert sorted(w for _, ws in lines for w in ws) == sorted(spoken)
    assert isinstance(listener, RunEndRecorder)
    late = listener.shown_late(spoken_before_ms=int((seconds - 2) * 1000))
    assert not late, f"shown only once the input had ended: {late}"


def test_words_an_old_session_gone_quiet_never_confirmed_are_filled_in_once() -> None:
    """The old session goes quiet (no Turn, no Heartbeat: it still reads the audio) in the
    pause after "Line 2 ends." and the rollover begins soon after, well inside the limit for
    a quiet session: the handover still completes from it, and it never confirms its
    Termination.  What it heard and never said (from "line3" to the end of the line
    being spoken when the new session began) is transcribed again and filled in, every
    word once (it used to be lost for good: "Line 3 ends." missing, or "Thank you."
    coming out as "You.")."""
    listener, sessions, spoken = _run(
        SHORT,
        7.0,
        [Faults(mute_after_ms=2150), Faults(), Faults(), Faults()],
        rollover_after_s=2.5,
        heartbeat_every_ms=300.0,
        heartbeat_silence_limit_s=3.0,  # the quiet old session outlives the handover
    )
    assert not listener.errors, listener.errors
    old, new = sessions[0], sessions[1]
    assert old.fault_fired == "mute" and old.terminate_received and not old.termination_sent
    assert (new.offset_ms or 0) > 2100, "the new session began after line 3 had begun"
    reconnecting = [s.detail for s in listener.statuses if s.summary.startswith("Reconnecting…")]
    assert not reconnecting, "handed over before the quiet session was taken for dead"
    assert sorted(w for _, ws in _lines(listener) for w in ws) == sorted(spoken)
    filled = [t.text for t in listener.transcript.finished if t.recovered and t.words]
    assert "Line 3 ends." in filled, filled
    filling = [n.message for n in listener.notices if n.message.startswith("Filling in the")]
    assert len(filling) == 1 and "missed when the connection was renewed" in filling[0], filling
    # The new session began mid-line: the handover waited for that line's end, so it is
    # one line (it was "line4", filled in, and the new session's "Ends.").
    lines = [text for text, _ in _lines(listener)]
    assert lines == [f"Line {i} ends." for i in range(len(lines))], lines
