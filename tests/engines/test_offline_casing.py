"""Offline captions in sentence case (PocketSphinx gives every word in lower case).

A line the speaker began after a pause starts with a capital, "I" is always
upper-case, and a line begun at a forced cut (no pause: the sentence goes on)
keeps its lower-case start.  Partials, finals and the words that subtitle cues
are built from all agree.
"""

from __future__ import annotations

from typing import Any

import pytest

from captioner.core.transcript import TurnUpdate, Word
from captioner.engines.offline import OfflineModel
from captioner.engines.offline import engine as offline
from captioner.engines.offline.casing import cased_words, proper_nouns, spellings
from tests import speech
from tests.engines.test_offline_onsets import transcribe
from tests.recording import RecordingListener

ALWAYS_CAPITALISED = {"I", "I'm", "I'll", "I'd", "I've", "Mr", "Mrs"}


def cased_text(text: str, *, starts_sentence: bool) -> str:
    """``text``'s words cased as the engine cases a line's words, joined as it joins them."""
    words = tuple(Word(token, 0, 0) for token in text.split())
    return " ".join(word.text for word in cased_words(words, starts_sentence=starts_sentence))


def test_a_line_after_a_pause_starts_with_a_capital_and_i_is_upper_case() -> None:
    assert cased_text("i think i'm late", starts_sentence=True) == "I think I'm late"
    assert cased_text("we said i'd go", starts_sentence=True) == "We said I'd go"
    assert cased_text("and then i've left", starts_sentence=False) == "and then I've left"
    assert cased_text("", starts_sentence=True) == ""
    # Only a lower-case letter is changed: digits, and words the engine already cased.
    assert cased_text("3 items", starts_sentence=True) == "3 items"
    assert cased_text("Dashwood said", starts_sentence=True) == "Dashwood said"
    # "i" inside a word is not the pronoun.
    assert cased_text("it is in", starts_sentence=False) == "it is in"
    # Titles, and the name after one; "and" after a title is not a name.
    assert cased_text("the mr jennings and mrs smith", starts_sentence=False) == (
        "the Mr Jennings and Mrs Smith"
    )
    assert cased_text("mr and mrs dashwood", starts_sentence=False) == "Mr and Mrs Dashwood"


def test_the_users_names_are_written_as_typed_wherever_they_fall() -> None:
    """Names in no word list ("Dashwood"), odd casings ("iPhone", "McAllister"), and a
    name that is also an ordinary word ("Bill") once the user lists it."""
    typed = spellings(["Dashwood, iPhone", "  McAllister.", "bill", "Bill Hart", "42", ""])
    assert typed == {
        "dashwood": "Dashwood",
        "iphone": "iPhone",
        "mcallister": "McAllister",
        "bill": "Bill",
        "hart": "Hart",
    }  # "bill" typed in lower case alone would only keep a line's first word lower-case

    def cased(text: str, *, starts_sentence: bool = False) -> str:
        words = tuple(Word(token, 0, 0) for token in text.split())
        line = cased_words(words, starts_sentence=starts_sentence, typed=typed)
        return " ".join(word.text for word in line)

    assert cased("iphone sales rose said mcallister") == "iPhone sales rose said McAllister"
    assert cased("iphone at the start", starts_sentence=True) == "iPhone at the start"
    assert cased("ask bill about dashwood's house in london") == (
        "ask Bill about Dashwood's house in London"
    )
    # Without the list, as before.
    assert cased_text("ask bill about dashwood's house", starts_sentence=False) == (
        "ask bill about dashwood's house"
    )


