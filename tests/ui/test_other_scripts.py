"""Captions in other scripts in the main window's transcript: Japanese, Arabic, Hindi, emoji.

Qt counts a document position in UTF-16 units, where an emoji or a rare
ideograph (beyond the BMP) is two; Python counts code points.  A line
rewritten from its first changed character must land that character where
Qt has it, or the line loses letters as it grows.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from captioner.core.transcript import Translation, Turn, Word
from captioner.ui.transcript_lines import LINE_BREAK
from captioner.ui.transcript_view import TranscriptView


def turn(n: int, text: str, **extra: object) -> Turn:
    words = (Word("w", n * 2000, n * 2000 + 500),)
    return Turn(f"k{n}", n, text, words=words, **extra)  # type: ignore[arg-type]


@pytest.fixture
def view(qtbot) -> TranscriptView:
    v = TranscriptView()
    qtbot.addWidget(v)
    v.resize(600, 300)
    v.show()
    qtbot.waitExposed(v)
    return v


GROWING = [
    ["𠀋の会議", "𠀋の会議です", "𠀋の会議ですね"],  # a rare ideograph (two UTF-16 units)
    ["great 👍 so", "great 👍 so what", "great 👍👍 so what we"],  # emoji
    ["नमस्ते", "नमस्ते दोस्तों", "नमस्ते दोस्तों आज"],  # Hindi: combining marks
    ["مرحبا 😀 بكم", "مرحبا 😀 بكم في Zoom"],  # Arabic with an emoji and a Latin word
    ["👨‍👩‍👧 family", "👨‍👩‍👧 family time"],  # an emoji sequence (joiners)
]


@pytest.mark.parametrize("steps", GROWING)
def test_a_line_in_progress_grows_without_losing_letters(view, steps) -> None:
    for text in steps:
        view.show_partial(turn(1, text))
        assert view.partial_text() == text


def test_a_finished_line_keeps_its_letters_when_its_translation_arrives(view) -> None:
    line = turn(1, "今日は𠀋の会議です 😀", finished=True)
    view.insert_turn(0, line)
    translated = Translation("en", "Today is the meeting")
    view.revise_turn(0, replace(line, translation=translated))
    assert (
        view.finished_texts()[0]
        == f"00:02  今日は𠀋の会議です 😀{LINE_BREAK}       {translated.text}"
    )
