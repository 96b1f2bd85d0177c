"""Captions in other scripts in the main window's transcript: Japanese, Arabic, Hindi, emoji.

Qt counts a document position in UTF-16 units, where an emoji or a rare
ideograph (beyond the BMP) is two; Python counts code points.  A line
rewritten from its first changed character must land that character where
Qt has it, or the line loses letters as it grows.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtGui import QFontMetricsF

from captioner.core.bidi import FSI, PDI
from captioner.core.caption_line import CaptionLine
from captioner.core.transcript import Translation, Turn, Word
from captioner.ui.transcript_lines import LINE_BREAK
from captioner.ui.transcript_view import TranscriptView
from tests.ui.test_overlay_text import make_overlay


def turn(n: int, text: str, **extra: object) -> Turn:
    words = (Word("w", n * 2000, n * 2000 + 500),)
    return Turn(f"k{n}", n, text, words=words, **extra)  # type: ignore[arg-type]


def bare(text: str) -> str:
    """``text`` without the invisible marks that set right-to-left words apart."""
    return text.replace(FSI, "").replace(PDI, "")


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
        assert bare(view.partial_text()) == text


def test_a_finished_line_keeps_its_letters_when_its_translation_arrives(view) -> None:
    line = turn(1, "今日は𠀋の会議です 😀", finished=True)
    view.insert_turn(0, line)
    translated = Translation("en", "Today is the meeting")
    view.revise_turn(0, replace(line, translation=translated))
    assert (
        view.finished_texts()[0]
        == f"00:02  今日は𠀋の会議です 😀{LINE_BREAK}       {translated.text}"
    )


# -- right-to-left words after a time and a label ---------------------------------

ARABIC = "مرحبا بكم في اجتماع Zoom اليوم سنتحدث عن 2024 خطة."  # "the word Zoom" inside


def reading_order_xs(view: TranscriptView, words: list[str], block_number: int) -> list[float]:
    """Where each of ``words`` (in the order written) starts on screen, in its block."""
    block = view.document().findBlockByNumber(block_number)
    line = block.layout().lineAt(0)
    text = block.text()
    return [line.cursorToX(text.index(word) + 2)[0] for word in words]


@pytest.mark.parametrize("speaker", ["B", None])
def test_an_arabic_line_with_a_latin_word_reads_right_to_left_after_its_time(view, speaker) -> None:
    """Each word of the sentence sits left of the one before (an Arabic reader reads
    from the right), "Zoom" among them; the time stays at the left, with the others."""
    view.insert_turn(0, turn(1, "Good morning.", finished=True, speaker=speaker))
    view.insert_turn(1, turn(2, ARABIC, finished=True, speaker=speaker))
    view.show_partial(turn(3, "مرحبا بكم في Zoom اليوم", speaker=speaker))
    xs = reading_order_xs(view, ["مرحبا", "اجتماع", "Zoom", "اليوم", "2024", "خطة"], 1)
    assert xs == sorted(xs, reverse=True), xs
    assert reading_order_xs(view, ["00:04"], 1)[0] < min(xs)
    partial = reading_order_xs(view, ["مرحبا", "Zoom", "اليوم"], 2)
    assert partial == sorted(partial, reverse=True), partial


def test_an_arabic_translation_under_an_english_line_reads_right_to_left(view) -> None:
    line = turn(1, "Welcome to the Zoom meeting.", finished=True)
    view.insert_turn(0, replace(line, translation=Translation("ar", "مرحبا بكم في اجتماع Zoom")))
    block = view.document().firstBlock()
    layout, text = block.layout(), block.text()
    second = layout.lineAt(layout.lineCount() - 1)
    xs = [second.cursorToX(text.index(w) + 2)[0] for w in ["مرحبا", "اجتماع", "Zoom"]]
    assert xs == sorted(xs, reverse=True), xs


# -- the overlay ---------------------------------------------------------------------


def test_the_overlay_reports_each_wrapped_row_of_a_line_with_emoji_as_shown(
    qtbot, tmp_path
) -> None:
    """Rows are cut where Qt wraps them, counted in UTF-16 units: read with Python
    indexes, each row after an emoji or a rare ideograph began a letter early."""
    overlay = make_overlay(qtbot, tmp_path, overlay__history_lines=5, overlay__width_percent=30)
    text = "𠀋の会議😀は今日です" * 4
    overlay.set_history([CaptionLine(text)])
    rows = overlay.visible_text_lines()
    assert len(rows) >= 2, rows
    assert "".join(rows) == text
    metrics = QFontMetricsF(overlay.caption_font)
    assert all(metrics.horizontalAdvance(row) <= overlay._text_width() + 1 for row in rows), rows
