"""Server messages one field off the SDK's model keep what they carry (the fake's ``defects``).

Before, such a message was dropped whole: a service that left out
``end_of_turn_confidence`` made every Turn vanish, and one bad word item
cost a turn its final.
"""

from __future__ import annotations

import logging

import pytest

from captioner.core.export_subtitles import to_srt
from tests.engines.test_assemblyai import KEY, SCRIPT, SilenceSource, run_engine
from tests.engines.test_translation import KEY as LABELS_KEY
from tests.engines.test_translation import TranslationRecorder, config, run
from tests.fakes.v3_extras import Extras
from tests.fakes.v3_server import FakeV3Server, Faults, ScriptTurn, TurnScript

FINALS = ["And Mister John Dashwood", "had then leisure."]
SALVAGE_LOG = "captioner.engines.assemblyai.salvage"


def salvage_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == SALVAGE_LOG]


def test_turns_without_end_of_turn_confidence_still_show_partials_and_finals(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    faults = Faults(defects=("turn_no_end_of_turn_confidence",))
    with FakeV3Server(api_key=KEY, script=SCRIPT, faults=faults) as server:
        _, listener = run_engine(server.url, SilenceSource(chunks=120))
        sent = server.sessions[0].turns_sent
    assert len(sent) >= 10 and not any("end_of_turn_confidence" in t for t in sent)
    assert not listener.errors
    assert [p.text for p in listener.partials if p.order == 0][:2] == ["and", "and mister"]
    assert [t.text for t in listener.transcript] == FINALS
    assert listener.transcript.finished[0].formatted
    # Said once for the connection, not once per Turn; and never with the key.
    warnings = salvage_warnings(caplog)
    assert len(warnings) == 1 and "end_of_turn_confidence" in warnings[0], warnings
    assert not [r for r in caplog.records if KEY in r.getMessage()]
    closing = [
        r.getMessage() for r in caplog.records if "on this connection: mended" in r.getMessage()
    ]
    assert len(closing) == 1 and closing[0].endswith(" Turn"), closing  # the count, at the end


def test_a_malformed_word_item_costs_that_word_only() -> None:
    # Every Turn: an item that is no word at all, and a first word without a start.
    faults = Faults(defects=("turn_word_not_an_object", "turn_word_without_start"))
    with FakeV3Server(api_key=KEY, script=SCRIPT, faults=faults) as server:
        _, listener = run_engine(server.url, SilenceSource(chunks=120))
        first = next(t for t in server.sessions[0].turns_sent if t["end_of_turn"])
    assert first["words"][1] == "oops" and "start" not in first["words"][0]
    assert not listener.errors
    turns = listener.transcript.finished
    assert [t.text for t in turns] == FINALS  # the transcript is whole
    assert [w.text for w in turns[0].words] == ["Mister", "John", "Dashwood"]
    assert [w.start_ms for w in turns[0].words] == [300, 600, 900]
    # The export spreads the turn's text over the times its words still have.
    srt = to_srt(turns)
    assert "00:00:00,300 --> " in srt and "And Mister John Dashwood" in srt


def test_words_with_a_null_confidence_or_no_final_flag_are_mended_not_dropped() -> None:
    faults = Faults(defects=("turn_word_confidence_null", "turn_words_without_final_flag"))
    with FakeV3Server(api_key=KEY, script=SCRIPT, faults=faults) as server:
        _, listener = run_engine(server.url, SilenceSource(chunks=120))
    turns = listener.transcript.finished
    assert [t.text for t in turns] == FINALS
    assert [len(t.words) for t in turns] == [4, 3]
    assert [w.confidence for w in turns[0].words] == [1.0, 0.9, 0.9, 0.9]  # 1.0: not known


def test_turns_with_unusable_words_keep_their_text_label_and_place_in_the_export() -> None:
    script = TurnScript(
        [
            ScriptTurn(["good", "morning", "everyone"], "Good morning, everyone.", speaker="A"),
            ScriptTurn(["thanks", "for", "coming"], "Thanks for coming.", speaker="B"),
        ]
    )
    faults = Faults(defects=("turn_words_null",), defective_turns=frozenset({1}))
    with FakeV3Server(api_key=LABELS_KEY, script=script, faults=faults) as server:
        listener = run(
            config(server.url, translate_to="", speaker_labels=True), SilenceSource(chunks=80)
        )
    turns = listener.transcript.finished
    assert [(t.text, t.speaker) for t in turns] == [
        ("Good morning, everyone.", "A"),
        ("Thanks for coming.", "B"),
    ]
    assert turns[0].words and not turns[1].words
    srt = to_srt(turns)
    assert "Thanks for coming." in srt and "B: " in srt  # after turn 0's cue, labelled
    assert srt.index("Good morning") < srt.index("Thanks for coming")


@pytest.mark.parametrize("defect", ["turn_no_turn_order", "turn_transcript_null"])
def test_a_turn_without_its_order_or_text_is_skipped_and_the_session_goes_on(
    defect: str, caplog: pytest.LogCaptureFixture
) -> None:
    faults = Faults(defects=(defect,), defective_turns=frozenset({0}))
    with FakeV3Server(api_key=KEY, script=SCRIPT, faults=faults) as server:
        _, listener = run_engine(server.url, SilenceSource(chunks=120))
        sessions = server.sessions
    assert len(sessions) == 1 and sessions[0].terminate_received
    assert not listener.errors
    assert not [p for p in listener.partials if p.order == 0]
    assert [t.text for t in listener.transcript] == ["had then leisure."]
    warnings = salvage_warnings(caplog)
    assert len(warnings) == 1 and warnings[0].startswith("Ignoring a server Turn message")


def test_a_begin_without_expires_at_or_id_still_begins_the_session() -> None:
    faults = Faults(defects=("begin_no_expires_at", "begin_no_id"))
    with FakeV3Server(api_key=KEY, script=SCRIPT, faults=faults) as server:
        _, listener = run_engine(server.url, SilenceSource(chunks=120))
        sessions = server.sessions
    assert not listener.errors
    assert len(sessions) == 1
    assert [t.text for t in listener.transcript] == FINALS


def test_a_termination_with_fractional_seconds_still_confirms_the_end(
    caplog: pytest.LogCaptureFixture,
) -> None:
    faults = Faults(defects=("termination_fractional_seconds",))
    with FakeV3Server(api_key=KEY, script=SCRIPT, faults=faults) as server:
        _, listener = run_engine(server.url, SilenceSource(chunks=60))
        session = server.sessions[0]
    assert session.termination_sent and not listener.errors
    assert not [r for r in caplog.records if "did not confirm Termination" in r.getMessage()]


def test_a_speaker_revision_with_a_malformed_word_still_relabels_the_turn() -> None:
    script = TurnScript(
        [
            ScriptTurn(["good", "morning", "everyone"], "Good morning, everyone.", speaker="A"),
            ScriptTurn(["let", "us", "begin"], "Let us begin.", speaker="A"),
        ]
    )
    extras = Extras(revisions=[(2600.0, {0: "B"})])
    faults = Faults(defects=("revision_word_without_end",))
    with FakeV3Server(
        api_key=LABELS_KEY, script=script, extras=extras, faults=faults, ms_per_word=200
    ) as server:
        listener: TranslationRecorder = run(
            config(server.url, translate_to="", speaker_labels=True), SilenceSource(chunks=80)
        )
        sent = server.sessions[0].revisions_sent
    assert sent and not listener.errors
    turns = listener.transcript.finished
    assert [t.speaker for t in turns] == ["B", "A"]
    assert {w.speaker for w in turns[0].words} == {"B"}
