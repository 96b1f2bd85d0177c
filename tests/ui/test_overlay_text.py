"""What the overlay shows of lines too long for it, in any script, and in any box."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter

from captioner.core.caption_line import CaptionLine, Side
from captioner.core.settings import Settings
from captioner.ui.overlay import CaptionOverlay
from captioner.ui.overlay_text import Paragraph, draw_bottom_up, tail_that_fits
from captioner.ui.overlay_window import MARGIN

JAPANESE = "今日は皆さんにお集まりいただきありがとうございます。" * 8
URL = "https://example.com/" + "a1b2c3d4e5" * 40
HEBREW = "שלום לכולם, תודה שהצטרפתם לפגישה של היום"
ARABIC = "مرحبا بالجميع، شكرا لانضمامكم إلى اجتماع اليوم"


def make_overlay(qtbot, tmp_path: Path, **raw: object) -> CaptionOverlay:
    store = QSettings(str(tmp_path / "overlay.ini"), QSettings.Format.IniFormat)
    for name, value in raw.items():
        store.setValue(name.replace("__", "/"), value)
    overlay = CaptionOverlay(Settings(store))
    qtbot.addWidget(overlay)
    overlay.show()
    qtbot.waitExposed(overlay)
    return overlay


# -- text without spaces is cut by characters, not shown as a bare "…" ---------------


def test_a_long_line_without_spaces_shows_its_newest_characters(qtbot, tmp_path):
    overlay = make_overlay(qtbot, tmp_path)
    for text in (JAPANESE, URL, "please open " + URL):
        for show in (overlay.set_partial, lambda t: overlay.set_history([t])):
            overlay.set_partial("")
            overlay.set_history([])
            show(text)
            lines = overlay.visible_text_lines()
            shown = "".join(lines)
            assert shown.startswith("…") and len(shown) > 30, (text[:20], lines)
            assert text.endswith(shown[1:].replace(" ", "")), lines  # its newest characters
            assert len(lines) == overlay.lines_shown  # the box is filled, "…" not alone


def test_a_call_side_cut_to_the_rows_left_keeps_its_label_and_newest_characters(qtbot, tmp_path):
    overlay = make_overlay(qtbot, tmp_path)
    overlay.set_partials(
        [
            CaptionLine(JAPANESE, "Them", Side.SYSTEM, finished=False),
            CaptionLine("ok", "You", Side.MIC, finished=False),
        ]
    )
    lines = overlay.visible_text_lines()
    assert lines[-1] == "You: ok" and len(lines) == overlay.lines_shown  # the rest is Them's
    them = "".join(lines[:-1])
    assert them.startswith("Them: …") and len(them) > len("Them: …") + 5, them
    assert JAPANESE.endswith(them.removeprefix("Them: …"))


def test_a_cut_never_splits_an_accented_letter_or_an_emoji(qapp):
    font = QFont()
    font.setPointSizeF(22)
    for text in ("e\u0301" * 400, "👍🏽" * 200, "x" + "가\u11a8" * 300):
        paragraph = tail_that_fits(CaptionLine(text), font, 500, QColor("white"), 2)
        shown = "".join(paragraph.text_lines())
        assert paragraph.line_count <= 2 and len(shown) > 10
        rest = shown.removeprefix("…")
        assert not unicodedata.combining(rest[0]), ascii(rest[:3])  # not a lone accent
        assert rest[0] not in "\U0001f3fd\u11a8", ascii(rest[:3])  # nor a skin tone, a jamo
        assert text.endswith(rest)


def test_a_caption_whose_translation_has_no_room_shows_whole_when_it_fits(qapp):
    font = QFont()
    font.setPointSizeF(22)
    line = CaptionLine("Good morning.", "You", translation="Bonjour " * 60, language="fr")
    paragraph = tail_that_fits(line, font, 500, QColor("white"), 2)
    assert paragraph.text_lines() == ["You: Good morning."]  # not "You: … morning."


# -- right-to-left captions are set right to left ------------------------------------


def _text_columns(image: QImage) -> tuple[int, int]:
    """The leftmost and rightmost columns where caption text is painted (light on dark)."""
    columns = [
        x
        for x in range(image.width())
        if any(QColor(image.pixel(x, y)).lightness() > 120 for y in range(0, image.height(), 2))
    ]
    return columns[0], columns[-1]


def test_hebrew_and_arabic_are_aligned_right_and_english_left(qtbot, tmp_path):
    overlay = make_overlay(qtbot, tmp_path)
    width = overlay.width()
    for text in (HEBREW[:10], ARABIC[:13], "Hello everyone"):
        overlay.set_partial(text)
        left, right = _text_columns(overlay.grab().toImage())
        if text.isascii():
            assert left <= MARGIN + 4 and right < width / 2, (text, left, right)
        else:  # where a reader of Hebrew or Arabic starts: at the right
            assert left > width / 2 and right >= width - MARGIN - 4, (text, left, right)


def test_a_labelled_hebrew_line_starts_at_the_right_with_its_label(qtbot, tmp_path):
    overlay = make_overlay(qtbot, tmp_path)
    overlay.set_history([CaptionLine(HEBREW, "Them", Side.SYSTEM)])
    line = overlay._history[0].layout.lineAt(0)
    label_right = line.cursorToX(0)[0]  # where "Them" begins (left to right, within the line)
    word = line.cursorToX(len("Them: ") + 3)[0]  # within the first Hebrew word
    assert label_right > line.width() - 120, (label_right, line.width())  # "Them" at the right
    assert word < label_right - 40  # the Hebrew after it, to its left


def test_the_cut_mark_of_a_hebrew_line_is_where_it_is_read_from(qtbot, tmp_path):
    overlay = make_overlay(qtbot, tmp_path)
    for speaker in (None, "Them"):
        overlay.set_partials([CaptionLine((HEBREW + " ") * 8, speaker, Side.SYSTEM)])
        lines = overlay.visible_text_lines()
        paragraph = overlay._partials[0]
        mark = paragraph.text.index("…")
        assert lines[0].startswith(f"{speaker}: …" if speaker else "…"), lines
        line = paragraph.layout.lineAt(0)
        x = line.cursorToX(mark)[0]  # the mark's right edge: the line's start for a Hebrew reader
        after = [line.cursorToX(i)[0] for i in range(mark + 2, line.textLength())]
        assert x > max(after), (speaker, x, max(after))  # every word after it is to its left
        assert x > line.width() / 2


# -- a box too small for every side speaking: what fits, whole, the newest first ------


def _light_rows(image: QImage, rows: range) -> list[int]:
    return [
        y
        for y in rows
        if any(QColor(image.pixel(x, y)).lightness() > 120 for x in range(image.width()))
    ]


def test_a_call_with_one_line_of_room_shows_the_newest_side_and_nothing_above_the_box(
    qtbot, tmp_path
):
    # One line on this screen, as 30 points on a 1024×600 screen at scale 2 in the review.
    overlay = make_overlay(qtbot, tmp_path, overlay__font_size=96, overlay__width_percent=100)
    assert overlay.lines_shown == 1
    overlay.set_history([CaptionLine("Earlier line.", "You", Side.MIC)])
    overlay.set_partials(
        [
            CaptionLine("Can you hear me now", "Them", Side.SYSTEM, finished=False),
            CaptionLine("Yes I can", "You", Side.MIC, finished=False),  # started last
        ]
    )
    lines = overlay.visible_text_lines()
    assert len(lines) == 1 and lines[0].startswith("You: "), lines
    assert lines[0].endswith("an")  # the newest letters
    # Before, "Them: … now" was painted above the text, cut off by the window's top edge.
    top = overlay._top_margin()
    assert _light_rows(overlay.grab().toImage(), range(0, top - 4)) == []
    overlay.set_partials(overlay._partial_lines[:1])  # "You" finished: "Them" shows now
    assert overlay.visible_text_lines()[0].startswith("Them: ")


def test_a_label_too_wide_for_the_box_gives_way_to_the_newest_letters(qtbot, tmp_path):
    overlay = make_overlay(qtbot, tmp_path, overlay__font_size=96, overlay__width_percent=60)
    assert overlay.lines_shown == 1
    # The premise, in the desktop's font: "You: …" and a letter are wider than the box
    # (at 70 % they were in DejaVu Sans, not in the narrower Noto Sans; at 60 % in both).
    wide = QFontMetricsF(overlay._font).horizontalAdvance("You: …n")
    assert wide > overlay._text_width(), "a font this narrow needs a narrower box here"
    overlay.set_partials([CaptionLine("Yes I can", "You", Side.MIC, finished=False)])
    # How many letters fit depends on the font: the label gives way, the newest stay.
    [shown] = overlay.visible_text_lines()
    newest = shown.removeprefix("…").lstrip()
    assert shown.startswith("…") and "You" not in shown
    assert newest.endswith("n") and "Yes I can".endswith(newest)
    assert _light_rows(overlay.grab().toImage(), range(0, overlay._top_margin() - 4)) == []


def test_a_paragraph_that_would_start_above_the_box_is_not_painted(qapp):
    font = QFont()
    font.setPointSizeF(22)
    white = QColor("white")
    older, newer = (Paragraph(CaptionLine(t), font, 400, white) for t in ("Older", "Newer"))
    image = QImage(420, 60, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.black)
    painter = QPainter(image)
    bottom = newer.height + older.height / 2  # the older one would start half above the top
    draw_bottom_up(painter, [older, newer], 0, bottom, outline=True)
    painter.end()
    assert _light_rows(image, range(0, int(older.height / 2))) == []  # no half-cut line
    assert _light_rows(image, range(int(bottom - newer.height), int(bottom)))  # the newer one
