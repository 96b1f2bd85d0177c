"""Cutting a live audio stream into utterances without losing their edges.

PocketSphinx's :class:`~pocketsphinx.Endpointer` (WebRTC-style voice activity
detection over a sliding decision window) says *that* someone speaks only
after most of its window has sounded like speech, and the weak first sounds
of a word ("it", "the", "his", unvoiced consonants) rarely count as voiced.
Fed only the frames the endpointer hands back, the decoder never hears the
beginning of an utterance, so captions lose their first word over and over.

:class:`UtteranceSegmenter` therefore uses the endpointer only to *decide*,
and keeps the audio itself: every utterance starts ``preroll_ms`` before the
point where the endpointer places the start of speech (never earlier than
the end of the previous utterance, so no audio is decoded twice) and runs to
the moment the endpointer decides the speech is over, which includes the
silence that decided it.  The decoder is fed the raw stream, not the
endpointer's delayed copy, so partial captions are not held back by the
decision window either.

Someone who never pauses (a lecture, a fast talker, speech over music) would
otherwise make one endless utterance: no finished line for minutes, and a
final decode that grows with its length.  After ``max_utterance_ms`` the
segmenter cuts in the last ``cut_search_ms`` and starts the next utterance
there, so every sample belongs to exactly one utterance.  The cut goes to a
*word boundary*: each half is decoded alone, so a cut inside a word (the stop
gap in "s|t|ill" is as quiet as a pause) loses that word from both lines.
``segments`` (the live decoder's word segmentation of the utterance so far,
see :func:`cut_candidates`) gives the boundaries; the quietest of them wins.
Only when the decoder offers none there (or none is given) does the cut go
to the quietest 100 ms by energy alone.

Pure Python plus numpy; no decoder here, so it is tested on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from pocketsphinx import Endpointer

SAMPLE_RATE = 16_000
BYTES_PER_SAMPLE = 2
BYTES_PER_MS = SAMPLE_RATE * BYTES_PER_SAMPLE // 1000
ENERGY_FRAME_MS = 10  # resolution of the quietest-point search
CUT_SMOOTH_MS = 100  # without word boundaries: the middle of the quietest stretch this long
# At a word boundary the cut may move this many 10 ms frames to a quieter spot
# (the decoder places boundaries to about a frame or two), and a boundary's
# quietness is the energy of this many frames on each side of it.
CUT_SLACK_FRAMES = 2
CUT_SCORE_FRAMES = 3
_PAUSES = frozenset({"[NOISE]", "++NOISE++"})  # fillers that are not speech

# Chosen with benchmarks/offline_engine.py over every clip and mix in it (see
# the README table): 400 ms of pre-roll recovers the onsets the endpointer
# misses without feeding so much silence that the decoder invents words.
DEFAULT_PREROLL_MS = 400
DEFAULT_MAX_UTTERANCE_MS = 15_000
DEFAULT_CUT_SEARCH_MS = 4_000
DEFAULT_WINDOW_S = 0.3
DEFAULT_RATIO = 0.9


@dataclass(frozen=True, slots=True)
class UtteranceStarted:
    """A new utterance; ``audio`` is its first samples (pre-roll included)."""

    start_ms: int
    audio: bytes


@dataclass(frozen=True, slots=True)
class UtteranceAudio:
    """More samples of the utterance in progress, straight from the stream."""

    audio: bytes


@dataclass(frozen=True, slots=True)
class UtteranceEnded:
    """The utterance is over.  ``audio`` is all of it, for a final decode.

    ``cut`` is true when it was ended because it grew too long rather than
    because the speaker paused; the next utterance then starts at ``end_ms``
    and the samples after it, already given out as :class:`UtteranceAudio`,
    belong to that next utterance (its :class:`UtteranceStarted` repeats them).
    """

    start_ms: int
    end_ms: int
    audio: bytes
    cut: bool = False


Event = UtteranceStarted | UtteranceAudio | UtteranceEnded


class UtteranceSegmenter:
    """Endpointer decisions plus a look-back buffer; yields utterance events.

    ``feed`` takes any number of bytes of 16 kHz mono s16le; ``finish`` flushes
    at the end of the stream.  Times are on the stream's own clock (bytes fed
    since construction), which is the session clock of an engine run.
    """

    def __init__(
        self,
        *,
        preroll_ms: int = DEFAULT_PREROLL_MS,
        max_utterance_ms: int = DEFAULT_MAX_UTTERANCE_MS,
        cut_search_ms: int = DEFAULT_CUT_SEARCH_MS,
        window_s: float = DEFAULT_WINDOW_S,
        ratio: float = DEFAULT_RATIO,
        endpointer: Endpointer | None = None,
        segments: Callable[[], Iterable[tuple[str, int, int]]] | None = None,
    ) -> None:
        if endpointer is None:
            from pocketsphinx import Endpointer

            endpointer = Endpointer(window=window_s, ratio=ratio, sample_rate=SAMPLE_RATE)
        if not 0 < cut_search_ms < max_utterance_ms:
            raise ValueError("cut_search_ms must be positive and below max_utterance_ms")
        self._endpointer = endpointer
        # (word, first frame, last frame) of the utterance so far, frames of
        # 10 ms from its start: the live decoder's segmentation, which has
        # been fed the stream up to here whenever a cut is decided.
        self._segments = segments
        self._frame_bytes: int = endpointer.frame_bytes
        self._preroll_bytes = preroll_ms * BYTES_PER_MS
        self._max_bytes = max_utterance_ms * BYTES_PER_MS
        self._search_bytes = cut_search_ms * BYTES_PER_MS
        # Enough look-back for the endpointer's window, the pre-roll and slack.
        self._keep_bytes = self._preroll_bytes + round(window_s * 1000 + 200) * BYTES_PER_MS
        self._pending = bytearray()  # input not yet a whole endpointer frame
        self._pos = 0  # bytes given to the endpointer so far (the clock)
        self._audio = bytearray()  # the stream from _audio_start to _pos
        self._audio_start = 0
        self._floor = 0  # where the previous utterance ended: no look-back past it
        self._in_utterance = False
        self._utt_start = 0
        self._energy: list[float] = []  # mean square per 10 ms of the utterance

    @property
    def in_utterance(self) -> bool:
        return self._in_utterance

    @property
    def position_ms(self) -> int:
        """How much of the stream has been looked at, in milliseconds."""
        return self._pos // BYTES_PER_MS

    def feed(self, chunk: bytes) -> Iterator[Event]:
        """Consume ``chunk``; yield the events it completes, in order."""
        self._pending += chunk
        frame_bytes = self._frame_bytes
        # Keep at least one byte back: end_stream() needs a last, non-empty frame.
        while len(self._pending) > frame_bytes:
            frame = bytes(self._pending[:frame_bytes])
            del self._pending[:frame_bytes]
            yield from self._frame(frame, self._endpointer.process(frame))

    def finish(self) -> Iterator[Event]:
        """End of stream: flush the endpointer and end the utterance in progress."""
        if self._pending:
            frame = bytes(self._pending)
            self._pending.clear()
            speech = self._endpointer.end_stream(frame)
            self._append(frame)
            if not self._in_utterance and speech is not None:
                yield self._start(self._endpointer.speech_start)
            elif self._in_utterance:
                yield UtteranceAudio(frame)
        if self._in_utterance:
            yield self._end(self._pos, cut=False)

    # -- internals ------------------------------------------------------------

    def _frame(self, frame: bytes, speech: bytes | None) -> Iterator[Event]:
        self._append(frame)
        if not self._in_utterance:
            if speech is not None or self._endpointer.in_speech:
                yield self._start(self._endpointer.speech_start)
            else:
                self._trim()
            return
        yield UtteranceAudio(frame)
        if not self._endpointer.in_speech:
            yield self._end(self._pos, cut=False)
        elif self._pos - self._utt_start >= self._max_bytes:
            cut = self._cut_point()
            yield self._end(cut, cut=True)
            yield self._begin(cut)

    def _append(self, frame: bytes) -> None:
        self._audio += frame
        self._pos += len(frame)
        if self._in_utterance:
            self._energy.extend(_energies(frame))

    def _trim(self) -> None:
        excess = len(self._audio) - self._keep_bytes
        if excess > 0:
            excess -= excess % BYTES_PER_SAMPLE
            del self._audio[:excess]
            self._audio_start += excess

    def _start(self, speech_start_s: float) -> UtteranceStarted:
        speech_start = round(speech_start_s * SAMPLE_RATE) * BYTES_PER_SAMPLE
        start = max(speech_start - self._preroll_bytes, self._floor, self._audio_start, 0)
        return self._begin(min(start, self._pos))

    def _begin(self, start: int) -> UtteranceStarted:
        start -= start % BYTES_PER_SAMPLE
        # Drop what lies before the utterance: the buffer now holds exactly it.
        del self._audio[: start - self._audio_start]
        self._audio_start = start
        self._in_utterance = True
        self._utt_start = start
        self._energy = _energies(bytes(self._audio))
        return UtteranceStarted(start // BYTES_PER_MS, bytes(self._audio))

    def _end(self, end: int, *, cut: bool) -> UtteranceEnded:
        audio = bytes(self._audio[: end - self._audio_start])
        event = UtteranceEnded(self._utt_start // BYTES_PER_MS, end // BYTES_PER_MS, audio, cut)
        self._in_utterance = False
        self._floor = end
        del self._audio[: end - self._audio_start]
        self._audio_start = end
        self._energy = []
        return event

    def _cut_point(self) -> int:
        """Byte position of the cut: the quietest word boundary near the end."""
        energy = np.asarray(self._energy, dtype=np.float64)
        frame_bytes = ENERGY_FRAME_MS * BYTES_PER_MS
        first = max(0, (self._pos - self._search_bytes - self._utt_start) // frame_bytes)
        last = (self._pos - self._utt_start) // frame_bytes  # a cut before the stream's end
        if self._segments is not None:
            ranges = cut_candidates(self._segments(), first, last)
            best = quietest_boundary(energy, ranges)
            if best is not None:
                return self._utt_start + best * frame_bytes
        return self._quietest_point(energy, first)

    def _quietest_point(self, energy: np.ndarray, first: int) -> int:
        """Byte position of the middle of the quietest 100 ms near the end."""
        frame_bytes = ENERGY_FRAME_MS * BYTES_PER_MS
        smooth = CUT_SMOOTH_MS // ENERGY_FRAME_MS
        window = energy[first:]
        if len(window) <= smooth:
            return self._pos
        sums = np.convolve(window, np.ones(smooth), mode="valid")
        best = int(np.argmin(sums)) + first + smooth // 2
        return self._utt_start + best * frame_bytes


def cut_candidates(
    segments: Iterable[tuple[str, int, int]], first: int, last: int
) -> list[tuple[int, int]]:
    """Where a cut may go: ranges of frame boundaries (inclusive) in ``[first, last)``.

    ``segments`` are the decoder's (word, first frame, last frame) in order.
    A pause (``<sil>``, ``<s>``, ``</s>``, ``[NOISE]``) may be cut anywhere,
    its edges included; between two words (``[SPEECH]`` counts as one) only
    at their edge, give or take :data:`CUT_SLACK_FRAMES`.  Nothing at or after
    the end of the last segment counts: the decoder has heard no further.
    """
    rows = list(segments)
    if not rows:
        return []
    heard = rows[-1][2] + 1
    ranges: list[tuple[int, int]] = []
    previous_is_word = False
    for word, start, end in rows:
        pause = word.startswith("<") or word in _PAUSES
        if pause:
            ranges.append((start, end + 1))
        elif previous_is_word:
            ranges.append((start - CUT_SLACK_FRAMES, start + CUT_SLACK_FRAMES))
        previous_is_word = not pause
    bounded = []
    for low, high in ranges:
        low, high = max(low, first, 1), min(high, last - 1, heard - 1)
        if low <= high:
            bounded.append((low, high))
    return bounded


def quietest_boundary(energy: np.ndarray, ranges: list[tuple[int, int]]) -> int | None:
    """The frame boundary in ``ranges`` with the least energy around it, or None.

    Boundary ``b`` lies between energy frames ``b - 1`` and ``b``; its
    quietness is the mean of the :data:`CUT_SCORE_FRAMES` frames on each side.
    """
    if not ranges or len(energy) < 2:
        return None
    half = CUT_SCORE_FRAMES
    sums = np.concatenate(([0.0], np.cumsum(energy)))
    best: tuple[float, int] | None = None
    for low, high in ranges:
        points = np.arange(low, min(high, len(energy) - 1) + 1)
        if not len(points):
            continue
        left = np.maximum(points - half, 0)
        right = np.minimum(points + half, len(energy))
        score = (sums[right] - sums[left]) / (right - left)
        at = int(np.argmin(score))
        if best is None or score[at] < best[0]:
            best = (float(score[at]), int(points[at]))
    return None if best is None else best[1]


def _energies(audio: bytes) -> list[float]:
    """Mean square of each whole 10 ms of ``audio`` (for finding pauses)."""
    frame = ENERGY_FRAME_MS * SAMPLE_RATE // 1000
    samples = np.frombuffer(audio, dtype="<i2", count=len(audio) // BYTES_PER_SAMPLE)
    whole = len(samples) - len(samples) % frame
    if not whole:
        return []
    blocks = samples[:whole].astype(np.float64).reshape(-1, frame)
    return (blocks * blocks).mean(axis=1).tolist()
