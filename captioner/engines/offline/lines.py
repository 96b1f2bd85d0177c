"""A finished utterance on its way to a final, and its live words up to where it ends.

Kept apart from the engine so that what "the line's words up to its end" means
is said once: both the stand-in for a failed final decode and the line shown
while its final is decoded after a forced cut use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from captioner.core.transcript import Word
from captioner.engines.offline.live_process import BYTES_PER_MS
from captioner.engines.offline.model import Segment
from captioner.engines.offline.words import FRAME_MS, words_from_segments


class UtteranceEnded(NamedTuple):
    """A finished utterance as the recogniser process reports it (see live_process)."""

    start_ms: int
    end_ms: int
    audio: bytes
    cut: bool = False


def context_before(
    event: UtteranceEnded,
    previous: UtteranceEnded | None,
    *,
    keep_ms: int,
    below_ms: int,
    gap_ms: int,
) -> bytes:
    """For an utterance shorter than ``below_ms``, the last ``keep_ms`` of the previous
    one if that ended at most ``gap_ms`` before it; else nothing.

    Decoded alone, an utterance that begins mid-sentence (after a short
    pause, or at a forced cut) gives the language model no history, and
    its first words suffer; decoded after the words that led into it, they
    get their trigram context.  The context's own words are dropped.
    """
    if not keep_ms or previous is None:
        return b""
    if len(event.audio) >= below_ms * BYTES_PER_MS:
        return b""  # long enough to carry its own language-model context
    if event.start_ms - previous.end_ms > gap_ms:
        return b""
    keep = min(len(previous.audio), keep_ms * BYTES_PER_MS)
    return previous.audio[len(previous.audio) - keep :]


class Line(NamedTuple):
    """A finished utterance waiting for its final, with what the final needs of the run."""

    event: UtteranceEnded
    live: list[Segment]  # the live pass's words: the fallback if the final decode fails
    context: bytes  # audio just before it (see context_before)
    start_ms: int
    order: int
    partial_sent: bool

    def words(self, segments: Iterable[Any]) -> tuple[Word, ...]:
        """Decoder segments of this utterance as caption words on the session clock."""
        return tuple(
            words_from_segments(segments, offset_ms=self.start_ms, limit_ms=self.event.end_ms)
        )

    def live_words(self) -> tuple[Word, ...]:
        """The live pass's words that begin before the utterance's end.

        At a forced cut the live decoder ran past the end to find a word
        boundary: the words after it belong to the next line.
        """
        last_frame = (self.event.end_ms - self.start_ms) // FRAME_MS
        return self.words(seg for seg in self.live if seg.start_frame < last_frame)
