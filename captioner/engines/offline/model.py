"""The offline speech model: its settings and the processes that decode with it.

Building a :class:`~pocketsphinx.Decoder` reads the acoustic model, the
dictionary and the language model from disk (~0.5 s in one native call that
holds the GIL), and warming it up (:func:`warm_up`) is another ~0.8 s call.
None of that happens in the app's process: each run's live pass runs in a
recogniser process of its own (:mod:`~captioner.engines.offline.live_process`)
and finals in a shared final-decode process
(:mod:`~captioner.engines.offline.final_process`).  :class:`OfflineModel`
starts them: the GUI pre-starts a recogniser when the offline engine is chosen,
so its model loads while the user reaches for Start, and each process ends
with its run, so an idle app (or one captioning via the cloud) holds no
decoder.  The functions below that touch PocketSphinx run in those children.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from captioner.engines.offline import shared_model
from captioner.engines.offline.final_process import (
    FinalDecodeError,
    FinalDecodeProcess,
    Segment,
)
from captioner.engines.offline.live_process import LiveProcess

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
    "warm_up",
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
# Finals of noisy utterances (see final_process.NOISY_SNR_DB): PocketSphinx's
# own defaults, whose flat-lexicon second pass (fwdflat) and best-path search
# cost clean speech words (see DEFAULT_DECODER_PARAMS) but keep more of them
# under noise: measured with benchmarks/offline_engine.py on the LibriVox
# clips under white noise at 15 dB and music at 10 dB, where our settings lost
# to the plain decode on five clips of ten (the search cap, maxhmmpf, made no
# difference; fwdflat alone helped some clips and hurt others).  An utterance
# in that much noise is decoded as PocketSphinx alone would decode it; since
# 0c9e381 only one under steady noise: one under music, once its held notes
# are masked, keeps more words with the final settings (noisy.final_route).
NOISY_FINAL_PARAMS: Mapping[str, Any] = {
    "loglevel": "FATAL",  # and the defaults where ours differ: a second search (shared_model)
    "fwdflat": True,
    "bestpath": True,
    "maxhmmpf": 30000,
    "cmn": "batch",  # the model's own (its feat.params)
}


class OfflineModel:
    """One configuration of the offline recogniser, and the processes that run it.

    Each run gets a live recogniser process of its own
    (:class:`~captioner.engines.offline.live_process.LiveProcess`: the app's
    process never loads PocketSphinx); ``ensure_loaded_async`` starts one
    ahead of time (the GUI calls it when the offline engine is chosen) so
    its model loads while the user reaches for Start, and ``acquire`` hands
    that one out, or starts a new one.  ``release`` ends it: an idle app
    holds no decoder.  ``decoders_created`` counts the processes started.
    """

    def __init__(
        self,
        *,
        final_params: Mapping[str, Any] | None = None,
        noisy_params: Mapping[str, Any] | None = NOISY_FINAL_PARAMS,
        denoise: bool = True,
        **decoder_params: Any,
    ) -> None:
        self._params: dict[str, Any] = {**DEFAULT_DECODER_PARAMS, **decoder_params}
        # ``noisy_params`` (None: no separate path) decode noisy utterances'
        # finals (see final_process.NOISY_SNR_DB and NOISY_FINAL_PARAMS);
        # ``denoise`` filters steady background noise out of them first (see
        # the denoise module).
        # The final decoder: the same model and settings, with batch CMN and
        # whatever the final pass does differently (it runs in its own process,
        # so a slower, more thorough search costs the GUI nothing).
        self._final_params: dict[str, Any] = {
            **self._params,
            **DEFAULT_FINAL_PARAMS,
            **(final_params or {}),
        }
        self._lock = threading.Lock()
        self._spawning = threading.Lock()
        self._spare: LiveProcess | None = None  # started ahead of a run (preload)
        self._created = 0
        # Keep a recogniser pre-started between runs: set by ensure_loaded_async
        # (the offline engine is the user's choice), cleared by drop_spare.
        self._keep_spare = False
        # One decoder with batch cepstral-mean normalisation, shared by every
        # run for final decodes (see decode_final), in a child process so
        # that its long native calls never hold this process's GIL.
        self._finals = FinalDecodeProcess(self._final_params, noisy_params, denoise=denoise)
        # What makes a run's live decoder the final one, where the final worker
        # can be forked off it (one model in memory: see shared_model); None: it
        # loads a model of its own.
        self._final_change = shared_model.front_end_change(self._params, self._final_params)

    @property
    def params(self) -> dict[str, Any]:
        return dict(self._params)

    @property
    def final_params(self) -> dict[str, Any]:
        return dict(self._final_params)

    @property
    def loaded(self) -> bool:
        """True when a run can start without waiting for a model to load."""
        with self._lock:
            spare = self._spare
            return spare is not None and spare.ready

    @property
    def decoders_created(self) -> int:
        """How many live recogniser processes were started."""
        with self._lock:
            return self._created

    @property
    def spare_pid(self) -> int | None:
        """The process id of the pre-started recogniser, if one waits."""
        with self._lock:
            return self._spare.pid if self._spare is not None else None

    def load(self) -> None:
        """Block until a pre-started recogniser has loaded its model."""
        self._start_spare(keep=True)
        with self._lock:
            spare = self._spare
        if spare is not None:
            spare.wait_ready()

    def ensure_loaded_async(self) -> None:
        """Start a recogniser process ahead of the next run; never blocks long.

        Does nothing when one is already waiting, so the GUI may call it as
        often as it likes.  The model loads in the child, so the GIL here is
        never held for it; spawning it (importing the process plumbing,
        fork-exec) still took 41 ms at load 8, so that runs on a short-lived
        thread too.  Until drop_spare, a new one is pre-started after each run
        (see release).
        """
        with self._lock:
            self._keep_spare = True
        threading.Thread(
            target=self._start_spare, kwargs={"keep": False}, name="offline-model-load", daemon=True
        ).start()  # keep=False: a drop_spare before it runs wins

    def _start_spare(self, *, keep: bool) -> None:
        with self._spawning:  # one spawn at a time: never two spares
            self._start_spare_locked(keep=keep)

    def _start_spare_locked(self, *, keep: bool) -> None:
        """Pre-start a recogniser if one is wanted (``keep``: wanted from now on).

        Without ``keep`` it starts only while the engine is still chosen, so a
        preload or a run's end racing with :meth:`drop_spare` never leaves a
        recogniser (and its model's memory) behind.
        """
        with self._lock:
            if not (keep or self._keep_spare):
                return
            self._keep_spare = self._keep_spare or keep
            if self._spare is not None and self._spare.alive:
                return
            old, self._spare = self._spare, None
            new = self._new_process()
        if old is not None:
            old.close()
        try:
            new.start()  # outside the lock: acquire() never waits for a spawn
        except OSError:
            log.exception("Could not start the offline recogniser process")
            return
        with self._lock:
            if self._spare is None and self._keep_spare:
                self._spare = new
                return
        new.close()  # another caller pre-started one meanwhile, or drop_spare ran

    def drop_spare(self) -> None:
        """Stop the pre-started recogniser (the offline engine is no longer chosen)."""
        with self._lock:
            self._keep_spare = False
            spare, self._spare = self._spare, None
        if spare is not None:
            spare.close(kill=True)  # it may be mid-load; it holds nothing of value

    def acquire(self) -> LiveProcess:
        """A live recogniser for one run: the pre-started one, or a new one.

        The process may still be loading its model; ``LiveProcess.begin``
        waits for it (in a pipe read, without the GIL).
        """
        with self._lock:
            process, self._spare = self._spare, None
        if process is None or not process.alive:
            if process is not None:
                process.close()
            with self._lock:
                process = self._new_process()
            process.start()
        return process

    def release(self, process: LiveProcess) -> None:
        """A run is over: end its recogniser process.

        While the offline engine stays chosen (see ensure_loaded_async), a
        fresh one is pre-started for the next Start: a recogniser is not
        reused, so each run starts from the same warmed-up state (the same
        audio gives the same words) and a crashed one never carries over.
        """
        process.close()
        with self._lock:
            keep = self._keep_spare
        if keep:
            self._start_spare(keep=False)  # on the engine thread, which is ending

    def _new_process(self) -> LiveProcess:  # called with self._lock held
        self._created += 1
        return LiveProcess(self._params)

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
        """An engine run begins: have the final-decode process ready for it.

        Where it can be forked off the run's live recogniser, that happens in
        :meth:`share_model`, once the run has one; else it starts loading now.
        """
        self._finals.acquire(start=self._final_change is None)

    def share_model(self, live: LiveProcess) -> None:
        """Fork the final-decode worker off ``live`` if none runs (before ``live.begin``)."""
        change = self._final_change
        if change is not None:
            self._finals.adopt(
                lambda params, noisy, denoise: live.fork_final(change, params, noisy, denoise)
            )

    def run_ended(self) -> None:
        """An engine run ended: the final-decode process may stop soon after."""
        self._finals.release()

    def close(self) -> None:
        """Stop the final-decode process and any pre-started recogniser now."""
        self.drop_spare()
        self._finals.close()


def warm_up(decoder: Decoder) -> str:
    """Give a new decoder a speech-like channel estimate; return it (in a child process).

    The model's built-in cepstral-mean prior (``cmninit`` 40,3,-1) is far
    from real speech through a real microphone (C0 near 60), and it carries
    the weight of five seconds of speech.  A decoder that starts from it
    decodes its first utterances badly twice over: the live pass is off, and
    the final re-decode inherits the half-adapted estimate the live pass
    leaves.  (A plain whole-file decode does not suffer: it normalises by the
    file's own mean.)  Decoding the bundled 3-second speech clip once puts
    the estimate where speech is; each run's recogniser process does it
    once, after loading, and then adapts to its own channel.
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

    from captioner.engines.offline.vocabulary import with_trimmed_dictionary

    # The same words and scores in 12.7 MB less (see the vocabulary module).
    return Decoder(**with_trimmed_dictionary(params))


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
    """Pre-start a recogniser for the shared model (the offline engine was chosen)."""
    default_model().ensure_loaded_async()


def release_preloaded() -> None:
    """Another engine was chosen: end the pre-started recogniser, if any."""
    if _default_model is not None:
        _default_model.drop_spare()
