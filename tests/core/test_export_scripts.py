"""Exports of captions in other scripts: right-to-left subtitle lines, unspaced text kept.

A subtitle player sets each line in the direction of its first letter
(Unicode's rule P2): a right-to-left line must start as one, whatever label
or Latin word comes first, or its words are shown in the wrong order.
"""

from __future__ import annotations

import re
import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from captioner.core.bidi import FSI, PDI
from captioner.core.export import to_markdown, to_srt, to_txt, to_vtt
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


# -- scripts without spaces between words: lines within the limits, text as written -----

JAPANESE = (
    "今日 は 新しい 製品 の 計画 に ついて 話し 合い ます そして 来週 の 予定 も 決め ます "
    "皆さん の 意見 を 聞かせて ください"
).split()
# Thai spaces its phrases, not its words (the words are the service's, as it sends them).
THAI = [
    "สวัสดี ครับ".split(),
    "วันนี้ เรา จะ คุย กัน เรื่อง แผน งาน ใหม่ ของ บริษัท และ ผลิตภัณฑ์ ที่ จะ ออก มา ปี หน้า".split(),
    "ขอบคุณ ทุก คน ที่ มา ประชุม วันนี้".split(),
]


def spoken(texts: list[str], start: int = 0) -> tuple[Word, ...]:
    return tuple(Word(t, start + i * 300, start + i * 300 + 250, 0.9) for i, t in enumerate(texts))


def cue_lines(turn: Turn) -> list[str]:
    lines = subtitle_lines(to_srt([turn]))
    return [line.removeprefix(">> A: ") for line in lines]


def columns(line: str) -> int:
    """Columns on screen: two for a wide character, none for a mark on the letter before."""
    return sum(
        2
        if unicodedata.east_asian_width(c) in "WF"
        else 0
        if unicodedata.category(c) == "Mn"
        else 1
        for c in line
    )


def test_a_long_thai_sentence_is_cut_into_subtitle_lines_between_its_words() -> None:
    """Before, a Thai sentence of 80 letters was one subtitle line, far past the screen's
    edge in a player; now every line fits 42 columns, is cut between two of the
    service's words, and keeps the text as written (its phrase spaces, no others)."""
    text = " ".join("".join(phrase) for phrase in THAI)
    turn = Turn("t", 0, text, spoken([w for phrase in THAI for w in phrase]), True)
    lines = cue_lines(turn)
    assert len(lines) >= 2, lines
    assert all(columns(line) <= 42 for line in lines), lines
    assert all(line in text for line in lines), lines  # as written, nothing added
    assert "".join("".join(lines).split()) == "".join(text.split())  # nothing lost
    words = {w for phrase in THAI for w in phrase}
    ends = [line[-len(w) :] for line in lines for w in words if line.endswith(w)]
    assert len(ends) >= len(lines), lines  # every line ends with a whole word


def test_a_japanese_turn_is_cut_between_the_services_words_never_inside_one() -> None:
    """Before, the pieces were cut every twelve characters ("皆さ" / "ん"); now each cue
    line ends where one of the service's words ends, and each cue takes its words' time."""
    text = "".join(JAPANESE) + "。"
    turn = Turn("t", 0, text, spoken(JAPANESE), True, speaker="A")
    srt = to_srt([turn])
    lines = cue_lines(turn)
    assert "".join(lines) == text
    assert all(columns(line) <= 42 for line in lines)
    boundaries = {len("".join(JAPANESE[:i])) for i in range(len(JAPANESE) + 1)}
    at = 0
    for line in lines[:-1]:
        at += len(line)
        assert at in boundaries, (line, lines)
    assert "00:00:06,000" in srt  # the second cue starts at its first word, 皆さん or so


unspaced_word = st.text(alphabet="今日は東京のですกขคเแัิุ่้、。", min_size=1, max_size=16)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(unspaced_word, st.booleans()), min_size=1, max_size=30))
def test_property_unspaced_words_give_lines_as_written_within_the_limits(
    parts: list[tuple[str, bool]],
) -> None:
    texts = [text for text, _ in parts]
    text = "".join(t + (" " if spaced else "") for t, spaced in parts).strip()
    lines = cue_lines(Turn("t", 0, text, spoken(texts), True))
    assert "".join("".join(lines).split()) == "".join(text.split())
    assert all(line in text for line in lines), (lines, text)
    assert all(columns(line) <= 42 for line in lines), lines


def test_a_latin_word_inside_japanese_is_never_split_by_an_added_space() -> None:
    """A Japanese line without word timings (a translation, a turn from elsewhere) is cut
    every few characters; a cut inside "ZoomMeeting" was joined again as "Zoo mMeeting"."""
    text = "今日はZoomMeetingで新しい製品の計画について話し合います"
    turn = Turn("t", 0, text, spoken(["x"]), True)
    lines = cue_lines(turn)
    assert "".join(lines) == text, lines


# -- TXT and Markdown: the words as spoken, right-to-left ones in their own order -----


def test_arabic_in_text_exports_is_isolated_after_its_time_and_label() -> None:
    """A text editor sets a line in the direction of its first letter ("B" of "B: "):
    Arabic words with "Zoom" and "2024" among them read out of order.  They are now a
    first-strong isolate (invisible marks around them); the text is otherwise as spoken."""
    translated = Translation("ar", "Zoom يبدأ الاجتماع الآن")
    turns = [
        Turn("a", 0, ARABIC, timed(ARABIC, 0, "B"), True, speaker="B"),
        Turn(
            "b",
            1,
            "Zoom starts now.",
            timed("Zoom starts now.", 9000),
            True,
            translation=translated,
        ),
    ]
    txt, markdown = to_txt(turns), to_markdown(turns)
    assert f"[00:00:00] B: {FSI}{ARABIC}{PDI}" in txt.splitlines()
    assert f"(ar) {FSI}{translated.text}{PDI}" in txt.splitlines()
    assert "[00:00:09] Zoom starts now." in txt.splitlines()  # nothing added to others
    assert f"**[00:00:00] B:** {FSI}{ARABIC}{PDI}" in markdown.splitlines()
    assert f"*(ar) {FSI}{translated.text}{PDI}*" in markdown.splitlines()
