"""The overlay's second line hides what the first one hides (profanity filter on translations)."""

from __future__ import annotations

from captioner.core.transcript import Translation, TurnUpdate, Word
from captioner.ui.controller import CaptionController
from captioner.ui.overlay import CaptionOverlay
from captioner.ui.overlay_captions import OverlayCaptions
from captioner.ui.profanity_filter import ProfanityFilter


def test_the_overlay_masks_a_translation_while_the_filter_is_on_and_not_when_off(qtbot) -> None:  # type: ignore[no-untyped-def]
    controller = CaptionController()
    overlay = CaptionOverlay()
    qtbot.addWidget(overlay)
    profanity = ProfanityFilter()  # on, the default
    captions = OverlayCaptions(controller, overlay, profanity)
    words = (Word("Oh", 0, 200), Word("shit.", 250, 600))
    controller.transcript.apply(TurnUpdate("k:0", 0, "Oh shit.", words, end_of_turn=True))
    controller.transcript.apply_translation("k:0", "fr", "Oh shit, quelle journée.")
    [turn] = controller.transcript.finished
    assert turn.translation == Translation("fr", "Oh shit, quelle journée.")  # kept as said
    line = captions.line(turn)
    assert line.text == "Oh s***." and line.translation == "Oh s***, quelle journée."
    overlay.set_translation_display("translation")
    assert captions.line(turn).text == "Oh s***, quelle journée."
    profanity.set_enabled(False)
    assert captions.line(turn).text == "Oh shit, quelle journée."
