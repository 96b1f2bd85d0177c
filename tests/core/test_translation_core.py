"""Translations and speaker revisions in the transcript, the journal and every export."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from captioner.core.export import (
    ExportFormat,
    ExportOptions,
    export,
    import_json,
    render,
    translation_exports,
)
from captioner.core.journal import TranscriptJournal, read_journal
from captioner.core.session import SessionInfo
from captioner.core.sessions import SessionStore
from captioner.core.transcript import ChangeKind, Transcript, Translation, Turn, TurnUpdate, Word
from tests.core.killed_writer import killed_session


def final(i: int, text: str, speaker: str | None = "A") -> TurnUpdate:
    words = tuple(
        Word(w, i * 3000 + j * 400, i * 3000 + j * 400 + 300, 0.9, speaker=speaker)
        for j, w in enumerate(text.split())
    )
    return TurnUpdate(
        f"aai-7:{i}", i, text, words, end_of_turn=True, formatted=True, speaker=speaker
    )


def transcript_with_three_turns() -> Transcript:
    transcript = Transcript()
    for i, text in enumerate(["Good morning, everyone.", "Thanks for coming.", "Let us begin."]):
        transcript.apply(final(i, text))
    return transcript


# -- the transcript model ------------------------------------------------------------


def test_translation_revises_the_turn_in_place_and_keeps_the_original() -> None:
    transcript = transcript_with_three_turns()
    changes = []
    transcript.subscribe(changes.append)
    change = transcript.apply_translation("aai-7:1", "fr", "  Merci d'être venus.  ")
    assert change.kind is ChangeKind.REVISED and change.aspect == "translation"
    assert change.index == 1 and changes == [change]
    turn = transcript.finished[1]
    assert turn.text == "Thanks for coming."
    assert turn.translation == Translation("fr", "Merci d'être venus.")
    # The same answer twice, or an empty one, changes nothing.
    assert transcript.apply_translation("aai-7:1", "fr", "Merci d'être venus.").kind is (
        ChangeKind.IGNORED
    )
    assert transcript.apply_translation("aai-7:0", "fr", "   ").kind is ChangeKind.IGNORED
    assert transcript.finished[0].translation is None


def test_a_translation_that_overtakes_its_final_is_attached_when_the_turn_finishes() -> None:
    transcript = Transcript()
    transcript.apply(TurnUpdate("aai-7:0", 0, "good morning", (Word("good", 0, 300),)))
    assert transcript.apply_translation("aai-7:0", "fr", "Bonjour").kind is ChangeKind.IGNORED
    transcript.apply(final(0, "Good morning."))
    assert transcript.finished[0].translation == Translation("fr", "Bonjour")


def test_a_formatted_final_after_the_translation_keeps_it() -> None:
    transcript = Transcript()
    plain = final(0, "good morning")
    transcript.apply(TurnUpdate(plain.key, 0, plain.text, plain.words, end_of_turn=True))
    transcript.apply_translation(plain.key, "fr", "Bonjour")
    transcript.apply(final(0, "Good morning."))
    assert transcript.finished[0].text == "Good morning."
    assert transcript.finished[0].translation == Translation("fr", "Bonjour")


def test_speaker_revision_relabels_the_turn_and_each_word() -> None:
    transcript = transcript_with_three_turns()
    change = transcript.apply_speaker_revision("aai-7:0", "B", ("B", "C", "B"))
    assert change.kind is ChangeKind.REVISED and change.aspect == "speaker"
    turn = transcript.finished[0]
    assert turn.speaker == "B" and [w.speaker for w in turn.words] == ["B", "C", "B"]
    # Word labels that do not match the turn's words: every word takes the turn's.
    transcript.apply_speaker_revision("aai-7:1", "C", ("C",))
    assert {w.speaker for w in transcript.finished[1].words} == {"C"}
    # "No label yet" (PENDING) is None.
    transcript.apply_speaker_revision("aai-7:2", None)
    assert transcript.finished[2].speaker is None


# -- the journal ---------------------------------------------------------------------


def journaled(data_dir: Path) -> tuple[Path, Transcript]:
    """A session journaled change by change, closed without an end record (a crash)."""
    journal = TranscriptJournal.create(SessionInfo(engine="assemblyai"), data_dir)
    transcript = Transcript()
    transcript.subscribe(journal.record)
    for i, text in enumerate(["Good morning, everyone.", "Thanks for coming.", "Let us begin."]):
        transcript.apply(final(i, text))
    transcript.apply_translation("aai-7:2", "fr", "Commençons.")
    transcript.apply_translation("aai-7:0", "fr", "Bonjour à tous.")
    transcript.apply_speaker_revision("aai-7:1", "B", ("B", "B", "B"))
    journal.close()  # no end record: what a crash leaves
    return journal.path, transcript


def test_a_journal_without_an_end_record_keeps_translations_and_revisions(
    tmp_path: Path,
) -> None:
    path, transcript = journaled(tmp_path)
    contents = read_journal(path)
    assert not contents.ended and contents.damaged_lines == 0
    assert contents.turns == transcript.finished
    assert contents.turns[0].translation == Translation("fr", "Bonjour à tous.")
    assert contents.turns[1].translation is None
    assert contents.turns[1].speaker == "B"
    assert {w.speaker for w in contents.turns[1].words} == {"B"}


@pytest.mark.parametrize(
    "damage",
    [
        {"language": "fr"},  # no text
        {"language": 3, "text": "Bonjour"},
        "Bonjour",
        {"language": "fr", "text": ""},
    ],
)
def test_a_damaged_translation_record_costs_only_that_record(tmp_path: Path, damage) -> None:
    path, _transcript = journaled(tmp_path)
    lines = path.read_bytes().splitlines(keepends=True)
    # The translation of turn 0 is the fifth record (header, 3 turns, turn 2's, turn 0's).
    record = json.loads(lines[5])
    assert record["turn"]["key"] == "aai-7:0" and "translation" in record["turn"]
    record["turn"]["translation"] = damage
    lines[5] = (json.dumps(record) + "\n").encode()
    path.write_bytes(b"".join(lines))
    contents = read_journal(path)
    assert contents.damaged_lines == 1
    assert contents.turns[0].translation is None  # back to the turn as first journaled
    assert contents.turns[0].text == "Good morning, everyone."
    assert contents.turns[2].translation == Translation("fr", "Commençons.")
    assert contents.turns[1].speaker == "B"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_keeps_translations_and_revised_labels_already_shown(tmp_path: Path) -> None:
    session_id = killed_session("tests.core.translation_journal_writer", tmp_path)
    turns = SessionStore(tmp_path).recover(session_id)
    assert [t.translation for t in turns] == [
        Translation("fr", "Bonjour."),
        None,
        Translation("fr", "Commençons."),
    ]
    assert [t.speaker for t in turns] == ["A", "B", "A"]
    assert {w.speaker for w in turns[1].words} == {"B"}


# -- exports -------------------------------------------------------------------------


def exported_turns() -> list[Turn]:
    transcript = transcript_with_three_turns()
    transcript.apply_translation("aai-7:0", "fr", "Bonjour à tous.")
    transcript.apply_translation("aai-7:2", "fr", "Commençons.")
    transcript.apply_speaker_revision("aai-7:1", "B", ("B", "B", "B"))
    return list(transcript.finished)


def test_txt_and_markdown_put_the_translation_under_its_turn() -> None:
    turns = exported_turns()
    txt = render(ExportFormat.TXT, turns)
    assert "[00:00:00] A: Good morning, everyone.\n(fr) Bonjour à tous.\n\n" in txt
    assert "B: Thanks for coming.\n\n" in txt  # revised label, no translation line
    md = render(ExportFormat.MD, turns)
    assert "**[00:00:00] A:** Good morning, everyone.  \n*(fr) Bonjour à tous.*\n" in md
    assert "**[00:00:03] B:** Thanks for coming.\n" in md
    off = ExportOptions(translations=False)
    assert "Bonjour" not in render(ExportFormat.TXT, turns, options=off)


def test_json_carries_translation_and_word_speakers_and_reads_back(tmp_path: Path) -> None:
    turns = exported_turns()
    path = tmp_path / "talk.json"
    export(path, turns)
    document = json.loads(path.read_text(encoding="utf-8"))
    first = document["turns"][0]
    assert first["translation"] == {"language": "fr", "text": "Bonjour à tous."}
    assert "translation" not in document["turns"][1]
    assert document["turns"][1]["speaker"] == "B"
    assert [w["speaker"] for w in document["turns"][1]["words"]] == ["B", "B", "B"]
    assert '"speaker": "B"}' in path.read_text(encoding="utf-8")  # a word per line still
    _info, back = import_json(path)
    assert back == turns


@pytest.mark.parametrize("fmt", [ExportFormat.SRT, ExportFormat.VTT])
def test_bilingual_subtitles_show_the_translation_under_the_original(fmt: ExportFormat) -> None:
    text = render(fmt, exported_turns())
    blocks = text.strip().split("\n\n")
    cues = [b for b in blocks if "-->" in b]
    assert len(cues) == 3
    first = cues[0].splitlines()
    assert first[-2:] == (
        [">> A: Good morning, everyone.", "Bonjour à tous."]
        if fmt is ExportFormat.SRT
        else ["<v A>Good morning, everyone.", "Bonjour à tous."]
    )
    assert cues[1].splitlines()[-1].endswith("Thanks for coming.")  # untranslated: one line
    assert "B" in cues[1]  # the revised label


def test_a_long_turn_split_into_cues_shares_its_translation_in_order() -> None:
    words = " ".join(f"word{i}" for i in range(24))
    turn = Transcript()
    turn.apply(final(0, words))
    translation = " ".join(f"mot{i}" for i in range(24))
    turn.apply_translation("aai-7:0", "fr", translation)
    text = render(ExportFormat.SRT, turn.finished)
    cues = [b.splitlines()[2:] for b in text.strip().split("\n\n")]
    assert len(cues) > 1
    shown = [w for cue in cues for line in cue for w in line.split() if w.startswith("mot")]
    assert shown == translation.split()  # every word once, in order
    assert all(any("mot" in line for line in cue) for cue in cues)


@pytest.mark.parametrize("fmt", [ExportFormat.SRT, ExportFormat.VTT])
def test_separate_subtitles_write_a_track_per_language(tmp_path: Path, fmt: ExportFormat) -> None:
    turns = exported_turns()
    options = ExportOptions(subtitle_translation="separate")
    path = tmp_path / f"talk.{fmt.value}"
    assert translation_exports(path, turns, fmt, options) == [
        (tmp_path / f"talk.fr.{fmt.value}", "fr")
    ]
    export(path, turns, options=options)
    original = path.read_text(encoding="utf-8")
    french = (tmp_path / f"talk.fr.{fmt.value}").read_text(encoding="utf-8")
    assert "Bonjour" not in original and "Good morning, everyone." in original
    assert "Bonjour à tous." in french and "Commençons." in french
    assert "Good morning" not in french
    assert "Thanks for coming." in french  # no answer for that turn: no hole in the track
    assert original.count("-->") == french.count("-->") == 3
