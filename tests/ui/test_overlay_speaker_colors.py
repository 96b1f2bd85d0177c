"""Speakers' colours on the caption overlay: each keeps theirs for the whole session.

A style change mid-run (a Size tried in Settings ▸ Captions…, its OK or
Cancel, the translation display) re-laid the finished lines out with colours
handed out afresh by which shown line was oldest: speaker A turned cyan and
B yellow, and back again at the next change.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor

from captioner.core.caption_line import CaptionLine, Side
from captioner.core.settings import Key, Settings
from captioner.core.transcript import TurnUpdate
from captioner.ui.contrast import AA_NORMAL, contrast_ratio
from captioner.ui.controller import CaptionController
from captioner.ui.overlay import CaptionOverlay
from captioner.ui.overlay_captions import OverlayCaptions
from captioner.ui.overlay_settings import OverlaySettingsDialog
from captioner.ui.overlay_style import MIN_CONTRAST, OverlayStyle, SpeakerColors
from captioner.ui.profanity_filter import ProfanityFilter


def _running(qtbot, tmp_path: Path) -> tuple[CaptionController, CaptionOverlay, OverlayCaptions]:
    settings = Settings(QSettings(str(tmp_path / "overlay.ini"), QSettings.Format.IniFormat))
    controller = CaptionController()
    overlay = CaptionOverlay(settings)
    qtbot.addWidget(overlay)
    overlay.show()
    qtbot.waitExposed(overlay)
    captions = OverlayCaptions(controller, overlay, ProfanityFilter())
    controller.new_transcript()
    return controller, overlay, captions


def _say(
    controller: CaptionController, order: int, text: str, speaker: str, source: str = ""
) -> None:
    controller._on_update(
        TurnUpdate(f"k:{order}", order, text, end_of_turn=True, speaker=speaker, source=source)
    )


def _colours(overlay: CaptionOverlay) -> dict[str, str]:
    """Each shown speaker's colour, as the finished lines are painted."""
    return {p.line.speaker: p.color.name() for p in overlay._history if p.line.speaker}


def test_speakers_keep_their_colours_through_every_style_change(qtbot, tmp_path):
    controller, overlay, _captions = _running(qtbot, tmp_path)
    for order, (speaker, text) in enumerate(
        [
            ("A", "Good morning."),
            ("B", "The results?"),
            ("A", "Sales went up."),
            ("B", "Great news."),
            ("A", "The distributor deal."),
        ]
    ):
        _say(controller, order, text, speaker)
    assert [p.line.speaker for p in overlay._history] == ["B", "A"]  # B's line is the oldest shown
    first = _colours(overlay)
    assert first["A"] != first["B"]

    dialog = OverlaySettingsDialog(overlay, overlay._settings)
    qtbot.addWidget(dialog)
    dialog.size_spin.setValue(dialog.size_spin.value() + 2)  # the live preview
    assert _colours(overlay) == first
    dialog.size_spin.setValue(dialog.size_spin.value() + 2)
    assert _colours(overlay) == first
    dialog.reject()
    assert _colours(overlay) == first

    dialog = OverlaySettingsDialog(overlay, overlay._settings)
    qtbot.addWidget(dialog)
    dialog.size_spin.setValue(dialog.size_spin.value() + 4)
    dialog.accept()
    assert _colours(overlay) == first

    overlay.set_translation_display("translation")  # Translation dialog's OK
    assert _colours(overlay) == first
    overlay.set_translation_display("both", translating=True)
    assert _colours(overlay) == first

    _say(controller, 5, "May I add something?", "C")
    _say(controller, 6, "Please do.", "B")
    now = _colours(overlay)
    assert now["B"] == first["B"] and len(set(now.values())) == 2  # C: a colour of its own
    _say(controller, 7, "Thanks.", "A")
    assert _colours(overlay)["A"] == first["A"]


def test_call_sides_keep_their_colours_through_a_style_change(qtbot, tmp_path):
    controller, overlay, _captions = _running(qtbot, tmp_path)
    overlay._settings.set(Key.OVERLAY_HISTORY_LINES, 3)  # as the dialog will say too
    overlay.apply_style(replace(overlay.style_settings, history_lines=3))
    _say(controller, 0, "Hello?", "Them (A)", "system")
    _say(controller, 1, "I'm here too.", "Them (B)", "system")
    _say(controller, 2, "Hi both.", "You", "mic")
    _say(controller, 3, "Shall we start?", "Them (A)", "system")
    assert [p.line.speaker for p in overlay._history] == ["Them (B)", "You", "Them (A)"]
    first = _colours(overlay)
    assert first["You"] == overlay.style_settings.text_color.name()
    assert len(set(first.values())) == 3  # You, Them (A), Them (B): three colours
    dialog = OverlaySettingsDialog(overlay, overlay._settings)
    qtbot.addWidget(dialog)
    dialog.size_spin.setValue(dialog.size_spin.value() + 2)
    assert _colours(overlay) == first
    dialog.accept()
    assert _colours(overlay) == first


def test_a_new_session_hands_out_colours_afresh(qtbot, tmp_path):
    controller, overlay, _captions = _running(qtbot, tmp_path)
    _say(controller, 0, "First.", "A")
    _say(controller, 1, "Second.", "B")
    before = _colours(overlay)
    controller.new_transcript()  # Start: a new session, its own speakers
    _say(controller, 0, "Someone new first.", "B")
    assert _colours(overlay)["B"] == before["A"]  # the first to speak takes the first colour


# -- readable on the background the user chose -------------------------------------
# Speaker colours were fixed pastels made for the dark default: on a white
# background yellow read at 1.41:1 and cyan at 1.55:1, and the user's own text
# colour was never used for a diarized line.

