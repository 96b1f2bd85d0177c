"""Speakers' colours on the caption overlay: each keeps theirs for the whole session.

A style change mid-run (a Size tried in Settings ▸ Captions…, its OK or
Cancel, the translation display) re-laid the finished lines out with colours
handed out afresh by which shown line was oldest: speaker A turned cyan and
B yellow, and back again at the next change.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QSettings

from captioner.core.settings import Key, Settings
from captioner.core.transcript import TurnUpdate
from captioner.ui.controller import CaptionController
from captioner.ui.overlay import CaptionOverlay
from captioner.ui.overlay_captions import OverlayCaptions
from captioner.ui.overlay_settings import OverlaySettingsDialog
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
