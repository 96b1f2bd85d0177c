"""Exports and the profanity filter: masked when it is on, as recognised when off, same timing."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import srt
import webvtt

from captioner.core.export import ExportFormat, ExportOptions, export, import_json, render
from captioner.core.session import SessionInfo
from captioner.core.transcript import Translation, Turn, Word

INFO = SessionInfo(engine="offline", source="Built-in Microphone")
RAW_WORDS = ("Shit,", "fucking", "bullshit.")
MASKED_WORDS = ("S***,", "f******", "b*******.")


def spoken(key: str, text: str, start: int, **kw: object) -> Turn:
    words, t = [], start
    for token in text.split():
        words.append(Word(token, t, t + 60 * len(token), 0.7))
        t += 60 * len(token) + 40
    return Turn(key, 0, text, tuple(words), True, **kw)


TURNS = [
    spoken("k:0", "Shit, the class assessment is late.", 300, speaker="A"),
    spoken("k:1", "That fucking printer again.", 4000, speaker="B"),
    spoken("k:2", "Total bullshit.", 9000, speaker="A"),
]

MASKED = ExportOptions(mask_profanity=True)
RAW = ExportOptions(mask_profanity=False)


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_every_format_is_masked_when_the_filter_is_on_and_raw_when_off(
    fmt: ExportFormat, tmp_path: Path
) -> None:
    masked_path, raw_path = tmp_path / f"masked.{fmt.value}", tmp_path / f"raw.{fmt.value}"
    export(masked_path, TURNS, INFO, options=MASKED)
    export(raw_path, TURNS, INFO, options=RAW)
    masked, raw = (p.read_text(encoding="utf-8") for p in (masked_path, raw_path))
    for word in ("Shit", "fucking", "bullshit"):
        assert word not in masked
        assert word in raw
    for shown in ("S***", "f******", "b*******"):
        if fmt is ExportFormat.MD:  # escaped, so Markdown shows the asterisks, not emphasis
            shown = shown.replace("*", "\\*")
        assert shown in masked
    # Innocent words that contain profanity survive the filter.
    assert "class assessment" in masked


def test_subtitle_cues_keep_their_timing_and_count() -> None:
    masked = list(srt.parse(render(ExportFormat.SRT, TURNS, options=MASKED)))
    raw = list(srt.parse(render(ExportFormat.SRT, TURNS, options=RAW)))
    assert [(c.start, c.end) for c in masked] == [(c.start, c.end) for c in raw]
    assert [len(c.content.split()) for c in masked] == [len(c.content.split()) for c in raw]
    vtt_masked = webvtt.from_string(render(ExportFormat.VTT, TURNS, options=MASKED))
    vtt_raw = webvtt.from_string(render(ExportFormat.VTT, TURNS, options=RAW))
    assert [(c.start, c.end) for c in vtt_masked] == [(c.start, c.end) for c in vtt_raw]
    assert ">> B: That f****** printer again." in [c.content for c in masked]


def test_json_masks_text_and_words_and_keeps_timings_and_confidences(tmp_path: Path) -> None:
    out = tmp_path / "masked.json"
    export(out, TURNS, INFO, options=MASKED)
    _info, turns = import_json(out)
    words = [w for t in turns for w in t.words]
    originals = [w for t in TURNS for w in t.words]
    assert [w.text for w in words if "*" in w.text] == list(MASKED_WORDS)
    assert [(w.start_ms, w.end_ms, w.confidence) for w in words] == [
        (w.start_ms, w.end_ms, w.confidence) for w in originals
    ]
    assert [t.text for t in turns] == [
        "S***, the class assessment is late.",
        "That f****** printer again.",
        "Total b*******.",
    ]
    # The raw JSON keeps everything, as before.
    raw = json.loads(render(ExportFormat.JSON, TURNS, INFO, RAW))
    assert [w["text"] for t in raw["turns"] for w in t["words"] if w["text"] in RAW_WORDS] == list(
        RAW_WORDS
    )


def test_the_filter_is_off_unless_asked_for_at_this_level() -> None:
    # The app and the CLI pass the user's choice; the library default is the text as recognised.
    assert "fucking" in render(ExportFormat.TXT, TURNS)
    assert TURNS[1].text == "That fucking printer again."  # exporting never edits the turns


TRANSLATED = [
    replace(
        TURNS[0], translation=Translation("fr", "Shit, l'évaluation de la classe est en retard.")
    ),
    replace(TURNS[1], translation=Translation("fr", "Encore cette fucking imprimante.")),
]


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_translations_are_masked_in_every_format_when_the_filter_is_on(
    fmt: ExportFormat, tmp_path: Path
) -> None:
    masked = render(fmt, TRANSLATED, INFO, MASKED)
    raw = render(fmt, TRANSLATED, INFO, RAW)
    assert "imprimante" in masked and "imprimante" in raw  # the translation is exported
    for word in ("Shit", "fucking"):
        assert word not in masked
    assert "Encore cette fucking imprimante." in raw.replace("\n", " ")


@pytest.mark.parametrize("fmt", [ExportFormat.SRT, ExportFormat.VTT])
def test_separate_translation_tracks_are_masked(fmt: ExportFormat, tmp_path: Path) -> None:
    path = tmp_path / f"talk.{fmt.value}"
    options = ExportOptions(mask_profanity=True, subtitle_translation="separate")
    export(path, TRANSLATED, INFO, options=options)
    track = (tmp_path / f"talk.fr.{fmt.value}").read_text(encoding="utf-8")
    assert "imprimante" in track and "fucking" not in track and "f******" in track
