"""Exports: read back by the parsers users' tools use, round trips, and failing disks."""

from __future__ import annotations

import errno
import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
import srt
import webvtt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from captioner.core.cues import GLUE, build_cues, clean_tokens
from captioner.core.export import (
    ExportError,
    ExportFormat,
    ExportOptions,
    TranscriptFileError,
    export,
    format_for_path,
    import_json,
    render,
    to_json,
    to_markdown,
    to_srt,
    to_txt,
    to_vtt,
    turn_labels,
    write_atomic,
)
from captioner.core.export_subtitles import RLM
from captioner.core.session import SessionInfo
from captioner.core.transcript import Turn, Word

INFO = SessionInfo(
    engine="assemblyai",
    source="Headset (USB)",
    settings={"speech_model": "universal-streaming-english", "format_turns": True},
    started_at=datetime(2024, 5, 1, 9, 30, 5, 123456, tzinfo=timezone.utc),
    ended_at=datetime(2024, 5, 1, 9, 31, 10, tzinfo=timezone.utc),
    duration_ms=65_000,
    title="Weekly *sync*",
)


def spoken(key: str, text: str, start: int, speaker: str | None = None, **kw: object) -> Turn:
    words, t = [], start
    for token in text.split():
        words.append(Word(token, t, t + 60 * len(token), round(0.5 + len(token) / 40, 3)))
        t += 60 * len(token) + 40
    return Turn(key, 0, text, tuple(words), True, speaker=speaker, **kw)


TURNS = [
    spoken("a:0", "And Mr. John Dashwood had then leisure to consider.", 270, "A", formatted=True),
    spoken(
        "a:1",
        "How much there might prudently be in his power to do for them, "
        "and whether he could spare them a thousand pounds.",
        5200,
        "B",
        formatted=True,
    ),
    spoken("a:2", "Yes.", 14_000, "A", formatted=True),
]


def all_words(turns: list[Turn]) -> list[Word]:
    return [w for t in turns for w in t.words]


def ms(delta) -> int:
    return round(delta.total_seconds() * 1000)


# -- SRT and WebVTT, through independent parsers --------------------------------------


def test_srt_parses_and_cue_times_follow_the_words() -> None:
    text = to_srt(TURNS)
    subs = list(srt.parse(text))
    assert [s.index for s in subs] == list(range(1, len(subs) + 1))
    assert subs[0].content.startswith(">> A: And Mr. John")
    assert any(s.content.startswith(">> B: How much") for s in subs)
    words = all_words(TURNS)
    shown = " ".join(s.content.replace(">> A: ", "").replace(">> B: ", "") for s in subs).split()
    assert shown == [w.text for w in words]
    # Cue times against word timings: each cue starts on its first word and runs to
    # its last word's end (or to the next cue); none overlap.
    position = 0
    for k, sub in enumerate(subs):
        count = len(sub.content.replace(">> A: ", "").replace(">> B: ", "").split())
        first, last = words[position], words[position + count - 1]
        position += count
        assert ms(sub.start) == first.start_ms
        following = subs[k + 1] if k + 1 < len(subs) else None
        assert ms(sub.end) >= last.end_ms or (following and sub.end == following.start)
        assert following is None or sub.end <= following.start
        assert 1 <= len(sub.content.splitlines()) <= 2
        assert all(len(line) <= 42 for line in sub.content.splitlines())
        assert ms(sub.end) - ms(sub.start) <= 7000
    assert position == len(words)
    assert ms(subs[-1].end) - ms(subs[-1].start) == 1000  # "Yes." held for a second


def test_webvtt_parses_with_voices_and_the_same_cues_as_srt() -> None:
    text = to_vtt(TURNS)
    assert text.startswith("WEBVTT\n\n")
    captions = list(webvtt.from_string(text))
    subs = list(srt.parse(to_srt(TURNS)))
    assert len(captions) == len(subs)
    for caption, sub in zip(captions, subs, strict=True):
        assert caption.start_time.in_milliseconds() == ms(sub.start)
        assert caption.end_time.in_milliseconds() == ms(sub.end)
        assert caption.voice in ("A", "B")
        assert caption.text.replace("\n", " ") in sub.content.replace("\n", " ")
    assert captions[0].voice == "A"


