"""Call mode's speaker labels, as first shown and after a SpeakerRevision: one scheme per session.

Real SDK (``ChannelStreamer``) against the fake v3 server.  The second turn is
spoken by both sides at once, equally loud, so the VAD cannot attribute it:
it is shown unlabelled, and a revision naming the service's speaker must not
turn it into a bare "B" (a third participant beside "You" and "Them (B)").
Word speakers (kept in the journal and the JSON export) are the side labels
from the first final on, as after a revision, never the raw "A"/"B".
"""

from __future__ import annotations

from captioner.audio.call import join_frame
from captioner.core.export import ExportOptions, render
from tests.engines.test_call_engines import SILENCE, run_cloud, tone_chunk
from tests.engines.test_translation import TranslationRecorder
from tests.fakes.v3_extras import Extras
from tests.fakes.v3_server import FakeV3Server, ScriptTurn, TurnScript

KEY = "test-key-call-revision"
SCRIPT = TurnScript(
    [
        ScriptTurn(["hello", "there", "how", "are"], "Hello there, how are", speaker="A"),
        ScriptTurn(["no", "you", "first"], "No, you first.", speaker="B"),  # both at once
        ScriptTurn(["and", "me", "too"], "And me too.", speaker="B"),
    ]
)


def crosstalk_frames() -> list[bytes]:
    """Mic alone 0–1.6 s, both sides equally loud 1.6–2.9 s, system alone 2.9–4.2 s."""
    frames = [join_frame(tone_chunk(i), SILENCE) for i in range(32)]
    frames += [join_frame(tone_chunk(i), tone_chunk(i, 300.0)) for i in range(26)]
    frames += [join_frame(SILENCE, tone_chunk(i, 300.0)) for i in range(26)]
    return frames + [join_frame(SILENCE, SILENCE)] * 40


def run_call(revisions: dict[int, str] | None) -> TranslationRecorder:
    """One call-mode run with speaker labels; ``revisions`` sent after the last turn."""
    extras = Extras(revisions=[(5500.0, revisions)] if revisions else [])
    listener, server = run_cloud(
        crosstalk_frames(),
        script=SCRIPT,
        extras=extras,
        listener=TranslationRecorder(),
        speaker_labels=True,
    )
    if revisions:
        assert server.sessions[0].revisions_sent
    assert not listener.errors
    return listener  # type: ignore[return-value]


def test_a_revision_leaves_an_unattributed_call_line_unlabelled() -> None:
    listener = run_call({0: "A", 1: "B", 2: "B"})
    turns = listener.transcript.finished
    assert [(t.source, t.speaker, t.text) for t in turns] == [
        ("mic", "You", "Hello there, how are"),
        ("", None, "No, you first."),
        ("system", "Them (B)", "And me too."),
    ]
    assert {w.speaker for w in turns[1].words} == {None}
    assert [speaker for _key, speaker, _words in listener.revisions] == ["You", None, "Them (B)"]
    text = render("txt", turns, None, ExportOptions(timestamps=False))
    assert "B: No, you first." not in text and "No, you first." in text


def test_call_word_speakers_use_side_labels_from_the_first_final() -> None:
    listener = run_call(None)
    finals = [f for f in listener.finals if f.end_of_turn and f.formatted and f.text]
    assert [(f.speaker, {w.speaker for w in f.words}) for f in finals] == [
        ("You", {"You"}),
        (None, {None}),
        ("Them (B)", {"Them (B)"}),
    ]
    # The transcript (what the journal and the JSON export keep) says the same.
    assert [{w.speaker for w in t.words} for t in listener.transcript.finished] == [
        {"You"},
        {None},
        {"Them (B)"},
    ]


def test_plain_sessions_keep_the_services_labels_on_words_and_revisions() -> None:
    """Outside call mode nothing is renamed: "A"/"B" as first shown and as revised."""
    from tests.engines.test_assemblyai import SilenceSource
    from tests.engines.test_translation import config, run

    extras = Extras(revisions=[(5500.0, {0: "B", 1: "B", 2: "A"})])
    with FakeV3Server(api_key=KEY, script=SCRIPT, extras=extras, ms_per_word=300) as server:
        listener = run(
            config(server.url, api_key=KEY, translate_to="", speaker_labels=True),
            SilenceSource(chunks=120),
        )
        assert server.sessions[0].revisions_sent
    finals = [f for f in listener.finals if f.end_of_turn and f.formatted and f.text]
    assert [(f.speaker, {w.speaker for w in f.words}) for f in finals] == [
        ("A", {"A"}),
        ("B", {"B"}),
        ("B", {"B"}),
    ]
    turns = listener.transcript.finished
    assert [(t.speaker, {w.speaker for w in t.words}) for t in turns] == [
        ("B", {"B"}),
        ("B", {"B"}),
        ("A", {"A"}),
    ]
