"""Sentence case for the offline engine's words, which PocketSphinx gives all lower-case.

A caption reader meets an unpunctuated stream ("i think we should start the
meeting now i mean"), where the first word of each line and the pronoun "I"
(with "Mr" and "Mrs") are the only cues casing can honestly give without a
model of casing: the offline engine cuts lines at pauses, so a line's start
is where the speaker drew breath.  A line that begins at a forced cut (someone who never
paused, cut at the quietest point near the length limit) is the middle of a
sentence, and keeps its lower-case start.  Proper nouns stay lower-case: the
model's dictionary holds no casing to restore them from.

Only presentation changes: the words themselves (and word error rates, which
compare lower-cased words) are the decoder's.
"""

from __future__ import annotations

from dataclasses import replace

from captioner.core.transcript import Word

# Words English always capitalises, as the en-US dictionary spells them: the
# pronoun and its contractions, and the titles before a name.
_ALWAYS = {
    "i": "I",
    "i'm": "I'm",
    "i'll": "I'll",
    "i'd": "I'd",
    "i've": "I've",
    "mr": "Mr",
    "mrs": "Mrs",
}


def cased_token(token: str, *, first: bool) -> str:
    """``token`` as a caption shows it: "I" and "Mr" always, a line's first word capitalised."""
    always = _ALWAYS.get(token)
    if always is not None:
        return always
    if first and token[:1].islower():
        return token[0].upper() + token[1:]
    return token


def cased_words(words: tuple[Word, ...], *, starts_sentence: bool) -> tuple[Word, ...]:
    """A line's words in sentence case (the engine joins them into the line's text)."""
    cased = []
    for index, word in enumerate(words):
        text = cased_token(word.text, first=starts_sentence and index == 0)
        cased.append(word if text == word.text else replace(word, text=text))
    return tuple(cased)
