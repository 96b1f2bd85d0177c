"""One caption line for every view: labels, sides, translation, finished or partial."""

from __future__ import annotations

from captioner.audio import sides
from captioner.core.caption_line import CaptionLine, Side, caption_line, caption_lines
from captioner.core.export import ExportOptions, to_txt
from captioner.core.transcript import Transcript, Translation, Turn, TurnUpdate, Word


def _words(text: str, start_ms: int = 0) -> tuple[Word, ...]:
    return tuple(
        Word(w, start_ms + 300 * i, start_ms + 300 * i + 250) for i, w in enumerate(text.split())
    )


def test_call_mode_lines_carry_their_side_and_label() -> None:
    mine = caption_line(Turn("a", 0, "Hello?", finished=True, source="mic", speaker="You"))
    theirs = caption_line(Turn("b", 1, "Hi.", finished=True, source="system", speaker="Them (B)"))
    assert (mine.side, mine.display) == (Side.MIC, "You: Hello?")
    assert (theirs.side, theirs.display) == (Side.SYSTEM, "Them (B): Hi.")
    # Colours follow voices: the local side is the caption colour, each remote voice its own.
    assert mine.voice is None and theirs.voice == "Them (B)"


def test_the_sides_are_the_call_sources_the_engines_write() -> None:
    assert {Side.MIC.value, Side.SYSTEM.value} == set(sides.SIDES)
    assert Side.of(sides.MIC) is Side.MIC and Side.of(sides.SYSTEM) is Side.SYSTEM


def test_outside_call_mode_there_is_no_side_and_a_diarized_speaker_is_a_voice() -> None:
    line = caption_line(Turn("a", 0, "Right.", finished=True, source="USB Headset", speaker="A"))
    assert line.side is Side.NONE and line.display == "A: Right." and line.voice == "A"
    plain = caption_line(Turn("b", 1, "Right.", finished=True, source="USB Headset"))
    assert plain.display == "Right." and plain.label == "" and plain.voice is None


def test_a_partial_is_not_finished_and_stand_in_text_is_tagged() -> None:
    transcript = Transcript()
    transcript.apply(TurnUpdate("k", 0, "so the", _words("so the"), source="mic", speaker="You"))
    partial = caption_line(transcript.partials["k"])
    assert not partial.finished and partial.display == "You: so the"
    transcript.apply(TurnUpdate("k", 0, "So the plan.", _words("So the plan."), end_of_turn=True))
    assert caption_line(transcript.finished[0]).finished
    stand_in = caption_line(Turn("o", 1, "maybe", finished=False, provisional=True, speaker="You"))
    assert stand_in.display == "(offline) You: maybe" and stand_in.tag == "(offline) "


def test_a_translation_goes_under_the_line_or_in_its_place_once_it_has_come() -> None:
    turn = Turn("a", 0, "Good morning.", _words("Good morning.", 65_000), finished=True)
    waiting = caption_line(turn)
    assert waiting.translation == "" and waiting.translation_note is None
    assert waiting.translation_in_place() == waiting  # no hole while it is on its way
    turn.translation = Translation("fr", "Bonjour.")
    line = caption_line(turn)
    assert (line.text, line.translation, line.language) == ("Good morning.", "Bonjour.", "fr")
    assert line.translation_note == "(fr) Bonjour."
    instead = line.translation_in_place()
    assert instead.display == "Bonjour." and instead.translation == ""
    assert line.start_ms == 65_000


def test_the_profanity_filter_masks_both_lines_and_the_words_for_cues() -> None:
    turn = Turn("a", 0, "Oh shit.", _words("Oh shit."), finished=True)
    turn.translation = Translation("fr", "Oh shit, quelle journée.")
    masked = caption_line(turn, mask_profanity=True)
    assert masked.text == "Oh s***." and masked.translation == "Oh s***, quelle journée."
    assert masked.turn is not None and [w.text for w in masked.turn.words] == ["Oh", "s***."]
    assert caption_line(turn).text == "Oh shit."  # the transcript keeps what was said
    assert masked != caption_line(turn)


def test_exports_label_lines_as_the_user_chose_and_views_by_speaker() -> None:
    turns = [
        Turn("a", 0, "Hello?", _words("Hello?"), finished=True, source="mic"),
        Turn("b", 1, "Hi.", _words("Hi.", 2000), finished=True, source="system", speaker="Them"),
    ]
    assert [line.speaker for line in caption_lines(turns)] == [None, "Them"]
    assert [line.speaker for line in caption_lines(turns, labels="auto")] == ["mic", "Them"]
    assert [line.speaker for line in caption_lines(turns, labels="none")] == [None, None]
    text = to_txt(turns, ExportOptions(timestamps=False))
    assert text == "mic: Hello?\n\nThem: Hi.\n"


def test_lines_compare_by_what_is_shown_not_by_the_turn_object() -> None:
    first = caption_line(Turn("a", 0, "Same.", finished=True, speaker="You"))
    again = caption_line(Turn("a", 0, "Same.", finished=True, speaker="You"))
    assert first == again and hash(first) == hash(again)
    assert CaptionLine("Same.", "You") != CaptionLine("Same.", "You", Side.MIC)
