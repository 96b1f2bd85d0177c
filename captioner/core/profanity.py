"""Mask profanity for display and export: "fuck" is shown as "f***".

This is a presentation step, never an edit of the transcript: the journal
keeps the words as recognised, and the overlay, transcript views, copies and
exports pass turns through :func:`mask_turn` only while the user's filter is
on, so switching it off shows the real words again, in past sessions too.

Rules, each tested:

* Whole words only, case-insensitive, against the explicit forms in
  :mod:`captioner.core.profanity_words` ("class", "cocktail", "Scunthorpe"
  are never touched).
* The first letter stays as it was (case included), every other letter
  becomes ``*``, and nothing else moves: punctuation around the word stays
  ("Shit," gives "S***,"), the text keeps its length and its words, so word
  timings, subtitle cues and search offsets still line up.
* Apostrophes: a clitic after a listed word stays visible ("shit's" gives
  "s***'s"); a dropped g ("fuckin'") is a listed form of its own.
* Hyphens: each part is checked on its own ("son-of-a-bitch" gives
  "son-of-a-b****", "bull-shit" gives "bull-s***"); a compound whose parts
  are innocent but which is listed when joined is masked whole
  ("cock-sucker" gives "c***-******").
* Other scripts: a listed word next to Japanese, Chinese or Thai letters
  (written without spaces) is masked ("今日はs***です"); a word carrying an
  accent written as a mark of its own is another word, left whole.
* Masking is idempotent: masked text ("f***", or AssemblyAI's own
  server-side masking) is left as it is.
* A turn's translation (live translation, see
  :class:`~captioner.core.transcript.Translation`) is masked wherever its
  original is, so the second line never shows what the first one hides.
  The word list is English, though: in a translated line only words that
  are on the English list are masked (an English swear word the model left
  untranslated, or one spelled the same in both languages); profanity in
  the target language itself ("putain", "Scheiße") is shown as the model
  wrote it.  Masking a translation cannot misfire on innocent words any
  more than on English text: whole words only, explicit forms only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING

from captioner.core import scripts
from captioner.core.profanity_words import PROFANE_WORDS

if TYPE_CHECKING:
    from captioner.core.transcript import Turn, Word

# A word: letters, with apostrophes or hyphens only *between* letters (so the
# quote marks and dashes around a word are punctuation, not part of it).  An
# accent written as a mark of its own (U+0300…) is part of its letter's word:
# "cunẗs" is another word, not "c***̈s".  Scripts written without spaces
# (Chinese, Japanese, Thai…) are not part of a Latin word next to them:
# "今日はshitです" holds "shit", masked as it would be between spaces.
_UNSPACED = scripts.PHRASED + scripts.KANA_HAN + scripts.HALFWIDTH_KANA
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_PART = rf"(?:[^\W\d_{_UNSPACED}][{_MARKS}]*)+"


@lru_cache(maxsize=1)
def token_pattern() -> re.Pattern[str]:
    """A word's pattern, compiled when first needed: its Unicode classes take ~5 ms,
    which the window's start-up should not pay (issue 14); the start-up worker
    asks for it while the window paints (:mod:`captioner.ui.profanity_filter`)."""
    return re.compile(rf"{_PART}(?:[-'’]{_PART})*")


_LETTER = re.compile(r"[^\W\d_]")
# What may follow an apostrophe after a listed word: "shit's", "fuck'em".
_CLITICS = frozenset({"s", "re", "ll", "d", "ve", "m", "em"})


def is_profane(word: str) -> bool:
    """True when ``word`` (letters only, any case) is one of the listed forms."""
    return word.lower() in PROFANE_WORDS


def _star(word: str) -> str:
    """Keep the first character; every later letter becomes an asterisk."""
    return word[:1] + _LETTER.sub("*", word[1:])


def _mask_part(part: str) -> str:
    """A hyphen-free word: a listed form, or a listed form plus a clitic."""
    if is_profane(part):
        return _star(part)
    cut = max(part.rfind("'"), part.rfind("’"))
    if cut > 0 and part[cut + 1 :].lower() in _CLITICS and is_profane(part[:cut]):
        return _star(part[:cut]) + part[cut:]
    return part


def _mask_token(match: re.Match[str]) -> str:
    token = match.group(0)
    if "-" not in token:
        return _mask_part(token)
    parts = "-".join(_mask_part(part) for part in token.split("-"))
    if parts == token and is_profane(token.replace("-", "")):
        return _star(token)
    return parts


@lru_cache(maxsize=2048)
def mask_text(text: str) -> str:
    """``text`` with every profane word masked (same length, same spacing).

    Remembered: a turn in progress is masked again for every partial, word by
    word and whole, once for the overlay and once for the transcript (issue 14:
    the regex work was a sixth of each partial's cost), and the same words and
    texts come back each time.  A pure function of an immutable string, so the
    cache cannot go stale; bounded, so an all-day session does not grow it.
    """
    return token_pattern().sub(_mask_token, text)


def contains_profanity(text: str) -> bool:
    return mask_text(text) != text


def _mask_word(word: Word) -> Word:
    masked = mask_text(word.text)
    return word if masked == word.text else replace(word, text=masked)


def mask_turn(turn: Turn) -> Turn:
    """The turn as shown with the filter on; the same object when nothing changes.

    Both the text and each timed word are masked, so exports that use word
    timings (SRT, WebVTT, JSON) show the same masked words at the same times;
    so is the translation's text (English-list words only, see the module
    docstring), so a bilingual caption or export hides a word on both lines.
    """
    text = mask_text(turn.text)
    words = tuple(_mask_word(word) for word in turn.words)
    translation = turn.translation
    if translation is not None:
        masked = mask_text(translation.text)
        if masked != translation.text:
            translation = replace(translation, text=masked)
    if (
        text == turn.text
        and translation is turn.translation
        and all(a is b for a, b in zip(words, turn.words, strict=True))
    ):
        return turn
    return replace(turn, text=text, words=words, translation=translation)


def mask_turns(turns: Iterable[Turn]) -> list[Turn]:
    return [mask_turn(turn) for turn in turns]
