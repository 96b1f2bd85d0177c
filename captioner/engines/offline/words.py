"""Decoder words to caption words: spoken forms only, on the session clock."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from captioner.core.transcript import Word

FRAME_MS = 10  # PocketSphinx runs at 100 frames per second (-frate 100)

_ALT_PRONUNCIATION = re.compile(r"\(\d+\)$")


def clean_word(word: str) -> str | None:
    """Return the spoken form of a decoder word, or ``None`` for non-words.

    The decoder reports sentence markers (``<s>``, ``</s>``), silence
    (``<sil>``) and noise fillers (``[NOISE]``, ``[SPEECH]``, ``++UH++`` in
    older models) as words; captions must not show them.  Alternate
    pronunciations come back as ``word(2)``; the reader wants ``word``.
    """
    if not word or word[0] in "<[" or word.startswith("++"):
        return None
    return _ALT_PRONUNCIATION.sub("", word) or None


def words_from_segments(segments: Iterable[Any], *, offset_ms: int, limit_ms: int) -> list[Word]:
    """Turn decoder segments into caption words on the session clock.

    ``offset_ms`` is where the utterance began; frames are 10 ms.  Ends are
    clamped to ``limit_ms`` (audio consumed so far) so a word never ends
    after the audio that contains it.  The Python binding already converts
    ``Segment.prob`` (the posterior) to a probability in 0…1; it is 1.0 for
    words the second pass did not score, which is the documented fallback.
    """
    words: list[Word] = []
    for segment in segments:
        text = clean_word(segment.word)
        if text is None:
            continue
        start = offset_ms + segment.start_frame * FRAME_MS
        end = min(offset_ms + (segment.end_frame + 1) * FRAME_MS, limit_ms)
        start = min(start, end)
        confidence = float(getattr(segment, "prob", 1.0))
        if not 0.0 <= confidence <= 1.0:
            confidence = 1.0
        words.append(Word(text=text, start_ms=start, end_ms=end, confidence=confidence))
    return words
