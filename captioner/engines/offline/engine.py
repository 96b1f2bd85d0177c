"""Offline recognition with PocketSphinx: no network, no account, modest accuracy.

The engine's thread only moves bytes and events: PocketSphinx runs in child
processes, because its binding holds the GIL for every native call (issue
11) and its model costs ~90 MB (issue 14).  Audio arrives as 50 ms chunks of
16 kHz mono s16le and goes to the run's recogniser process
(:mod:`~captioner.engines.offline.live_process`), where an
:class:`~captioner.engines.offline.utterances.UtteranceSegmenter` cuts the
stream into utterances (with a pre-roll before each, so first words are not
lost, and a cut at the quietest word boundary when someone never pauses) and each
utterance is decoded incrementally so partial captions appear while someone
speaks.  At each end the whole utterance is decoded again, in the shared
final-decode process, for the final text and word timings; a thread of the
run's own waits for that (:mod:`~captioner.engines.offline.in_order`), so the
live pass never does.  Both processes come from the
:class:`~captioner.engines.offline.model.OfflineModel`.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from captioner.audio.errors import AudioError
from captioner.core.transcript import TurnUpdate, Word
from captioner.engines.base import (
    AudioSource,
    EngineError,
    EngineListener,
    EngineNotice,
    EngineState,
    ErrorKind,
    WorkerEngine,
    report_notice,
)
from captioner.engines.call_labels import watch_call_source
from captioner.engines.offline.casing import Spellings, cased_words
from captioner.engines.offline.in_order import InOrder
from captioner.engines.offline.lines import Line, UtteranceEnded, context_before
from captioner.engines.offline.live_process import (
    BYTES_PER_MS,
    MAX_FEED_BYTES,  # noqa: F401  (re-exported for tests and the benchmark)
    PARTIAL_INTERVAL_MS,  # noqa: F401
    LiveProcess,
    LiveProcessError,
)
from captioner.engines.offline.model import (
    DEFAULT_DECODER_PARAMS,
    FinalDecodeError,
    OfflineModel,
    Segment,
    default_model,
    preload,
)
from captioner.engines.offline.words import clean_word, words_from_segments

# Not imported from .utterances: that module needs numpy and PocketSphinx,
# which only the recogniser process loads.
BYTES_PER_SAMPLE = 2

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


# PARTIAL_INTERVAL_MS and MAX_FEED_BYTES (imported above) pace the live pass,
# which runs in the recogniser process (see live_process).
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
FINAL_FAILED = "Finished lines could not be checked again: they keep the live words."

# Run ids are unique in the process, not per engine: two engines running at
# once (one per source in call mode) must never produce the same turn key.
_run_ids = itertools.count(1)


class _Recogniser:
    """One run's utterances: PCM to the recogniser process, its events to turn updates.

    The live pass (endpointer, segmenter, live decoder) runs in ``live``, a
    child process; this side only moves bytes and events (no GIL-heavy
    work) and builds the turn updates; each finished utterance's words come
    from the final-decode process, asked on the run's finals thread.  The
    child keeps the session clock (bytes fed), so word times are right
    whether audio arrives in real time or as fast as a file reads.
    """

    redecode_finals = True  # see _final; the benchmark can turn it off
    # The final of an utterance is decoded with this much of the audio before
    # it (when that ended at most context_gap_ms earlier): see _end_utterance.
    context_ms = FINAL_CONTEXT_MS
    context_below_ms = FINAL_CONTEXT_BELOW_MS
    context_gap_ms = FINAL_CONTEXT_GAP_MS

    def __init__(
        self,
        live: LiveProcess,
        listener: EngineListener,
        *,
        run: int,
        source_label: str,
        decode_final: Callable[[bytes, bytes], Iterable[Any]] | None = None,
        spellings: Spellings | None = None,
    ) -> None:
        self._live = live
        self._spellings = spellings or Spellings()
        self._decode_final = decode_final or default_model().decode_final
        self._listener = listener
        self._run = run
        self._source_label = source_label
        self._fed = 0  # bytes sent to the child: the session clock, for lag
        self._order = -1
        self._utterance_start_ms = 0
        self._last_partial = ""
        self._partial_sent = False
        self._previous: UtteranceEnded | None = None
        self._mid_sentence: set[int] = set()  # lines begun at a forced cut (see casing)
        self._finals = InOrder(f"offline-finals-{run}")
        self._told_final_failed = False  # said once a run, as a notice

    @property
    def audio_ms(self) -> int:
        """Milliseconds of audio sent since the run started."""
        return self._fed // BYTES_PER_MS

    def feed(self, chunk: bytes, *, partials: bool = True) -> None:
        """Consume one chunk; emit partials and finals as utterances progress.

        Raises :class:`LiveProcessError` when the recogniser process fails.
        """
        self._fed += len(chunk)
        self._handle(self._live.feed(chunk, partials=partials))

    def finish(self) -> None:
        """Flush the segmenter and end the utterance in progress (its final)."""
        self._handle(self._live.finish())

    def close(self) -> None:
        """Wait for the finals still being decoded: they are reported before the run ends."""
        self._finals.close()

    def _handle(self, events: Iterable[tuple[Any, ...]]) -> None:
        for event in events:
            kind = event[0]
            if kind == "start":
                self._start_utterance(event[1])
            elif kind == "partial":
                self._emit_partial([Segment(*row) for row in event[1]], limit_ms=event[2])
            elif kind == "end":
                start_ms, end_ms, audio, cut, rows = event[1:]
                live = [Segment(*row) for row in rows]
                self._end_utterance(UtteranceEnded(start_ms, end_ms, audio, cut), live)

    def _start_utterance(self, start_ms: int) -> None:
        self._order += 1
        if self._previous is not None and self._previous.cut:
            self._mid_sentence.add(self._order)  # no pause: the sentence goes on
        self._utterance_start_ms = start_ms
        self._last_partial = ""
        self._partial_sent = False

    def _end_utterance(self, event: UtteranceEnded, live: list[Segment]) -> None:
        """Hand the utterance to the finals thread; the live pass goes straight on."""
        context = self._context_for(event)
        self._previous = event
        line = Line(event, live, context, self._utterance_start_ms, self._order, self._partial_sent)
        if event.cut and line.partial_sent:
            self._trim_to_cut(line)
        self._finals.submit(lambda: self._final(line))

    def _trim_to_cut(self, line: Line) -> None:
        """The cut line in progress loses its words past the cut while its final is decoded:
        the live decoder ran past the cut to find a word boundary, so its last partial held
        the next line's first words, and both lines read them until the final came."""
        words = line.live_words()
        text = " ".join(word.text for word in words)
        if text and text != self._last_partial:
            self._listener.on_partial(self._update(words, end_of_turn=False, order=line.order))

    def _final(self, line: Line) -> None:
        """One utterance's final, on the finals thread (see :mod:`.in_order`)."""
        event = line.event
        words: tuple[Word, ...]
        # A cut utterance was fed past its end: its final must come from its own audio.
        if (self.redecode_finals or event.cut) and event.audio:
            # The whole utterance again, normalised by its own cepstral mean
            # (see OfflineModel.decode_final): the live pass is only for
            # partials.  With the pre-roll, it holds the first word's onset.
            try:
                words = line.words(self._decode_final(event.audio, line.context))
            except FinalDecodeError as exc:
                # The live pass's words (up to the cut): less accurate, not lost.
                log.error("Final decode failed, keeping the live words of this line: %s", exc)
                if not self._told_final_failed:
                    self._told_final_failed = True
                    report_notice(self._listener, EngineNotice(FINAL_FAILED, str(exc)))
                words = line.live_words()
        else:
            words = line.words(line.live)
        text = " ".join(word.text for word in words)
        if text or line.partial_sent:
            # An empty final still goes out when a partial did, so the UI
            # drops the in-progress line of what turned out to be noise.
            self._listener.on_final(self._update(words, end_of_turn=True, order=line.order))

    def _context_for(self, event: UtteranceEnded) -> bytes:
        """For a short utterance, the end of the previous one if it was recent."""
        return context_before(
            event,
            self._previous,
            keep_ms=self.context_ms,
            below_ms=self.context_below_ms,
            gap_ms=self.context_gap_ms,
        )

    def _emit_partial(self, segments: list[Segment], *, limit_ms: int) -> None:
        words = tuple(
            words_from_segments(segments, offset_ms=self._utterance_start_ms, limit_ms=limit_ms)
        )
        text = " ".join(word.text for word in words)
        if not text or text == self._last_partial:
            return
        self._last_partial = text
        self._partial_sent = True
        self._listener.on_partial(self._update(words, end_of_turn=False))

    def _update(
        self, words: tuple[Word, ...], *, end_of_turn: bool, order: int | None = None
    ) -> TurnUpdate:
        """The update for line ``order`` (the one in progress by default): its words,
        cased once, and its text made of them (cues and views read the same words)."""
        order = self._order if order is None else order
        words = cased_words(
            words, starts_sentence=order not in self._mid_sentence, typed=self._spellings.typed
        )
        return TurnUpdate(
            key=f"offline-{self._run}:{order}",
            order=order,
            text=" ".join(word.text for word in words),
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
    so the output depends only on the audio.  ``spellings``: the user's names.
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
        spellings: Spellings | None = None,
    ) -> None:
        super().__init__(listener)
        self._spellings = spellings or Spellings()
        self._segmenter_options = dict(segmenter_options or {})
        self._source_label = source_label
        self._realtime = realtime
        self._model = model if model is not None else default_model()

    def set_names(self, names: Sequence[str]) -> None:
        self._spellings.set(names)  # see TakesNames

    @property
    def model(self) -> OfflineModel:
        return self._model

    def _run(self, source: AudioSource) -> None:
        run = next(_run_ids)
        watch_call_source(source, self._listener)  # the input away and back
        self._model.run_started()  # the final decoder loads its model while this run starts
        try:
            self._run_with_model(source, run)
        finally:
            self._model.run_ended()

    def _run_with_model(self, source: AudioSource, run: int) -> None:
        if not self._model.loaded:
            self._listener.on_state(EngineState.LOADING, LOADING_DETAIL)
        live: LiveProcess | None = None
        try:
            live = self._model.acquire()
            self._model.share_model(live)  # the final decoder, forked off its model
            live.begin(self._segmenter_options)  # waits for its model without the GIL
        except (LiveProcessError, OSError) as exc:  # missing or corrupt model files
            log.error("Loading the offline model failed: %s", exc)
            if live is not None:
                live.close()
            self._listener.on_error(
                EngineError(ErrorKind.INTERNAL, f"The offline speech model could not load: {exc}")
            )
            return
        try:
            self._listen(source, live, run)
        finally:
            self._model.release(live)

    def _listen(self, source: AudioSource, live: LiveProcess, run: int) -> None:
        recogniser = _Recogniser(
            live,
            self._listener,
            run=run,
            source_label=self._source_label,
            decode_final=self._model.decode_final,
            spellings=self._spellings,
        )
        try:
            source.open()
            self._listener.on_state(EngineState.LISTENING, "")
            self._pump(source, recogniser)
            recogniser.finish()
        except AudioError as exc:
            with contextlib.suppress(LiveProcessError):
                recogniser.finish()  # keep what was heard before the device failed
            self._listener.on_error(EngineError(ErrorKind.AUDIO, str(exc)))
        except LiveProcessError as exc:
            # The captions already shown stay; the run ends with a clear message.
            log.error("Offline recognition stopped: %s", exc)
            self._listener.on_error(
                EngineError(
                    ErrorKind.INTERNAL,
                    f"Offline captions stopped: the speech recogniser failed ({exc}). "
                    "Press Start to go on.",
                )
            )
        finally:
            recogniser.close()  # every final out before the run ends
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