def test_webvtt_escapes_markup_and_arrows() -> None:
    turns = [spoken("x", "a <b> & c --> d", 0, "<B&B>")]
    text = to_vtt(turns)
    assert "-->" not in text.split("\n", 3)[3]  # only in the timing line
    [caption] = list(webvtt.from_string(text))
    assert caption.raw_text == "<v &lt;B&amp;B&gt;>a &lt;b&gt; &amp; c --&gt; d"


def test_turns_without_word_timings_still_get_valid_cues() -> None:
    turns = [
        spoken("a", "timed words first", 1000),
        Turn("b", 1, "then a turn with no timings at all", (), True),
    ]
    subs = list(srt.parse(to_srt(turns)))
    assert len(subs) == 2
    assert subs[1].start >= subs[0].end and subs[1].end > subs[1].start


def test_no_labels_when_asked_and_none_for_a_single_unnamed_source() -> None:
    plain = [spoken("a", "just one voice", 0, source="Mic")]
    assert turn_labels(plain) == [None]
    two_sources = [spoken("a", "one", 0, source="Mic"), spoken("b", "two", 900, source="System")]
    assert turn_labels(two_sources) == ["Mic", "System"]
    assert turn_labels(TURNS, "none") == [None, None, None]
    assert ">>" not in to_srt(TURNS, ExportOptions(labels="none"))


words_strategy = st.lists(
    st.tuples(
        st.text(min_size=1, max_size=15),
        st.integers(0, 3000),
        st.integers(0, 3000),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(words_strategy, st.sampled_from([None, "A", "Bob"])), max_size=4))
def test_property_any_transcript_gives_srt_and_vtt_the_parsers_accept(
    parts: list[tuple[list[tuple[str, int, int]], str | None]],
) -> None:
    turns, t = [], 0
    for i, (specs, speaker) in enumerate(parts):
        ws = []
        for text, gap, duration in specs:
            t += gap
            ws.append(Word(text, t, t + duration))
            t += duration
        text = " ".join(w.text for w in ws)
        turns.append(Turn(f"k{i}", i, text, tuple(ws), True, speaker=speaker))
    cues = build_cues(turns, turn_labels(turns))
    subs = list(srt.parse(to_srt(turns)))
    captions = list(webvtt.from_string(to_vtt(turns))) if cues else []
    assert len(subs) == len(captions) == len(cues)
    for cue, sub, caption in zip(cues, subs, captions, strict=True):
        assert (ms(sub.start), ms(sub.end)) == (cue.start_ms, cue.end_ms)
        assert caption.start_time.in_milliseconds() == cue.start_ms
        assert caption.end_time.in_milliseconds() == cue.end_ms
        content = sub.content.replace(RLM, "")  # the mark opening a right-to-left line
        body = content.split(": ", 1)[1] if cue.opens_turn and cue.label else content
        texts = [w.text for w in cue.words]
        if any(GLUE in text for text in texts):  # pieces of a run without spaces
            assert "".join(body.split()) == "".join(texts).replace(GLUE, "")
        else:
            assert body.split() == texts
    for i, t in enumerate(turns):  # every word, once, in order
        assert [w.text for c in cues if c.turn_index == i for w in c.words] == clean_tokens(t.text)


# -- TXT and Markdown ------------------------------------------------------------------


def test_txt_one_paragraph_per_turn_with_optional_stamps_and_labels() -> None:
    text = to_txt(TURNS)
    paragraphs = text.rstrip("\n").split("\n\n")
    assert len(paragraphs) == 3
    assert paragraphs[0] == "[00:00:00] A: And Mr. John Dashwood had then leisure to consider."
    assert paragraphs[2] == "[00:00:14] A: Yes."
    bare = to_txt(TURNS, ExportOptions(timestamps=False, labels="none"))
    assert bare.split("\n\n")[2] == "Yes.\n"


