"""Offline recognition with PocketSphinx: no network, no account, modest accuracy.

The engine runs entirely on a worker thread.  Audio arrives as 50 ms chunks
of 16 kHz mono s16le; a PocketSphinx :class:`~pocketsphinx.Endpointer` (a
VAD with a short decision window) cuts the stream into utterances, and each
utterance is decoded incrementally so partial captions appear while someone
speaks.  At each endpoint the decoder's second pass produces the final text
with word timings.

Building a :class:`~pocketsphinx.Decoder` reads the acoustic model, the
dictionary and the language model from disk, which is slow enough (a quarter
of a second warm, more from a cold disk cache) that it must never happen on
the GUI thread and should happen once.  :class:`OfflineModel` owns a small
pool of decoders: the GUI preloads the first one in the background at
start-up, each run borrows one and gives it back, and only engines that run
at the same time (one per audio source in call mode) cause extra decoders to
be built, because a PocketSphinx decoder cannot be shared between threads.
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
import time
from collections.abc import Iterable, Mapping
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

if TYPE_CHECKING:  # the extension module is imported lazily (see _new_decoder)
    from pocketsphinx import Decoder, Endpointer

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
BYTES_PER_SAMPLE = 2
BYTES_PER_MS = SAMPLE_RATE * BYTES_PER_SAMPLE // 1000
FRAME_MS = 10  # PocketSphinx runs at 100 frames per second (-frate 100)

# A partial at least this often (in audio time) while someone speaks: often
# enough that captions feel live, rare enough that hyp() stays cheap.
PARTIAL_INTERVAL_MS = 250
# How long one read may block; bounds how late a stop request is noticed.
READ_TIMEOUT_S = 0.1
# In real-time mode, skip partial hypotheses while decoding is this far behind
# the audio so the captions catch up instead of drifting further back.
MAX_LAG_MS = 1_000

LOADING_DETAIL = "Loading offline model…"

# Decoder settings, chosen with benchmarks/offline_engine.py.  The forward
# flat-lexicon and best-path passes that PocketSphinx runs at end_utt() by
# default cost time and, on our clips, made the words *worse*.  Capping active
# HMMs per frame (default 30000) at 5000 cut the time by a quarter with the
# same words; tighter caps or beams started losing words.  The log output is
# silenced because it goes straight to the C stderr.
DEFAULT_DECODER_PARAMS: Mapping[str, Any] = {
    "loglevel": "FATAL",
    "fwdflat": False,
    "bestpath": False,
    "maxhmmpf": 5000,
}

# Run ids are unique in the process, not per engine: two engines running at
# once (one per source in call mode) must never produce the same turn key.
_run_ids = itertools.count(1)

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


class OfflineModel:
    """Process-wide pool of PocketSphinx decoders built from one configuration.

    ``ensure_loaded_async`` builds the first decoder on a background thread
    (the GUI calls it at start-up); ``acquire`` hands out an idle decoder,
    waits for one that is being preloaded, or builds a new one on the calling
    (worker) thread when every decoder is busy.  ``decoders_created`` counts
    builds so tests can check that a second run reuses the model.
    """

    def __init__(self, **decoder_params: Any) -> None:
        self._params: dict[str, Any] = {**DEFAULT_DECODER_PARAMS, **decoder_params}
        self._cond = threading.Condition()
        self._idle: list[Decoder] = []
        self._pending = 0  # decoders being built for the pool (preload)
        self._building = 0  # decoders being built for a caller of acquire()
        self._created = 0
        self._initial_cmn: str | None = None
        self._load_seconds: float | None = None

    @property
    def params(self) -> dict[str, Any]:
        return dict(self._params)

    @property
    def loaded(self) -> bool:
        """True once a decoder exists, i.e. a run can start without loading."""
        with self._cond:
            return self._created > 0

    @property
    def decoders_created(self) -> int:
        with self._cond:
            return self._created

    @property
    def load_seconds(self) -> float | None:
        """How long building the first decoder took (for the benchmark)."""
        return self._load_seconds

    def load(self) -> None:
        """Block until at least one decoder exists (building it if needed)."""
        self.release(self.acquire())

    def ensure_loaded_async(self) -> None:
        """Start building the first decoder in the background; never blocks.

        Does nothing when a decoder exists or is already being built, so the
        GUI may call it as often as it likes.
        """
        with self._cond:
            if self._created > 0 or self._pending > 0 or self._building > 0:
                return
            self._pending += 1
        threading.Thread(target=self._preload, name="offline-model-load", daemon=True).start()

    def acquire(self) -> Decoder:
        """Borrow a decoder with fresh adaptation state; build one if none is idle.

        Call from a worker thread: this may take a noticeable time.
        """
        with self._cond:
            while not self._idle and self._pending > 0:
                self._cond.wait()  # a preload is under way; it is cheaper to wait
            if self._idle:
                decoder = self._idle.pop()
                self._reset(decoder)
                return decoder
            self._building += 1
        try:
            return self._build()
        finally:
            with self._cond:
                self._building -= 1

    def release(self, decoder: Decoder) -> None:
        """Give a decoder back.  It must not be in the middle of an utterance."""
        with self._cond:
            self._idle.append(decoder)
            self._cond.notify_all()

    def _preload(self) -> None:
        try:
            decoder = self._build()
        except Exception:
            # The run that needs the model will try again and report the error.
            log.exception("Preloading the offline model failed")
            with self._cond:
                self._pending -= 1
                self._cond.notify_all()
            return
        with self._cond:
            self._pending -= 1
            self._idle.append(decoder)
            self._cond.notify_all()

    def _build(self) -> Decoder:
        started = time.perf_counter()
        decoder = _new_decoder(self._params)
        elapsed = time.perf_counter() - started
        with self._cond:
            self._created += 1
            if self._initial_cmn is None:
                self._initial_cmn = decoder.get_cmn()
                self._load_seconds = elapsed
        log.info("Offline decoder built in %.2f s", elapsed)
        return decoder

    def _reset(self, decoder: Decoder) -> None:
        # Live cepstral-mean normalisation adapts to the channel it heard last;
        # a new run may listen to a different source, so start from the
        # model's initial estimate (runs are then also reproducible).
        if self._initial_cmn is not None:
            decoder.set_cmn(self._initial_cmn)


def _new_decoder(params: Mapping[str, Any]) -> Decoder:
    # Imported here so that importing the engine module (e.g. to list
    # engines in the settings dialog) does not load the extension.
    from pocketsphinx import Decoder

    return Decoder(**params)


_default_model: OfflineModel | None = None
_default_model_lock = threading.Lock()


def default_model() -> OfflineModel:
    """The shared model every engine uses unless it is given another one."""
    global _default_model
    with _default_model_lock:
        if _default_model is None:
            _default_model = OfflineModel()
        return _default_model


def preload() -> None:
    """Start loading the shared model in the background (call at start-up)."""
    default_model().ensure_loaded_async()


class _Recogniser:
    """One run's utterance tracking: endpointer in, turn updates out.

    Keeps the session clock by counting the bytes it is given, so word times
    are right whether audio arrives in real time or as fast as a file reads.
    """

    redecode_finals = True  # see _end_utterance; the benchmark can turn it off

    def __init__(
        self,
        decoder: Decoder,
        listener: EngineListener,
        *,
        run: int,
        source_label: str,
    ) -> None:
        from pocketsphinx import Endpointer

        self._decoder = decoder
        self._listener = listener
        self._run = run
        self._source_label = source_label
        self._endpointer: Endpointer = Endpointer(sample_rate=SAMPLE_RATE)
        self._frame_bytes: int = self._endpointer.frame_bytes
        self._buffer = bytearray()
        self._consumed_bytes = 0  # the session clock, in bytes of audio
        self._order = -1
        self._in_utterance = False
        self._utterance_start_ms = 0
        self._since_partial = 0
        self._last_partial = ""
        self._partial_sent = False
        self._speech = bytearray()  # the utterance so far, for the final pass

    @property
    def audio_ms(self) -> int:
        """Milliseconds of audio consumed since the run started."""
        return self._consumed_bytes // BYTES_PER_MS

    @property
    def in_utterance(self) -> bool:
        return self._in_utterance

    def feed(self, chunk: bytes, *, partials: bool = True) -> None:
        """Consume one chunk; emit partials and finals as utterances progress."""
        self._consumed_bytes += len(chunk)
        self._buffer += chunk
        frame_bytes = self._frame_bytes
        # Keep at least one byte back: end_stream() must get the last (possibly
        # full) frame, since it refuses an empty one and process() would leave
        # the endpointer's look-ahead window unflushed.
        while len(self._buffer) > frame_bytes:
            frame = bytes(self._buffer[:frame_bytes])
            del self._buffer[:frame_bytes]
            self._handle(self._endpointer.process(frame), partials=partials)

    def finish(self) -> None:
        """Flush the endpointer and end the utterance in progress (its final)."""
        if self._buffer:
            speech = self._endpointer.end_stream(bytes(self._buffer))
            self._buffer.clear()
            self._handle(speech, partials=False)
        if self._in_utterance:
            self._end_utterance()

    def _handle(self, speech: bytes | None, *, partials: bool) -> None:
        if speech is not None:
            if not self._in_utterance:
                self._start_utterance()
            self._decoder.process_raw(speech, False, False)
            self._speech += speech
            self._since_partial += len(speech)
            if self._since_partial >= PARTIAL_INTERVAL_MS * BYTES_PER_MS:
                self._since_partial = 0
                if partials:
                    self._emit_partial()
        if self._in_utterance and not self._endpointer.in_speech:
            self._end_utterance()

    def _start_utterance(self) -> None:
        self._order += 1
        self._in_utterance = True
        # The endpointer reports speech with a look-ahead delay; speech_start
        # is where the returned audio begins, on its sample-counted clock,
        # which starts with this run just like ours.
        self._utterance_start_ms = round(self._endpointer.speech_start * 1000)
        self._since_partial = 0
        self._last_partial = ""
        self._partial_sent = False
        self._speech.clear()
        self._decoder.start_utt()

    def _end_utterance(self) -> None:
        self._in_utterance = False
        self._decoder.end_utt()
        if self.redecode_finals and self._speech:
            # Decode the whole utterance again with full_utt=True: cepstral
            # mean normalisation then uses the utterance's own mean instead of
            # the live estimate, which starts from the model's generic prior
            # and needs seconds of speech to settle.  On the LibriVox clips
            # this takes the WER from ~34 % to ~24 % for ~0.1 x real time more.
            # It also leaves the live estimate adapted for the next utterance.
            self._decoder.start_utt()
            self._decoder.process_raw(bytes(self._speech), False, True)
            self._decoder.end_utt()
        self._speech.clear()
        words = self._words()
        text = " ".join(word.text for word in words)
        if text or self._partial_sent:
            # An empty final still goes out when a partial did, so the UI
            # drops the in-progress line of what turned out to be noise.
            self._listener.on_final(self._update(text, words, end_of_turn=True))

    def _emit_partial(self) -> None:
        if self._decoder.hyp() is None:
            return
        words = self._words()
        text = " ".join(word.text for word in words)
        if not text or text == self._last_partial:
            return
        self._last_partial = text
        self._partial_sent = True
        self._listener.on_partial(self._update(text, words, end_of_turn=False))

    def _words(self) -> tuple[Word, ...]:
        return tuple(
            words_from_segments(
                self._decoder.seg(),
                offset_ms=self._utterance_start_ms,
                limit_ms=self.audio_ms,
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
    ) -> None:
        super().__init__(listener)
        self._source_label = source_label
        self._realtime = realtime
        self._model = model if model is not None else default_model()

    @property
    def model(self) -> OfflineModel:
        return self._model

    def _run(self, source: AudioSource) -> None:
        run = next(_run_ids)
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
        recogniser = _Recogniser(decoder, self._listener, run=run, source_label=self._source_label)
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
