"""Exports of captions in other scripts: right-to-left subtitle lines, unspaced text kept.

A subtitle player sets each line in the direction of its first letter
(Unicode's rule P2): a right-to-left line must start as one, whatever label
or Latin word comes first, or its words are shown in the wrong order.
"""

from __future__ import annotations

import re
import unicodedata

from captioner.core.export import to_srt, to_vtt
from captioner.core.transcript import Translation, Turn, Word

ARABIC = "مرحبا بكم في اجتماع Zoom اليوم سنتحدث عن خطة 2024 الجديدة للشركة وعن المنتجات القادمة."


def timed(text: str, start: int = 0, speaker: str | None = None) -> tuple[Word, ...]:
    return tuple(
        Word(w, start + i * 300, start + i * 300 + 250, 0.9, speaker)
        for i, w in enumerate(text.split())
    )


def subtitle_lines(document: str) -> list[str]:
    """The text lines of an SRT or WebVTT file (no numbers, timings, header), tags removed."""
    out = []
    for block in document.strip().split("\n\n"):
        lines = block.split("\n")
        if "-->" not in "".join(lines):
            continue
        at = next(i for i, line in enumerate(lines) if "-->" in line)
        out += [re.sub(r"<[^>]*>", "", line) for line in lines[at + 1 :]]
    return out


def direction(line: str) -> str:
    """The direction a player sets ``line`` in: that of its first strong character."""
    for char in line:
        kind = unicodedata.bidirectional(char)
        if kind in ("L", "R", "AL"):
            return "rtl" if kind != "L" else "ltr"
    return "ltr"


def has_arabic(line: str) -> bool:
    return any(unicodedata.bidirectional(c) == "AL" for c in line)


def test_arabic_subtitle_lines_are_set_right_to_left_after_a_label_or_a_latin_word() -> None:
    turns = [
        Turn("a", 0, ARABIC, timed(ARABIC, 0, "B"), True, speaker="B"),
        Turn("b", 1, "Zoom 2024 اليوم سنتحدث", timed("Zoom 2024 اليوم سنتحدث", 9000), True),
        Turn("c", 2, "Thank you.", timed("Thank you.", 12000), True),
    ]
    for document in (to_srt(turns), to_vtt(turns)):
        lines = subtitle_lines(document)
        arabic = [line for line in lines if has_arabic(line)]
        assert len(arabic) >= 3, lines
        assert [direction(line) for line in arabic] == ["rtl"] * len(arabic), arabic
        assert direction(lines[-1]) == "ltr" and lines[-1] == "Thank you."
    # The words are as spoken, in order: only an invisible mark opens a line.
    arabic = [line for line in subtitle_lines(to_srt(turns)) if has_arabic(line)]
    words = " ".join(arabic).replace("\u200f", "").replace(">> B: ", "").split()
    assert words == [*ARABIC.split(), "Zoom", "2024", "اليوم", "سنتحدث"]


def test_a_bilingual_cue_sets_each_language_in_its_own_direction() -> None:
    english = "Zoom starts the meeting now."
    translated = Translation("ar", "Zoom يبدأ الاجتماع الآن")
    turns = [Turn("a", 0, english, timed(english), True, translation=translated)]
    lines = subtitle_lines(to_srt(turns))
    assert lines[0] == english  # the original as it was
    assert [direction(line) for line in lines[1:]] == ["rtl"] * (len(lines) - 1), lines