def test_markdown_heading_date_duration_and_labelled_stamped_paragraphs() -> None:
    text = to_markdown(TURNS, INFO)
    lines = text.splitlines()
    assert lines[0] == r"# Weekly \*sync\*"
    local = INFO.started_at.astimezone().strftime("%Y-%m-%d %H:%M")
    assert lines[2].startswith(f"*{local}") and "duration 1 min 05 s" in lines[2]
    assert "**[00:00:05] B:** How much there might" in text
    assert "**[00:00:00] A:** And Mr. John Dashwood" in text


# -- JSON --------------------------------------------------------------------------------


def test_json_round_trip_is_identical(tmp_path: Path) -> None:
    turns = [
        *TURNS,
        Turn("u", 3, "Ünïcödé — “quotes”\nand a newline", (), True, source="Système"),
        spoken("p", "stand in", 20_000, provisional=True),
    ]
    first = tmp_path / "first.json"
    export(first, turns, INFO)
    info, back = import_json(first)
    assert back == turns and info == INFO
    second = tmp_path / "second.json"
    export(second, back, info)
    assert second.read_bytes() == first.read_bytes()
    document = json.loads(first.read_text(encoding="utf-8"))
    assert document["schema"] == "captioner.transcript" and document["version"] == 1
    assert document["turns"][0]["words"][0] == {
        "text": "And",
        "start_ms": 270,
        "end_ms": 450,
        "confidence": 0.575,
    }
    assert "provisional" not in document["turns"][0] and document["turns"][4]["provisional"]


