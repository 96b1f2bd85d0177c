"""A line's text from some of a Turn's words, written as the service wrote them.

When a line is built from part of a turn (a connection lost mid-sentence
keeps the words it finalised; a connection that joined mid-sentence keeps
the words in its own window), its text is the stretch of the turn's
``transcript`` those words cover: Japanese, Chinese or Thai words are
written without spaces between them ("今日は会議です" from 今日 / は / 会議 /
です), and joining them with spaces showed "今日 は 会議 です".  Only when
the words cannot be found in the transcript in order are they joined, with
a space between two words unless both sides are of a script written
without spaces.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from captioner.core import scripts

# Scripts written without spaces between words: CJK (ideographs, kana,
# punctuation, full-width forms), Thai, Lao, Khmer, Myanmar (not Hangul).
_UNSPACED = re.compile(
    f"[{scripts.PHRASED}{scripts.CJK_MARKS}{scripts.KANA_HAN}{scripts.HAN_BEYOND_BMP}]"
)


def join_words(texts: Sequence[str]) -> str:
    """Words as a line: a space between two, none between two of an unspaced script."""
    out = ""
    for text in texts:
        glued = bool(_UNSPACED.match(out[-1:]) and _UNSPACED.match(text[:1]))
        out += text if not out or glued else " " + text
    return out


def words_text(transcript: str, texts: Sequence[str], chosen: Sequence[int]) -> str:
    """The text of the words ``texts[i]`` for ``i`` in ``chosen`` (ascending), as written."""
    if not chosen:
        return ""
    first, last = chosen[0], chosen[-1]
    if last - first + 1 == len(chosen):  # one run of words: its stretch of the transcript
        spans, at = [], 0
        for text in texts[: last + 1]:
            found = transcript.find(text, at) if text else -1
            if found < 0:
                break
            spans.append((found, found + len(text)))
            at = found + len(text)
        else:
            return transcript[spans[first][0] : spans[last][1]]
    return join_words([texts[i] for i in chosen])
