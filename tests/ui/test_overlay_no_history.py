""" "Earlier lines of text: 0": the line being spoken, and a finished line until the next begins."""

from __future__ import annotations

from dataclasses import replace

from captioner.core.transcript import TurnUpdate
from captioner.ui.controller import CaptionController
from captioner.ui.overlay import CaptionOverlay
from captioner.ui.overlay_captions import OverlayCaptions
from captioner.ui.profanity_filter import ProfanityFilter


def shown(overlay: CaptionOverlay) -> str:
    return " ".join(overlay.visible_text_lines())


def test_with_no_finished_lines_a_line_stays_until_the_next_one_starts(qtbot) -> None:  # type: ignore[no-untyped-def]
    # The box emptied the instant a turn ended: a reader still on its last words lost them.
    controller = CaptionController()
    overlay = CaptionOverlay()
    qtbot.addWidget(overlay)
    overlay.apply_style(replace(overlay.style_settings, history_lines=0))
    captions = OverlayCaptions(controller, overlay, ProfanityFilter())  # noqa: F841 (kept alive)
    controller._on_update(TurnUpdate("k:0", 0, "the meeting starts"))
    assert shown(overlay) == "the meeting starts"
    controller._on_update(TurnUpdate("k:0", 0, "The meeting starts now.", end_of_turn=True))
    assert shown(overlay) == "The meeting starts now."
    controller._on_update(TurnUpdate("k:1", 1, "first"))
    assert shown(overlay) == "first"  # replaced in place: still one line at a time
    controller._on_update(TurnUpdate("k:1", 1, "First item.", end_of_turn=True))
    assert shown(overlay) == "First item."


def test_with_finished_lines_asked_for_they_are_all_kept(qtbot) -> None:  # type: ignore[no-untyped-def]
    controller = CaptionController()
    overlay = CaptionOverlay()
    qtbot.addWidget(overlay)
    overlay.apply_style(replace(overlay.style_settings, history_lines=1))
    captions = OverlayCaptions(controller, overlay, ProfanityFilter())  # noqa: F841 (kept alive)
    controller._on_update(TurnUpdate("k:0", 0, "One.", end_of_turn=True))
    controller._on_update(TurnUpdate("k:1", 1, "two"))
    assert shown(overlay) == "One. two"
