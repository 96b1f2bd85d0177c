"""The profanity masker: what is hidden, what must never be, and what stays in place."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from captioner.core.profanity import contains_profanity, mask_text, mask_turn, mask_turns
from captioner.core.profanity_words import PROFANE_WORDS
from captioner.core.settings import DictStore, Key, Settings
from captioner.core.transcript import Translation, Turn, Word


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("fuck", "f***"),
        ("Shit,", "S***,"),  # capital kept, comma kept
        ("What the FUCK?!", "What the F***?!"),
        ('"Fucking" hell.', '"F******" hell.'),
        ("(bullshit)", "(b*******)"),
        ("you cunt", "you c***"),
        ("Motherfuckers…", "M" + "*" * 12 + "…"),
    ],
)
def test_first_letter_and_punctuation_stay_the_rest_is_asterisks(raw: str, shown: str) -> None:
    assert mask_text(raw) == shown


@pytest.mark.parametrize(
    "word",
    [
        "fucks",
        "fucked",
        "fucking",
        "fuckin",
        "fucker",
        "shits",
        "shitty",
        "shitting",
        "bullshitting",
        "bitches",
        "wankers",
        "assholes",
        "cocksucker",
    ],
)
def test_listed_inflections_are_masked(word: str) -> None:
    assert mask_text(word) == word[0] + "*" * (len(word) - 1)


@pytest.mark.parametrize(
    "innocent",
    [
        "class",
        "assess",
        "assassin",
        "bass",
        "passion",
        "Scunthorpe",
        "cocktail",
        "Hancock",
        "hello",
        "shell",
        "shitake",
        "shiitake",
        "Matsushita",
        "Dickens",
        "Dick",  # a name: deliberately not listed
        "analysis",
        "therapist",
        "Sussex",
        "spice",
        "titular",
        "pussycat",
        "bitcoin",
        "document",
        "Penistone",
        "well-being",
        "don't",
    ],
)
def test_innocent_words_containing_profanity_are_never_masked(innocent: str) -> None:
    assert mask_text(innocent) == innocent
    assert mask_text(f"The {innocent}, again.") == f"The {innocent}, again."


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("shit's", "s***'s"),  # a clitic after a listed word stays readable
        ("shit’s", "s***’s"),  # typographic apostrophe (formatted text)
        ("fuck'em", "f***'em"),
        ("fuckin'", "f*****'"),  # dropped g: the trailing apostrophe is punctuation
        ("'fuck'", "'f***'"),  # quotes around a word
        ("son-of-a-bitch", "son-of-a-b****"),  # hyphen: each part on its own
        ("bull-shit", "bull-s***"),
        ("cock-sucker", "c***-******"),  # listed only when joined: masked whole
        ("shit-faced", "s***-faced"),
        ("cock's", "cock's"),  # not listed, clitic or not
    ],
)
def test_apostrophes_and_hyphens(raw: str, shown: str) -> None:
    assert mask_text(raw) == shown


def test_matching_is_case_insensitive_and_keeps_the_first_letters_case() -> None:
    assert mask_text("FUCK Fuck fUcK") == "F*** F*** f***"


def test_already_masked_text_is_left_alone() -> None:
    # Ours, or AssemblyAI's own server-side filter.
    assert mask_text("f*** s*** oh f***ing hell") == "f*** s*** oh f***ing hell"


@given(st.text(alphabet=st.sampled_from([*"fuckshitFUasl-'’ .,!*"]), max_size=60))
def test_property_length_words_and_spacing_never_change_and_masking_is_idempotent(
    text: str,
) -> None:
    masked = mask_text(text)
    assert len(masked) == len(text)
    assert [len(w) for w in masked.split()] == [len(w) for w in text.split()]
    assert re.sub(r"\S", "x", masked) == re.sub(r"\S", "x", text)  # same spacing
    assert mask_text(masked) == masked
    assert all(a == b for a, b in zip(text, masked, strict=True) if b != "*")


def test_every_listed_form_is_masked_and_is_plain_lowercase_letters() -> None:
    for word in PROFANE_WORDS:
        assert re.fullmatch(r"[a-z]+", word), word
        assert contains_profanity(word) and contains_profanity(word.capitalize())


def test_a_turn_is_masked_in_its_text_and_words_with_timings_unchanged() -> None:
    words = (
        Word("Oh", 0, 200, 0.9),
        Word("shit,", 250, 600, 0.4),
        Word("the", 650, 700, 0.9),
        Word("cat.", 750, 1000, 0.8),
    )
    turn = Turn("k0", 0, "Oh shit, the cat.", words, finished=True, speaker="A", formatted=True)
    shown = mask_turn(turn)
    assert shown.text == "Oh s***, the cat."
    assert [w.text for w in shown.words] == ["Oh", "s***,", "the", "cat."]
    assert [(w.start_ms, w.end_ms, w.confidence) for w in shown.words] == [
        (w.start_ms, w.end_ms, w.confidence) for w in words
    ]
    assert (shown.key, shown.speaker, shown.formatted) == ("k0", "A", True)
    # A presentation step: the transcript's own turn keeps the words as recognised.
    assert turn.text == "Oh shit, the cat." and turn.words[1].text == "shit,"


def test_a_clean_turn_comes_back_as_the_same_object() -> None:
    turn = Turn("k1", 1, "the cocktail class", (Word("the", 0, 10),), finished=True)
    assert mask_turn(turn) is turn
    assert mask_turns([turn])[0] is turn


def test_the_setting_is_on_by_default_and_persists_in_the_store() -> None:
    store = DictStore()
    assert Settings(store).get(Key.PROFANITY_FILTER) is True  # like Windows Live Captions
    Settings(store).set(Key.PROFANITY_FILTER, False)
    assert Settings(store).get(Key.PROFANITY_FILTER) is False  # a new reader, same store
    store.data[Key.PROFANITY_FILTER.spec.name] = "false"  # as an INI file holds it
    assert Settings(store).get(Key.PROFANITY_FILTER) is False


def test_a_translation_is_masked_wherever_its_original_is() -> None:
    # The English list applies to the translated line too: an English word the
    # model left as it was is masked; French profanity is not on the list.
    words = (Word("Oh", 0, 200), Word("shit,", 250, 600), Word("the", 650, 700))
    translation = Translation("fr", "Oh shit, putain, le classement.")
    turn = Turn("k2", 2, "Oh shit, the ranking.", words, finished=True, translation=translation)
    shown = mask_turn(turn)
    assert shown.translation == Translation("fr", "Oh s***, putain, le classement.")
    assert shown.text == "Oh s***, the ranking."
    assert turn.translation is translation  # the transcript keeps what the model said
    # Only the translation holds a listed word: the turn is still masked.
    clean = Turn("k3", 3, "Oh dear.", (), finished=True, translation=Translation("en", "Fuck."))
    assert mask_turn(clean).translation == Translation("en", "F***.")
    assert mask_turn(clean).text == "Oh dear."
    # A clean translation keeps the turn the same object.
    fine = Turn("k4", 4, "Hello.", (), finished=True, translation=Translation("fr", "Bonjour."))
    assert mask_turn(fine) is fine


# -- other scripts ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        # Japanese, Chinese and Thai put no space around a word: it is masked all the same.
        ("今日はshitです", "今日はs***です"),
        ("这个fucking东西", "这个f******东西"),
        ("fuckครับ", "f***ครับ"),
        # words of other scripts are left alone, and so is a word with an accent mark
        # written on its own: it is another word, never partly masked.
        ("मैं fuck नहीं, नमस्ते दोस्तों", "मैं f*** नहीं, नमस्ते दोस्तों"),
        ("مرحبا fuck Zoom", "مرحبا f*** Zoom"),
        ("cunt\u0308s", "cunt\u0308s"),
        ("shit\u0301 shit", "shit\u0301 s***"),
        ("今日は会議です", "今日は会議です"),
    ],
)
def test_words_next_to_or_in_other_scripts(raw: str, shown: str) -> None:
    assert mask_text(raw) == shown
