"""The offline speech model: a process-wide pool of PocketSphinx decoders.

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

import logging
import threading
import time
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from captioner.engines.offline.final_process import (
    FinalDecodeError,
    FinalDecodeProcess,
    Segment,
)

if TYPE_CHECKING:  # the extension module is imported lazily (see new_decoder)
    from pocketsphinx import Decoder

__all__ = [
    "DEFAULT_DECODER_PARAMS",
    "DEFAULT_FINAL_PARAMS",
    "NOISY_FINAL_PARAMS",
    "FinalDecodeError",
    "OfflineModel",
    "Segment",
    "default_model",
    "new_decoder",
    "preload",
    "restart_stream",
]

log = logging.getLogger(__name__)

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

# What the final decoder does differently: normalise by the utterance's own
# cepstral mean (see OfflineModel.decode_final).
DEFAULT_FINAL_PARAMS: Mapping[str, Any] = {"cmn": "batch"}
# Finals of noisy utterances (see final_process.NOISY_SNR_DB), when a model is
# given them: PocketSphinx's own defaults.  Off by default: measured with
# benchmarks/offline_engine.py --noisy, they lost fewer words on the clips
# under white noise at 15 dB (77.5 % -> 71.8 % WER) and music at 10 dB
# (53.5 % -> 50.7 %) but more on the 5-minute file with music at 15 dB
# (37.4 % -> 40.0 %, worse than the plain decode's 38.8 %), a net loss of words;
# the SNR estimate cannot tell those apart (18-20.5 dB for all three).
NOISY_FINAL_PARAMS: Mapping[str, Any] = {"loglevel": "FATAL"}


class OfflineModel:
    """Process-wide pool of PocketSphinx decoders built from one configuration.

    ``ensure_loaded_async`` builds the first decoder on a background thread
    (the GUI calls it at start-up); ``acquire`` hands out an idle decoder,
    waits for one that is being preloaded, or builds a new one on the calling
    (worker) thread when every decoder is busy.  ``decoders_created`` counts
    builds so tests can check that a second run reuses the model.
    """

    def __init__(
        self,
        *,
        final_params: Mapping[str, Any] | None = None,
        noisy_params: Mapping[str, Any] | None = None,
        **decoder_params: Any,
    ) -> None:
        self._params: dict[str, Any] = {**DEFAULT_DECODER_PARAMS, **decoder_params}
        # ``noisy_params`` (None: no separate path) decode noisy utterances'
        # finals (see final_process.NOISY_SNR_DB).
        # The final decoder: the same model and settings, with batch CMN and
        # whatever the final pass does differently (it runs in its own process,
        # so a slower, more thorough search costs the GUI nothing).
        self._final_params: dict[str, Any] = {
            **self._params,
            **DEFAULT_FINAL_PARAMS,
            **(final_params or {}),
        }
        self._cond = threading.Condition()
        self._idle: list[Decoder] = []
        self._pending = 0  # decoders being built for the pool (preload)
        self._building = 0  # decoders being built for a caller of acquire()
        self._created = 0
        self._load_seconds: float | None = None
        self._initial_cmn: str | None = None
        # One decoder with batch cepstral-mean normalisation, shared by every
        # run for final decodes (see decode_final), in a child process so
        # that its long native calls never hold this process's GIL.
        self._finals = FinalDecodeProcess(self._final_params, noisy_params)

    @property
    def params(self) -> dict[str, Any]:
        return dict(self._params)

    @property
    def final_params(self) -> dict[str, Any]:
        return dict(self._final_params)

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

    @property
    def finals(self) -> FinalDecodeProcess:
        """The process that decodes finished utterances (see decode_final)."""
        return self._finals

    def decode_final(self, audio: bytes, context: bytes = b"") -> list[Segment]:
        """Decode one whole utterance as PocketSphinx decodes a file; its words.

        A live decoder normalises each frame by a running cepstral mean that
        lags behind a new speaker or channel for seconds; decoding a whole
        utterance with *batch* normalisation (the utterance's own mean) is
        what PocketSphinx does with a file, and on short utterances from new
        speakers it is clearly better (benchmarks/offline_engine.py).  A
        decoder configured for batch normalisation switches to live for good
        the first time it is fed audio in pieces, so finals get a decoder of
        their own.  It is shared rather than paired with each live decoder
        (finals are short and rare, and a decoder costs ~90 MB), and it runs
        in a child process (:mod:`~captioner.engines.offline.final_process`):
        a decode holds the GIL for about a second, which froze the GUI.
        ``context``, the audio just before, gives the language model the words
        that lead into the utterance (see FinalDecodeProcess.decode).
        Raises :class:`FinalDecodeError` when that process cannot answer.
        Call from a worker thread: it blocks (without the GIL) until done.
        """
        return self._finals.decode(audio, context)

    def run_started(self) -> None:
        """An engine run begins: have the final-decode process ready for it."""
        self._finals.acquire()

    def run_ended(self) -> None:
        """An engine run ended: the final-decode process may stop soon after."""
        self._finals.release()

    def close(self) -> None:
        """Stop the final-decode process now (decoders here are freed by the GC)."""
        self._finals.close()

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
        decoder = new_decoder(self._params)
        elapsed = time.perf_counter() - started
        with self._cond:
            self._created += 1
            if self._load_seconds is None:
                self._load_seconds = elapsed
        cmn = _warm_up(decoder)
        with self._cond:
            if self._initial_cmn is None:
                self._initial_cmn = cmn
        log.info("Offline decoder built in %.2f s", elapsed)
        return decoder

    def _reset(self, decoder: Decoder) -> None:
        # A new run may listen to a different source: start from the model's
        # initial channel estimate, as a new decoder would, and forget what
        # the front end learnt from the last run.
        if self._initial_cmn is not None:
            decoder.set_cmn(self._initial_cmn)
        restart_stream(decoder)


def _warm_up(decoder: Decoder) -> str:
    """Give a new decoder a speech-like channel estimate; return it.

    The model's built-in cepstral-mean prior (``cmninit`` 40,3,-1) is far
    from real speech through a real microphone (C0 near 60), and it carries
    the weight of five seconds of speech.  A decoder that starts from it
    decodes its first utterances badly twice over: the live pass is off, and
    the final re-decode inherits the half-adapted estimate the live pass
    leaves.  (A plain whole-file decode does not suffer: it normalises by the
    file's own mean.)  Decoding the bundled 3-second speech clip once puts
    the estimate where speech is; each run then starts from there
    (``OfflineModel._reset``) and adapts to its own channel.
    """
    from importlib import resources

    try:
        clip = resources.files("captioner.resources").joinpath("selftest.wav").read_bytes()
    except (FileNotFoundError, ModuleNotFoundError, OSError):
        log.warning("No warm-up clip; the offline model starts from its generic channel estimate")
        return decoder.get_cmn()
    pcm = clip[_wav_data_offset(clip) :]
    decoder.start_utt()
    decoder.process_raw(pcm, False, True)
    decoder.end_utt()
    cmn = decoder.get_cmn()
    restart_stream(decoder)
    return cmn


def _wav_data_offset(wav: bytes) -> int:
    """Where the samples of a canonical RIFF/WAVE file begin (after its data header)."""
    at = wav.find(b"data", 12)
    return at + 8 if at >= 0 else 44


def restart_stream(decoder: Decoder) -> None:
    """Forget what the feature front end learnt from earlier audio.

    After ``start_stream`` the next utterance is normalised as a fresh
    decoder would do it: decoded whole (``full_utt``), its cepstral mean is
    the utterance's own.  ``set_cmn`` cannot do that: it imposes an
    estimate *with the weight of five seconds of speech*, and a live pass
    leaves an estimate that is still far from a new channel's.  PocketSphinx
    5 marks the call deprecated ("unnecessary") but it still resets that
    state, which benchmarks/offline_engine.py shows matters (see README).
    """
    start_stream = getattr(decoder, "start_stream", None)
    if start_stream is None:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        start_stream()


def new_decoder(params: Mapping[str, Any]) -> Decoder:
    """A PocketSphinx decoder with ``params`` (loads the model: slow, holds the GIL)."""
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
