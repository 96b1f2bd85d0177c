"""Sentence case for the offline engine's words, which PocketSphinx gives all lower-case.

A caption reader meets an unpunctuated stream ("i think we should start the
meeting now i mean"), where capitals are the few cues there are to where a
sentence starts and who or what is named.  Without a model of casing, what
can honestly be given: the first word of each line (the offline engine cuts
lines at pauses, so a line's start is where the speaker drew breath), the
pronoun "I", and the words English only ever writes with capitals ("London",
"Monday", "English", "FBI": ``resources/proper_nouns.txt``, made from SCOWL's
word list by ``packaging/proper_nouns.py``), and the name after a title ("Mr
Dashwood").  A word that is also an ordinary word ("Bill", "May") stays
lower-case: the user's own list of names (Settings ▸ Captions…, or
``--keyterms`` for ``captioner transcribe``) writes theirs as they typed
them ("Dashwood", "McAllister", "iPhone").  A line that begins at a forced
cut (someone who never paused, cut at the quietest point near the length
limit) is the middle of a sentence, and keeps its lower-case start.

Only presentation changes: the words themselves (and word error rates, which
compare lower-cased words) are the decoder's.
"""

from __future__ import annotations

import bisect
import functools
import logging
from collections.abc import Iterable, Mapping
from dataclasses import replace
from types import MappingProxyType

from captioner.core.transcript import Word

log = logging.getLogger(__name__)

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


NO_NAMES: Mapping[str, str] = MappingProxyType({})  # no user spellings

# Titles before a name: the word after one is the name ("Mr john" -> "Mr John").
_TITLES = {"mr", "mrs", "ms", "dr"}
# Words that follow a title without being a name ("Mr and Mrs Dashwood").
_NOT_NAMES = {"and", "or", "the", "a", "of", "to", "is", "was", "said"}


class ProperNouns:
    """The words always written with capitals, by their lower-case form.

    Nearly all are capitalised words ("London"), kept as a sorted tuple of
    their lower-case forms (searched by bisection) and capitalised on a hit;
    the others ("FBI", "McDonald") in a small dict.  A dict of every word to
    its casing held each word twice plus a hash table: 0.89 MB traced, against
    0.39 MB so (a frozenset's table alone is 0.5 MB).
    """

    def __init__(self, lines: list[str]) -> None:
        self._capitalised = tuple(sorted(w.lower() for w in lines if w == w.capitalize()))
        self._other = {w.lower(): w for w in lines if w != w.capitalize()}

    def get(self, token: str) -> str | None:
        """``token``'s casing if it is always capitalised, else None."""
        at = bisect.bisect_left(self._capitalised, token)
        if at < len(self._capitalised) and self._capitalised[at] == token:
            return token.capitalize()
        return self._other.get(token)

    def words(self) -> list[str]:
        """Every word of the list in its casing."""
        return [w.capitalize() for w in self._capitalised] + list(self._other.values())

    def __len__(self) -> int:
        return len(self._capitalised) + len(self._other)


@functools.cache
def proper_nouns() -> ProperNouns:
    """The words always written with capitals (``resources/proper_nouns.txt``).

    Read on first use, on the engine's thread (~2 ms, ~0.4 MB while the
    offline engine captions); empty, with a warning, if the file is missing.
    """
    from captioner.resources import find

    try:
        text = find("proper_nouns.txt").read_text("utf-8")
    except (OSError, StopIteration, UnicodeDecodeError) as exc:  # a damaged install
        log.warning("Proper nouns stay lower-case: %s", exc)
        return ProperNouns([])
    return ProperNouns([line for line in text.splitlines() if line and not line.startswith("#")])


def spellings(entries: Iterable[str]) -> dict[str, str]:
    """The user's names (free text: one or more a line, or comma-separated) as a
    lower-case word -> its spelling map.  Only words typed with a capital count:
    one typed all lower-case would only stop a line's first word being capitalised."""
    found: dict[str, str] = {}
    for entry in entries:
        for word in entry.replace(",", " ").split():
            word = word.strip('.;:!?"()[]')
            if any(c.isupper() for c in word) and any(c.isalpha() for c in word):
                found[word.lower()] = word
    return found


class Spellings:
    """The user's names of a run, changeable while it goes on (Settings ▸ Captions…).

    Read on the engine's threads, replaced from the GUI thread: the map is
    swapped whole (one attribute store), never changed in place.
    """

    def __init__(self, entries: Iterable[str] = ()) -> None:
        self.typed: Mapping[str, str] = spellings(entries)

    def set(self, entries: Iterable[str]) -> None:
        """From the next line on, these names (the line in progress too, as it grows)."""
        self.typed = spellings(entries)


def _named(token: str, typed: Mapping[str, str]) -> str | None:
    """The user's spelling of ``token``, else the word list's, else None."""
    return typed.get(token) or proper_nouns().get(token)


def cased_token(
    token: str, *, first: bool, after_title: bool = False, typed: Mapping[str, str] = NO_NAMES
) -> str:
    """``token`` as a caption shows it: the user's names as typed, "I", "Mr", names and
    places always, a line's first word (and a name after a title) capitalised."""
    always = _ALWAYS.get(token)
    if always is not None:
        return typed.get(token, always)
    named = _named(token, typed)
    if named is not None:
        return named
    if token.endswith("'s"):  # "london's" -> "London's"
        named = _named(token[:-2], typed)
        if named is not None:
            return named + "'s"
    if (first or (after_title and token not in _NOT_NAMES)) and token[:1].islower():
        return token[0].upper() + token[1:]
    return token


def cased_words(
    words: tuple[Word, ...], *, starts_sentence: bool, typed: Mapping[str, str] = NO_NAMES
) -> tuple[Word, ...]:
    """A line's words in sentence case (the engine joins them into the line's text);
    ``typed`` is :func:`spellings` of the user's names."""
    cased = []
    for index, word in enumerate(words):
        text = cased_token(
            word.text,
            first=starts_sentence and index == 0,
            after_title=index > 0 and words[index - 1].text in _TITLES,
            typed=typed,
        )
        cased.append(word if text == word.text else replace(word, text=text))
    return tuple(cased)