def test_json_without_a_session_round_trips_too(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    export(path, TURNS)
    assert import_json(path) == (None, TURNS)
    assert to_json(TURNS) == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not valid JSON"),
        ('{"schema": "other"}', "not a Captioner transcript"),
        ('{"schema": "captioner.transcript", "version": 99}', "newer Captioner"),
        ('{"schema": "captioner.transcript", "version": 1, "turns": [{}]}', "damaged"),
    ],
)
def test_importing_something_else_is_a_clear_error(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "x.json"
    path.write_text(content)
    with pytest.raises(TranscriptFileError, match=message):
        import_json(path)


@pytest.mark.parametrize(
    "content",
    [
        "[" * 100_000 + "]" * 100_000,  # the whole file
        '{"schema": "captioner.transcript", "version": 1, "turns": ['
        + "[" * 100_000
        + "]" * 100_000
        + "]}",
        '{"schema": "captioner.transcript", "version": 1, "session": {"settings": '
        + '{"a": ' * 50_000
        + "1"
        + "}" * 50_000
        + "}}",
    ],
    ids=["array", "turns", "session"],
)
def test_importing_a_deeply_nested_file_says_it_is_damaged(tmp_path: Path, content: str) -> None:
    """A file nested thousands deep is a damaged file to the user, not a RecursionError."""
    path = tmp_path / "deep.json"
    path.write_text(content)
    with pytest.raises(TranscriptFileError, match="damaged"):
        import_json(path)


# -- formats and writing ---------------------------------------------------------------


def test_format_from_extension_or_explicit() -> None:
    assert format_for_path("a/b.SRT") is ExportFormat.SRT
    assert format_for_path("notes.markdown") is ExportFormat.MD
    assert format_for_path("x.txt", "vtt") is ExportFormat.VTT
    with pytest.raises(ExportError, match=r"\.txt, \.srt"):
        format_for_path("out.docx")
    with pytest.raises(ExportError, match="Unknown export format"):
        format_for_path("out.txt", "docx")
    for fmt in ExportFormat:
        assert render(fmt, TURNS, INFO)


def test_write_atomic_replaces_and_leaves_no_temp_file(tmp_path: Path) -> None:
    tmp_path = tmp_path / "exports"
    tmp_path.mkdir()
    path = tmp_path / "out.srt"
    path.write_text("old")
    assert export(path, TURNS) is ExportFormat.SRT
    assert path.read_text(encoding="utf-8") == to_srt(TURNS)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.srt"]


def test_unwritable_path_names_the_path_and_leaves_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    target = blocker / "out.txt"
    with pytest.raises(ExportError, match="not a folder") as caught:
        export(target, TURNS)
    assert str(target) in str(caught.value)
    with pytest.raises(ExportError, match="it is a folder"):
        write_atomic(tmp_path, "x")


def test_read_only_directory(tiny_tmpfs) -> None:
    ro = tiny_tmpfs("ro")
    with pytest.raises(ExportError, match="read-only") as caught:
        export(ro / "out.vtt", TURNS)
    assert str(ro / "out.vtt") in str(caught.value)
    assert list(ro.iterdir()) == []


def test_full_filesystem_leaves_the_old_file_and_no_temp_file(tiny_tmpfs) -> None:
    disk = tiny_tmpfs()
    path = disk / "out.json"
    path.write_text("previous export")
    huge = [spoken(f"k{i}", "many words in this turn " * 20, i * 10_000) for i in range(60)]
    with pytest.raises(ExportError, match="disk is full") as caught:
        export(path, huge, INFO)
    assert str(path) in str(caught.value)
    assert path.read_text() == "previous export"
    assert [p.name for p in disk.iterdir()] == ["out.json"]


def test_enospc_on_fsync_is_reported_and_cleaned_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp_path = tmp_path / "exports"
    tmp_path.mkdir()

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(ExportError, match="disk is full"):
        export(tmp_path / "out.md", TURNS, INFO)
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_a_stand_in_line_keeps_its_offline_tag_in_text_and_markdown() -> None:
    # Captioned offline while the cloud was unreachable and never replaced: the window says
    # "(offline)"; a transcript read later must not pass it off as the cloud's text.
    turns = [*TURNS[:1], spoken("p", "stand in words", 20_000, "A", provisional=True)]
    txt = to_txt(turns)
    assert "[00:00:20] A: (offline) stand in words" in txt
    assert "(offline)" not in txt.split("\n\n")[0]
    assert "**[00:00:20] A:** (offline) stand in words" in to_markdown(turns)


def test_every_subtitle_cue_of_a_stand_in_line_shows_offline_with_its_speaker() -> None:
    # A deaf viewer reads subtitles, not the TXT: the cues of a line the offline engine
    # captioned while the cloud was down must say so, visibly, in every player.
    stand_in = spoken(
        "p",
        "this long stand in line was heard by the offline engine while the cloud "
        "connection was down and it runs over several cues of subtitles",
        20_000,
        "A",
        provisional=True,
    )
    turns = [*TURNS[:1], stand_in]
    subs = list(srt.parse(to_srt(turns)))
    first_cue_of_stand_in = next(i for i, sub in enumerate(subs) if "stand in" in sub.content)
    before, after = subs[:first_cue_of_stand_in], subs[first_cue_of_stand_in:]
    assert len(after) >= 2
    assert not any("(offline)" in sub.content for sub in before)
    assert after[0].content.startswith(">> A: (offline) this long")
    assert all(sub.content.startswith("(offline) ") for sub in after[1:])
    for sub in subs:  # the tag takes room the layout kept for it
        assert all(len(line) <= 42 for line in sub.content.splitlines()), sub.content
    captions = list(webvtt.from_string(to_vtt(turns)))
    assert [c.voice for c in captions] == ["A"] * len(captions)
    assert [c.text.startswith("(offline) ") for c in captions] == [sub in after for sub in subs]
    words = " ".join(c.text.replace("(offline) ", "") for c in captions[len(before) :])
    assert " ".join(words.split()) == stand_in.text
