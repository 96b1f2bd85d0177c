"""The overlay's laid-out lines keep their shaped glyphs, and that changes no pixel (issue 14).

Qt throws a QTextLayout's shaped glyphs away after the layout and after each
draw unless its cache is on, so each paint of a line (five draws with the
outline) shaped it again.  Kept, they must draw exactly what shaping afresh
draws, at any device pixel ratio, and an overlay that lived through text,
style, outline, translation and size changes must show exactly what a new
overlay in the same state shows (a line kept from before a change would not).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter

from captioner.core.caption_line import CaptionLine, Side
from captioner.core.settings import Settings
from captioner.ui.overlay import CaptionOverlay
from captioner.ui.overlay_text import Paragraph, draw_bottom_up

LINES = [
    CaptionLine("So what we saw there was, in short, “glyphs” gyp — naïve café!"),
    CaptionLine("and then they said", "Them", Side.SYSTEM, finished=False),
    CaptionLine("Das ist gut.", translation="That is good."),
    CaptionLine("مرحبا بالعالم and back to English"),  # right to left, then left to right
]


def painted(paragraphs: list[Paragraph], ratio: float, outline: bool) -> QImage:
    image = QImage(int(700 * ratio), int(260 * ratio), QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(ratio)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    draw_bottom_up(painter, paragraphs, 16.5, 250.25, outline)
    painter.end()
    return image


@pytest.mark.parametrize("ratio", [1.0, 1.25, 2.0])
@pytest.mark.parametrize("outline", [True, False])
def test_kept_glyphs_draw_exactly_what_shaping_afresh_draws(qapp, ratio, outline) -> None:
    font = QFont("Sans Serif")
    font.setPointSizeF(22)
    font.setWeight(QFont.Weight.DemiBold)
    kept = [Paragraph(line, font, 600, QColor("#ffd54f")) for line in LINES]
    afresh = [Paragraph(line, font, 600, QColor("#ffd54f")) for line in LINES]
    for paragraph in afresh:  # as before: the glyphs dropped after every draw
        for layout in (paragraph.layout, paragraph.sub):
            if layout is not None:
                layout.setCacheEnabled(False)
    painted(afresh, ratio, outline)  # drops what the layout had kept
    assert painted(kept, ratio, outline) == painted(afresh, ratio, outline)
    assert painted(kept, ratio, outline) == painted(kept, ratio, outline)  # drawn again


def overlay_in(qtbot, tmp_path: Path, name: str) -> CaptionOverlay:
    settings = QSettings(str(tmp_path / f"{name}.ini"), QSettings.Format.IniFormat)
    overlay = CaptionOverlay(Settings(settings))
    qtbot.addWidget(overlay)
    overlay.show()
    qtbot.waitExposed(overlay)
    return overlay


def test_after_each_change_an_overlay_shows_what_a_new_one_shows(qtbot, tmp_path) -> None:
    lived = overlay_in(qtbot, tmp_path, "lived")
    lived.resize(760, lived.height())
    first = "The first finished line, long enough to wrap in a narrower box."
    now = {
        "history": [CaptionLine(first), CaptionLine("Das ist gut.")],
        "partial": CaptionLine("so what", "You", Side.MIC, finished=False),
        "style": lived.style_settings,
        "translating": False,
    }

    def show(overlay: CaptionOverlay) -> None:
        overlay.set_history(list(now["history"]))  # type: ignore[call-overload]
        overlay.set_partials([now["partial"]])  # type: ignore[list-item]

    def as_new(made: int) -> list[str]:
        """The lived overlay as painted now is what a new one in the same state paints."""
        fresh = overlay_in(qtbot, tmp_path, f"fresh{made}")
        fresh.set_translation_display("both", translating=bool(now["translating"]))
        fresh.apply_style(now["style"])  # type: ignore[arg-type]
        fresh.resize(lived.size())
        show(fresh)
        assert fresh.visible_text_lines() == lived.visible_text_lines()
        assert fresh.grab().toImage() == lived.grab().toImage()
        fresh.close()
        return lived.visible_text_lines()

    show(lived)
    as_new(0)
    now["history"][1] = CaptionLine("Das ist gut.", translation="That is good.")  # type: ignore[index]
    now["partial"] = replace(now["partial"], text="so what we saw")  # type: ignore[type-var]
    show(lived)
    as_new(1)
    now["translating"] = True
    lived.set_translation_display("both", translating=True)
    as_new(2)
    now["style"] = replace(lived.style_settings, font_point_size=17, outline=False)
    lived.apply_style(now["style"])  # type: ignore[arg-type]
    as_new(3)
    lived.resize(lived.width() * 2 // 3, lived.height())  # the first line wraps now
    shown = as_new(4)
    assert " ".join(shown[:2]) == first, shown  # on two lines
    assert shown[2:] == ["Das ist gut.", "That is good.", "You: so what we saw"]
    now["style"] = replace(now["style"], outline=True)  # type: ignore[type-var]
    lived.apply_style(now["style"])  # type: ignore[arg-type]
    as_new(5)