VOICES = [CaptionLine("words", name) for name in "ABCDEFG"]


def _style(tmp_path: Path, background: str, opacity: int = 100, text: str = "#ffffff"):
    settings = Settings(QSettings(str(tmp_path / "style.ini"), QSettings.Format.IniFormat))
    settings.set(Key.OVERLAY_BACKGROUND_COLOR, background)
    settings.set(Key.OVERLAY_OPACITY, opacity)
    settings.set(Key.OVERLAY_TEXT_COLOR, text)  # white: shown black on a light background
    return OverlayStyle.from_settings(settings)


def test_on_white_every_speaker_reads_and_the_first_is_in_the_text_colour(qtbot, tmp_path):
    controller, overlay, _captions = _running(qtbot, tmp_path)
    dialog = OverlaySettingsDialog(overlay, overlay._settings)
    qtbot.addWidget(dialog)
    dialog.background_color.color = QColor("#ffffff")
    dialog.text_color.color = QColor("#000000")
    dialog.opacity.setValue(100)
    dialog.lines_spin.setValue(5)
    dialog.outline_check.setChecked(False)
    dialog.accept()
    for order, speaker in enumerate("ABCDE"):
        _say(controller, order, f"Speaker {speaker} here.", speaker)
    colours = _colours(overlay)
    assert colours["A"] == "#000000"  # the user's own text colour
    white = QColor("#ffffff")
    for speaker, colour in colours.items():
        assert contrast_ratio(QColor(colour), white) >= AA_NORMAL, speaker
    assert len(set(colours.values())) == 5


@pytest.mark.parametrize(
    ("background", "opacity"),
    [
        ("#000000", 85),  # the default
        ("#000000", 100),
        ("#202020", 100),
        ("#1a237e", 90),  # navy
        ("#ffffff", 100),
        ("#f0f0f0", 85),
        ("#ffeb3b", 100),  # yellow
        ("#e0f7fa", 100),  # pale cyan
    ],
)
def test_every_speaker_colour_reads_at_aa_on_light_and_dark_backgrounds(
    tmp_path, background, opacity
):
    style = _style(tmp_path, background, opacity)
    colors = SpeakerColors(style)
    shown = [colors.color_for(line) for line in VOICES]
    assert shown[0] == style.text_color  # the first speaker: the caption colour
    behind = QColor(background)
    for line, colour in zip(VOICES, shown, strict=True):
        assert contrast_ratio(colour, behind) >= AA_NORMAL, (line.speaker, colour.name())
    assert len({c.name() for c in shown[:6]}) == 6  # six speakers, six colours


@pytest.mark.parametrize("background", ["#808080", "#606060", "#2e7d32", "#b71c1c", "#a0a0a0"])
def test_on_mid_tones_speaker_colours_still_meet_the_caption_text_floor(tmp_path, background):
    # Mid-grey leaves no room for hues at 4.5:1 (they all end near black):
    # they are still told apart, at the floor the caption text itself gets.
    style = _style(tmp_path, background)
    colors = SpeakerColors(style)
    shown = [colors.color_for(line) for line in VOICES]
    for line, colour in zip(VOICES, shown, strict=True):
        assert contrast_ratio(colour, QColor(background)) >= MIN_CONTRAST, line.speaker
    assert len({c.name() for c in shown[:4]}) == 4


def test_no_speaker_takes_a_colour_like_the_chosen_text_colour(tmp_path):
    style = _style(tmp_path, "#000000", text="#ffc107")  # amber text, as one of the hues
    colors = SpeakerColors(style)
    shown = [colors.color_for(line) for line in VOICES[:6]]
    assert shown[0].name() == "#ffc107"
    for colour in shown[1:]:
        assert (
            abs(colour.red() - 0xFF) + abs(colour.green() - 0xC1) + abs(colour.blue() - 0x07) > 80
        )
    assert len({c.name() for c in shown}) == 6
    # In a call the text colour is "You"'s: no one on the other side has it.
    them = [CaptionLine("hi", f"Them ({n})", Side.SYSTEM) for n in "ABCDEF"]
    assert all(colors.color_for(line) != style.text_color for line in them)


@pytest.mark.parametrize(
    ("background", "opacity"), [("#ffffff", 100), ("#f0f0f0", 85), ("#000000", 85)]
)
def test_a_speakers_line_in_progress_still_reads_at_aa(qtbot, tmp_path, background, opacity):
    # The line being spoken is drawn dimmer (it may still change): at 78 % the speakers'
    # colours at 5:1 on white read 3.4-3.7:1, and that line is what a reader reads most.
    controller, overlay, _captions = _running(qtbot, tmp_path)
    overlay.apply_style(replace(_style(tmp_path, background, opacity), history_lines=0))
    behind = QColor(background)
    for order, speaker in enumerate("ABCDE"):
        key = f"k:{order}"
        controller._on_update(TurnUpdate(key, order, "and then", speaker=speaker))
        overlay.visible_text_lines()  # laid out as a paint would
        [line] = overlay._partials
        finished = overlay.speaker_colors.color_for(line.line)
        assert (
            contrast_ratio(line.color, behind)
            >= min(AA_NORMAL, contrast_ratio(finished, behind)) - 0.01
        ), (speaker, line.color.name(), line.color.alphaF())
        if contrast_ratio(finished, behind) > 7:  # room to dim: still told apart
            assert line.color.alphaF() < 1.0, speaker
        controller._on_update(
            TurnUpdate(key, order, "And then.", end_of_turn=True, speaker=speaker)
        )
