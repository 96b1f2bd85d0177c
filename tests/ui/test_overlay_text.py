"""What the overlay shows of lines too long for it, in any script, and in any box."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QFont

from captioner.core.caption_line import CaptionLine, Side
from captioner.core.settings import Settings
from captioner.ui.overlay import CaptionOverlay
from captioner.ui.overlay_text import tail_that_fits

JAPANESE = "今日は皆さんにお集まりいただきありがとうございます。" * 8
URL = "https://example.com/" + "a1b2c3d4e5" * 40


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


def test_a_call_side_cut_to_one_line_keeps_its_label_and_newest_characters(qtbot, tmp_path):
    overlay = make_overlay(qtbot, tmp_path)
    overlay.set_partials(
        [
            CaptionLine(JAPANESE, "Them", Side.SYSTEM, finished=False),
            CaptionLine("ok", "You", Side.MIC, finished=False),
        ]
    )
    them = overlay.visible_text_lines()[-2]
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
