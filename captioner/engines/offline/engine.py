"""Offline recognition with PocketSphinx: no network, no account, modest accuracy.

The engine runs entirely on a worker thread.  Audio arrives as 50 ms chunks
of 16 kHz mono s16le; an :class:`~captioner.engines.offline.utterances.UtteranceSegmenter`
cuts the stream into utterances (with a pre-roll before each, so first words
are not lost, and a cut at the quietest point when someone never pauses), and
each utterance is decoded incrementally so partial captions appear while
someone speaks.  At each end the whole utterance is decoded again for the
final text and word timings.  The decoders come from the shared
:class:`~captioner.engines.offline.model.OfflineModel` pool.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from captioner.audio.errors import AudioError
from captioner.core.transcript import TurnUpdate, Word
from captioner.engines.base import (
    AudioSource,
    EngineError,
    EngineListener,
    EngineState,
    ErrorKind,
    WorkerEngine,
)
from captioner.engines.offline.model import (
    DEFAULT_DECODER_PARAMS,
    FinalDecodeError,
    OfflineModel,
    default_model,
    preload,
)
from captioner.engines.offline.utterances import (
    BYTES_PER_MS,
    BYTES_PER_SAMPLE,
    Event,
    UtteranceAudio,
    UtteranceEnded,
    UtteranceSegmenter,
    UtteranceStarted,
)
from captioner.engines.offline.words import FRAME_MS, clean_word, words_from_segments

if TYPE_CHECKING:
    from pocketsphinx import Decoder

__all__ = [
    "DEFAULT_DECODER_PARAMS",
    "OfflineEngine",
    "OfflineModel",
    "clean_word",
    "default_model",
    "preload",
    "words_from_segments",
]

log = logging.getLogger(__name__)


# A partial at least this often (in audio time) while someone speaks: often
# enough that captions feel live, rare enough that hyp() stays cheap.
PARTIAL_INTERVAL_MS = 250
# The live decoder is fed at most this much audio per native call (the
# endpointer's frame, as while speech goes on): the binding holds the GIL for
# the whole call, which costs up to about its audio's duration in CPU on this
# model, and the GUI thread must never wait longer than ~50 ms (a 0.54 s
# pre-roll fed at once stalled it for 113 ms).
MAX_FEED_BYTES = 30 * BYTES_PER_MS
# Left context for the finals of short utterances (see _Recogniser._context_for),
# measured with benchmarks/offline_engine.py: 2 s of context for every final
# lost words overall (the split clips 21.4 % -> 25.5 % WER); for utterances
# under 2 s only, it mended "four | queen of clubs" (cards-002 split) and cost
# one word elsewhere (0880 split), the same total.
FINAL_CONTEXT_MS = 2_000
FINAL_CONTEXT_BELOW_MS = 2_000
FINAL_CONTEXT_GAP_MS = 3_000
# How long one read may block; bounds how late a stop request is noticed.
READ_TIMEOUT_S = 0.1
# In real-time mode, skip partial hypotheses while decoding is this far behind
# the audio so the captions catch up instead of drifting further back.
MAX_LAG_MS = 1_000

LOADING_DETAIL = "Loading offline model…"

# Run ids are unique in the process, not per engine: two engines running at
# once (one per source in call mode) must never produce the same turn key.
_run_ids = itertools.count(1)


class _Recogniser:
    """One run's utterances: segmenter events in, turn updates out.

    The segmenter keeps the session clock (bytes fed), so word times are
    right whether audio arrives in real time or as fast as a file reads.
    """

    redecode_finals = True  # see _end_utterance; the benchmark can turn it off
    # The final of an utterance is decoded with this much of the audio before
    # it (when that ended at most context_gap_ms earlier): see _end_utterance.
    context_ms = FINAL_CONTEXT_MS
    context_below_ms = FINAL_CONTEXT_BELOW_MS
    context_gap_ms = FINAL_CONTEXT_GAP_MS

    def __init__(
        self,
        decoder: Decoder,
        listener: EngineListener,
        *,
        run: int,
        source_label: str,
        segmenter: UtteranceSegmenter | None = None,
        decode_final: Callable[[bytes, bytes], Iterable[Any]] | None = None,
    ) -> None:
        self._decoder = decoder
        self._decode_final = decode_final or default_model().decode_final
        self._listener = listener
        self._run = run
        self._source_label = source_label
        self._segmenter = segmenter if segmenter is not None else UtteranceSegmenter()
        self._order = -1
        self._utterance_start_ms = 0
        self._since_partial = 0
        self._last_partial = ""
        self._partial_sent = False
        self._previous: UtteranceEnded | None = None

    @property
    def audio_ms(self) -> int:
        """Milliseconds of audio consumed since the run started."""
        return self._segmenter.position_ms

    @property
    def in_utterance(self) -> bool:
        return self._segmenter.in_utterance

    def feed(self, chunk: bytes, *, partials: bool = True) -> None:
        """Consume one chunk; emit partials and finals as utterances progress."""
        self._handle(self._segmenter.feed(chunk), partials=partials)

    def finish(self) -> None:
        """Flush the segmenter and end the utterance in progress (its final)."""
        self._handle(self._segmenter.finish(), partials=False)

    def _handle(self, events: Iterable[Event], *, partials: bool) -> None:
        for event in events:
            if isinstance(event, UtteranceAudio):
                self._decode(event.audio, partials=partials)
            elif isinstance(event, UtteranceStarted):
                self._start_utterance(event)
                self._decode(event.audio, partials=partials)
            elif isinstance(event, UtteranceEnded):
                self._end_utterance(event)

    def _decode(self, audio: bytes, *, partials: bool) -> None:
        if not audio:
            return
        for at in range(0, len(audio), MAX_FEED_BYTES):
            self._decoder.process_raw(audio[at : at + MAX_FEED_BYTES], False, False)
        self._since_partial += len(audio)
        if self._since_partial >= PARTIAL_INTERVAL_MS * BYTES_PER_MS:
            self._since_partial = 0
            if partials:
                self._emit_partial()

    def _start_utterance(self, event: UtteranceStarted) -> None:
        self._order += 1
        self._utterance_start_ms = event.start_ms
        self._since_partial = 0
        self._last_partial = ""
        self._partial_sent = False
        self._decoder.start_utt()

    def _end_utterance(self, event: UtteranceEnded) -> None:
        self._decoder.end_utt()
        segments: Iterable[Any]
        # A cut utterance was fed past its end (the next one's first samples),
        # so its final must come from its own audio.
        if (self.redecode_finals or event.cut) and event.audio:
            # The whole utterance again, normalised by its own cepstral mean
            # (see OfflineModel.decode_final): the live pass is only for
            # partials.  With the pre-roll, it holds the first word's onset.
            try:
                segments = self._decode_final(event.audio, self._context_for(event))
            except FinalDecodeError as exc:
                # Keep the live pass's words (up to the cut): a caption a
                # little less accurate rather than a lost one.
                log.error("Final decode failed, keeping the live words of this line: %s", exc)
                last_frame = (event.end_ms - self._utterance_start_ms) // FRAME_MS
                segments = [seg for seg in self._decoder.seg() if seg.start_frame < last_frame]
        else:
            segments = self._decoder.seg()
        self._previous = event
        words = tuple(
            words_from_segments(segments, offset_ms=self._utterance_start_ms, limit_ms=event.end_ms)
        )
        text = " ".join(word.text for word in words)
        if text or self._partial_sent:
            # An empty final still goes out when a partial did, so the UI
            # drops the in-progress line of what turned out to be noise.
            self._listener.on_final(self._update(text, words, end_of_turn=True))

    def _context_for(self, event: UtteranceEnded) -> bytes:
        """For a short utterance, the end of the previous one if it was recent.

        Decoded alone, an utterance that begins mid-sentence (after a short
        pause, or at a forced cut) gives the language model no history, and
        its first words suffer; decoded after the words that led into it, they
        get their trigram context.  The context's own words are dropped.
        """
        previous = self._previous
        if not self.context_ms or previous is None:
            return b""
        if len(event.audio) >= self.context_below_ms * BYTES_PER_MS:
            return b""  # long enough to carry its own language-model context
        if event.start_ms - previous.end_ms > self.context_gap_ms:
            return b""
        keep = min(len(previous.audio), self.context_ms * BYTES_PER_MS)
        return previous.audio[len(previous.audio) - keep :]

    def _emit_partial(self) -> None:
        if self._decoder.hyp() is None:
            return
        words = self._words(limit_ms=self.audio_ms)
        text = " ".join(word.text for word in words)
        if not text or text == self._last_partial:
            return
        self._last_partial = text
        self._partial_sent = True
        self._listener.on_partial(self._update(text, words, end_of_turn=False))

    def _words(self, *, limit_ms: int) -> tuple[Word, ...]:  # of the live pass
        return tuple(
            words_from_segments(
                self._decoder.seg(),
                offset_ms=self._utterance_start_ms,
                limit_ms=limit_ms,
            )
        )

    def _update(self, text: str, words: tuple[Word, ...], *, end_of_turn: bool) -> TurnUpdate:
        return TurnUpdate(
            key=f"offline-{self._run}:{self._order}",
            order=self._order,
            text=text,
            words=words,
            end_of_turn=end_of_turn,
            formatted=False,
            source=self._source_label,
        )


class OfflineEngine(WorkerEngine):
    """PocketSphinx on a worker thread, speaking the common engine interface.

    ``realtime`` says whether the source is live.  When it is, partial
    hypotheses are skipped while decoding lags more than a second behind the
    audio (a slow machine catches up instead of falling further behind).
    When it is not (files, tests, the benchmark), every partial is computed,
    so the output depends only on the audio.
    """

    name = "offline"

    def __init__(
        self,
        listener: EngineListener,
        *,
        source_label: str = "",
        realtime: bool = True,
        model: OfflineModel | None = None,
        segmenter_options: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(listener)
        self._segmenter_options = dict(segmenter_options or {})
        self._source_label = source_label
        self._realtime = realtime
        self._model = model if model is not None else default_model()

    @property
    def model(self) -> OfflineModel:
        return self._model

    def _run(self, source: AudioSource) -> None:
        run = next(_run_ids)
        # The final-decode process loads its model while this run starts.
        self._model.run_started()
        try:
            self._run_with_model(source, run)
        finally:
            self._model.run_ended()

    def _run_with_model(self, source: AudioSource, run: int) -> None:
        if not self._model.loaded:
            self._listener.on_state(EngineState.LOADING, LOADING_DETAIL)
        try:
            decoder = self._model.acquire()
        except Exception as exc:  # missing or corrupt model files
            log.exception("Loading the offline model failed")
            self._listener.on_error(
                EngineError(ErrorKind.INTERNAL, f"The offline speech model could not load: {exc}")
            )
            return
        clean = False
        try:
            self._listen(source, decoder, run)
            clean = True
        finally:
            # A decoder that failed mid-utterance is dropped rather than pooled.
            if clean:
                self._model.release(decoder)

    def _listen(self, source: AudioSource, decoder: Decoder, run: int) -> None:
        recogniser = _Recogniser(
            decoder,
            self._listener,
            run=run,
            source_label=self._source_label,
            segmenter=UtteranceSegmenter(**self._segmenter_options),
            decode_final=self._model.decode_final,
        )
        try:
            source.open()
            self._listener.on_state(EngineState.LISTENING, "")
            self._pump(source, recogniser)
        except AudioError as exc:
            recogniser.finish()  # keep what was heard before the device failed
            self._listener.on_error(EngineError(ErrorKind.AUDIO, str(exc)))
        finally:
            source.close()

    def _pump(self, source: AudioSource, recogniser: _Recogniser) -> None:
        # Wall-clock origin of the session clock for lag estimation: with a
        # live source, audio arrives at wall speed, so wall time minus audio
        # consumed is the backlog.  A read that times out proves there is no
        # backlog, so the origin is reset there.
        origin = time.monotonic()
        while True:
            if self._stop_requested.is_set():
                self._listener.on_state(EngineState.STOPPING, "")
                break
            chunk = source.read(READ_TIMEOUT_S)
            if chunk is None:
                origin = time.monotonic() - recogniser.audio_ms / 1000
                continue
            if not chunk:
                break
            if len(chunk) % BYTES_PER_SAMPLE:
                self._listener.on_error(
                    EngineError(
                        ErrorKind.INTERNAL,
                        f"The audio source delivered a chunk of {len(chunk)} bytes, "
                        "which is not whole 16-bit samples.",
                    )
                )
                break
            partials = True
            if self._realtime:
                lag_ms = (time.monotonic() - origin) * 1000 - recogniser.audio_ms
                partials = lag_ms <= MAX_LAG_MS
            recogniser.feed(chunk, partials=partials)
        recogniser.finish()