def test_names_places_days_and_acronyms_are_capitalised_but_not_ordinary_words() -> None:
    """Words English writes only with capitals get them anywhere in a line; a word that
    is also an ordinary word keeps the decoder's lower case (it may be the ordinary one)."""
    assert cased_text("we met in london on monday", starts_sentence=True) == (
        "We met in London on Monday"
    )
    assert cased_text("she speaks english and french to the fbi", starts_sentence=False) == (
        "she speaks English and French to the FBI"
    )
    assert cased_text("watch tv at christmas in europe", starts_sentence=False) == (
        "watch TV at Christmas in Europe"
    )
    assert cased_text("london's parks and america's", starts_sentence=False) == (
        "London's parks and America's"
    )
    # "bill", "may", "will", "mark", "rose": names too, but ordinary words first.
    assert cased_text("bill may mark the rose will", starts_sentence=False) == (
        "bill may mark the rose will"
    )
    # A two-letter syllable the decoder hears in noise is not an acronym ("de", "er").
    assert cased_text("de er la", starts_sentence=False) == "de er la"


def test_words_get_the_same_casing_and_keep_their_times() -> None:
    words = (Word("i", 0, 100, 0.9), Word("see", 100, 300), Word("i", 300, 350))
    cased = cased_words(words, starts_sentence=False)
    assert [w.text for w in cased] == ["I", "see", "I"]
    assert [(w.start_ms, w.end_ms, w.confidence) for w in cased] == [
        (0, 100, 0.9),
        (100, 300, 1.0),
        (300, 350, 1.0),
    ]
    assert cased[1] is words[1]  # unchanged words are the same objects


def starts_capitalised(update: TurnUpdate) -> bool:
    return update.text[:1].isupper()


def agrees_with_its_words(update: TurnUpdate) -> bool:
    return update.text == " ".join(word.text for word in update.words)


def test_real_speech_split_at_pauses_gives_lines_that_start_with_a_capital(
    model: OfflineModel,
) -> None:
    clip = speech.clips("librivox")[0]
    split, pieces = speech.split_at_pauses(clip)
    assert len(pieces) >= 2
    listener = RecordingListener()
    engine = offline.OfflineEngine(listener, realtime=False, model=model)
    engine.start(speech.MemorySource(split.pcm))  # type: ignore[arg-type]
    listener.wait_stopped(120)
    assert engine.join(10)
    finals = [f for f in listener.finals if f.text]
    partials = [p for p in listener.partials if p.text]
    assert len(finals) >= len(pieces), [f.text for f in finals]
    message = f"finals: {[f.text for f in finals]}"
    assert all(starts_capitalised(f) for f in finals), message
    assert all(agrees_with_its_words(f) for f in finals), message
    assert all(starts_capitalised(p) for p in partials), [p.text for p in partials]
    # Past the first word only "I", titles, names after them and the words English
    # always capitalises are upper-case: nothing else was invented.
    named = set(proper_nouns().words()) | ALWAYS_CAPITALISED
    rest = [(f.words[i - 1].text, f.words[i].text) for f in finals for i in range(1, len(f.words))]
    assert all(w == w.lower() or w in named or b in {"Mr", "Mrs"} for b, w in rest), message


@pytest.mark.slow
def test_a_line_begun_at_a_forced_cut_goes_on_in_lower_case(
    model: OfflineModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    cut_after: list[int] = []  # orders of lines that ended at a forced cut
    original = offline._Recogniser._end_utterance

    def note(self: offline._Recogniser, event: offline.UtteranceEnded, live: list[Any]) -> None:
        if event.cut:
            cut_after.append(self._order)
        original(self, event, live)

    monkeypatch.setattr(offline._Recogniser, "_end_utterance", note)
    finals = transcribe(model, speech.continuous(60, music_snr_db=None).pcm, stopped_within_s=180)
    assert cut_after, "68 s without a pause must be cut"
    continued = [f for f in finals if f.order - 1 in cut_after]
    began = [f for f in finals if f.order - 1 not in cut_after]
    message = f"cut after lines {cut_after}; finals: {[(f.order, f.text) for f in finals]}"
    assert continued and began, message
    assert all(starts_capitalised(f) for f in began), message
    lower_start = [f for f in continued if f.text.split(" ")[0] not in ALWAYS_CAPITALISED]
    assert not any(starts_capitalised(f) for f in lower_start), message
    assert all(agrees_with_its_words(f) for f in finals), message
