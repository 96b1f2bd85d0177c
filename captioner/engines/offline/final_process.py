"""Final decodes in a process of their own, so the app's threads never wait on them.

A finished utterance is decoded again, whole, with batch cepstral-mean
normalisation (see :meth:`OfflineModel.decode_final`).  PocketSphinx's Python
binding holds the GIL for the whole of a native call, and a final decode of a
few seconds of speech takes about a second: run on an engine thread, it froze
the GUI thread for as long (measured with ``benchmarks/gui_stalls.py``: stalls
of 1.1-1.3 s per finished utterance and at Stop).  So the batch decoder lives
in a child process: the engine thread sends it the utterance's PCM and waits
for the words *without* the GIL (a blocking pipe read).

Lifetime.  On Linux the worker is forked off the run's live recogniser once
its model is loaded (:mod:`~captioner.engines.offline.shared_model`).
Elsewhere, or when that fails, it starts as a new interpreter (never a fork of
the app, which runs Qt and audio threads; see
:mod:`~captioner.engines.offline.child`) as an offline run begins, and loads
its model (~1.5 s) while the first utterance is spoken.  It stops when the
last run ends, so an idle app holds no second decoder (issue 14), and by
itself when its pipe closes: even a killed app leaves no orphan behind.

Failure.  If the process dies or stops answering, :meth:`FinalDecodeProcess.decode`
raises :class:`FinalDecodeError` (the caller falls back to the live pass's
words, so nothing is lost), and the next utterance starts a new process.  After
:data:`MAX_FAILURES` failures in a row it is not restarted any more.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import threading
import weakref
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from captioner.engines.offline.child import ChildProcess, leave_signals_to_the_parent
from captioner.process_name import OFFLINE_FINAL

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

log = logging.getLogger(__name__)

# Makes a final-decode worker off a loaded model:
# (final params, noisy_params, denoise) → (process, pipe).
Fork = Callable[[Mapping[str, Any], Mapping[str, Any] | None, bool], tuple[Any, "Connection"]]

# Spawning Python, importing PocketSphinx and building a decoder: a few seconds
# on a slow, busy machine.  A decode gets this plus time per second of audio.
STARTUP_TIMEOUT_S = 60.0
DECODE_TIMEOUT_PER_AUDIO_S = 5.0
# How much lower the decoder process's CPU priority is than the app's.
NICE_INCREMENT = 5
# Consecutive failures after which finals stay on the live pass for good.
MAX_FAILURES = 3
_BYTES_PER_SECOND = 32_000  # 16 kHz mono s16le
FRAMES_PER_SECOND = 100  # PocketSphinx's -frate


class Segment(NamedTuple):
    """A decoder word segment, copied out of the decoder that produced it."""

    word: str
    start_frame: int
    end_frame: int
    prob: float


class FinalDecodeError(RuntimeError):
    """The final-decode process could not answer; use the live pass's words."""


class FinalDecodeProcess:
    """One child process with a decoder for finals, shared by every run of a model.

    Thread-safe: decodes from several engine threads (call mode) are served
    one at a time.  ``acquire``/``release`` bracket a run: the process starts
    at the first acquire and stops at the last release.
    """

    def __init__(
        self,
        params: Mapping[str, Any],
        noisy_params: Mapping[str, Any] | None = None,
        *,
        denoise: bool = True,
    ) -> None:
        self._params = dict(params)
        self._noisy_params = dict(noisy_params) if noisy_params is not None else None
        self._denoise = denoise
        self._lock = threading.Lock()  # one request in flight; guards the fields below
        self._state = threading.Lock()  # guards _users
        self._process: ChildProcess | Any = None  # or a shared_model.ForkedWorker
        self._conn: Connection | None = None
        self._ready = False
        self._failures = 0
        self._answered_by: int | None = None
        self._users = 0
        self._closed = False
        self._atexit = _close_at_exit(weakref.ref(self))

    @property
    def pid(self) -> int | None:
        """The child's process id while one runs (for tests and diagnostics)."""
        process = self._process
        return process.pid if process is not None else None

    @property
    def answered_by(self) -> int | None:
        """The process id that decoded the last final (never this process's)."""
        return self._answered_by

    @property
    def given_up(self) -> bool:
        return self._failures >= MAX_FAILURES

    def acquire(self, *, start: bool = True) -> None:
        """A run begins: start the process now, so its model loads during speech.

        ``start=False``: the run will :meth:`adopt` one forked off its live
        recogniser instead (a first decode starts one if that never comes).
        """
        with self._state:
            self._users += 1
        with self._lock:
            self._failures = 0  # a new run gives it a new chance (it was given up for good)
            if not self._closed and start:
                self._start_or_log()

    def adopt(self, fork: Fork) -> None:
        """Take the process ``fork(params, noisy_params, denoise)`` makes, if none runs yet.

        ``fork`` asks a live recogniser to fork a worker off its loaded model
        (:mod:`~captioner.engines.offline.shared_model`); where it fails, a
        process of its own is started, as :meth:`acquire` would have.
        """
        with self._lock:
            if self._closed or self._process is not None:
                return
            try:
                process, conn = fork(self._params, self._noisy_params, self._denoise)
            except Exception as exc:  # any failure: load a model of its own
                log.warning("Could not share the live recogniser's model for finals: %s", exc)
                self._start_or_log()
                return
            self._hold(process, conn)
            log.debug("Final-decode worker forked off the live recogniser (pid %s)", process.pid)

    def release(self) -> None:
        """A run ended: stop the process if no other run needs it."""
        with self._state:
            self._users = max(0, self._users - 1)
        with self._lock:
            with self._state:
                if self._users:
                    return  # a run began meanwhile (it may be waiting for this lock)
            self._stop()

    def decode(self, audio: bytes, context: bytes = b"") -> list[Segment]:
        """The words of one whole utterance, decoded in the child process.

        ``context`` is audio just before the utterance (the end of the one
        before): it is decoded with it, so the language model knows the words
        that lead into this one, and its own words are dropped (see
        :func:`decode_with_context`).  Frames count from the utterance's start.

        Blocks the calling (engine) thread, but not the GIL.  Raises
        :class:`FinalDecodeError` when the process is gone, failed or hung.
        """
        with self._lock:
            if self._closed:
                raise FinalDecodeError("the final-decode process was shut down")
            if self.given_up:
                raise FinalDecodeError(
                    f"the final-decode process failed {MAX_FAILURES} times in a row; not restarted"
                )
            try:
                self._start()
                conn = self._conn
                assert conn is not None
                if not self._ready:
                    self._expect(conn, "ready", STARTUP_TIMEOUT_S)
                    self._ready = True
                conn.send((context, audio))
                seconds = (len(context) + len(audio)) / _BYTES_PER_SECOND
                pid, rows = self._expect(conn, "words", 10.0 + DECODE_TIMEOUT_PER_AUDIO_S * seconds)
            except (OSError, EOFError, FinalDecodeError) as exc:
                self._failures += 1
                message = self._discard(exc)
                raise FinalDecodeError(message) from exc
            self._failures = 0
            self._answered_by = pid
            return [Segment(*row) for row in rows]

    def close(self) -> None:
        """Stop the process now and for good (the model is being dropped, or exit)."""
        with self._lock:
            self._closed = True
            self._stop()
        atexit.unregister(self._atexit)

    # -- internals (called with self._lock held) -----------------------------------------

    def _start(self) -> None:
        if self._process is not None:
            return
        process = ChildProcess(
            serve,
            (self._params, self._noisy_params, self._denoise),
            "captioner-offline-final",
            OFFLINE_FINAL,
        )
        parent = process.start()  # the child exits when this pipe closes: no orphan
        self._hold(process, parent)
        log.debug("Final-decode process started (pid %s)", process.pid)

    def _start_or_log(self) -> None:
        try:
            self._start()
        except OSError:
            log.exception("Could not start the final-decode process")

    def _hold(self, process: Any, conn: Connection) -> None:
        """``process`` (started here, or forked off a live recogniser) serves the finals."""
        # At exit, end it politely (it may be decoding): see close().
        atexit.unregister(self._atexit)
        atexit.register(self._atexit)
        self._process, self._conn, self._ready = process, conn, False

    def _expect(self, conn: Connection, kind: str, timeout: float) -> Any:
        if not conn.poll(timeout):  # waits without the GIL
            raise FinalDecodeError(f"no answer within {timeout:.0f} s")
        got, value = conn.recv()
        if got == "error":
            raise FinalDecodeError(str(value))
        if got != kind:
            raise FinalDecodeError(f"unexpected reply {got!r}")
        return value

    def _discard(self, exc: BaseException) -> str:
        """Stop a failed process; a message that says what happened to it."""
        pid = self.pid
        code = self._stop(kill=True)
        what = str(exc) or type(exc).__name__
        if isinstance(exc, EOFError | OSError):
            what = "it closed its pipe"
        if code is not None and code < 0:
            what += f"; it was killed by signal {-code}"
        elif code is not None:
            what += f"; exit status {code}"
        return f"the final-decode process (pid {pid}) failed: {what}"

    def _stop(self, *, kill: bool = False) -> int | None:
        """End the process (politely unless ``kill``); its exit code."""
        process, conn = self._process, self._conn
        self._process = self._conn = None
        self._ready = False
        if process is None:
            if conn is not None:
                conn.close()
            return None
        pid = process.pid
        code = reap(process, conn, kill=kill)
        log.debug("Final-decode process %s stopped (exit code %s)", pid, code)
        return code


def reap(process: ChildProcess, conn: Connection | None, *, kill: bool = False) -> int | None:
    """Close a child's pipe (it sees EOF and returns), wait for it, kill it if it hangs.

    Shared by the final-decode and the live recogniser processes.  ``kill``
    ends it at once instead.  Returns its exit code (None if it would not die).
    """
    if conn is not None:
        conn.close()
    if kill and process.is_alive():
        process.kill()
    process.join(5)
    if process.is_alive():
        process.kill()
        process.join(5)
    code = process.exitcode
    if code is not None:
        process.close()  # releases its sentinel: no ResourceWarning
    return code


def _close_at_exit(ref: weakref.ref[FinalDecodeProcess]) -> Any:
    def close() -> None:
        owner = ref()
        if owner is not None:
            owner.close()

    return close


def serve(
    conn: Connection,
    params: Mapping[str, Any],
    noisy_params: Mapping[str, Any] | None = None,
    denoise: bool = True,
) -> None:
    """The child process: utterance PCM in, word segments out, until the pipe closes.

    ``params`` configure the decoder (the model's, with batch CMN).  An
    utterance whose signal-to-noise ratio is low (see noisy.final_route) is
    decoded without left context, and, with ``denoise``, filtered first:
    steady background noise taken out
    (:mod:`~captioner.engines.offline.denoise`) and then decoded by a second
    decoder configured with ``noisy_params``, or else its sustained tones,
    music, taken down (:mod:`~captioner.engines.offline.music`) and then
    decoded with ``params``, less a first or last word the music alone
    made.  Without ``noisy_params`` every utterance is decoded as it is,
    with ``params``.  A front end is reset before each utterance
    (``start_stream``), so a final depends only on its own audio: the same
    audio gives the same words.
    """
    leave_signals_to_the_parent()  # a terminal's signals reach the group; the parent decides
    # Yield the CPU to the app: on a busy two-core machine, a final decode
    # competing with the GUI and engine threads got the engine thread
    # descheduled while it held the GIL, and the GUI waited for it.
    with contextlib.suppress(OSError, AttributeError):
        os.nice(NICE_INCREMENT)
    try:
        from captioner.engines.offline.model import new_decoder

        decoder = new_decoder(params)
    except Exception as exc:  # the parent logs it and falls back
        with contextlib.suppress(OSError):  # the run may be over already
            conn.send(("error", f"could not load the model: {exc}"))
        return
    serve_decoder(conn, decoder, params, noisy_params, denoise)


def serve_decoder(
    conn: Connection,
    decoder: Any,
    params: Mapping[str, Any],
    noisy_params: Mapping[str, Any] | None,
    denoise: bool,
) -> None:
    """:func:`serve` with its decoder (made with ``params``) loaded, or forked off the
    live one (shared_model)."""
    from captioner.engines.offline.model import restart_stream
    from captioner.engines.offline.noisy import final_route
    from captioner.engines.offline.shared_model import second_search

    noisy = None  # built at the first noisy utterance (most sessions have none)
    try:
        conn.send(("ready", os.getpid()))
    except OSError:  # a short file's run ended before the model loaded: nobody to serve
        return
    while True:
        try:
            context, audio = conn.recv()
        except (EOFError, OSError):
            return  # the app closed the pipe, or died: either way, done
        route = final_route(audio, denoise=denoise) if noisy_params else None
        if route is None:
            rows = decode_with_context(decoder, context, audio, restart_stream)
        elif route.plain:
            if noisy is None:  # a second search of this decoder: one model in memory
                noisy = second_search(decoder, params, noisy_params, "noisy")
            with noisy as plain:
                rows = decode_with_context(plain, b"", route.audio, restart_stream)
        else:
            rows = decode_with_context(decoder, b"", route.audio, restart_stream)
            from captioner.engines.offline.music import drop_faint_edges  # loaded by the mask

            rows = drop_faint_edges(rows, route.audio)  # words the music alone made
        try:
            conn.send(("words", (os.getpid(), rows)))
        except (EOFError, OSError):
            return


def decode_with_context(
    decoder: Any, context: bytes, audio: bytes, restart: Any
) -> list[tuple[str, int, int, float]]:
    """Decode ``context + audio`` as one utterance; the words of ``audio`` only.

    A word belongs to the utterance when the middle of its span lies after the
    context; its frames are then counted from the utterance's start (a word
    that began in the context starts at 0).  Without context this is a plain
    whole-utterance decode.
    """
    restart(decoder)
    decoder.start_utt()
    decoder.process_raw(context + audio, False, True)
    decoder.end_utt()
    skip = len(context) // (_BYTES_PER_SECOND // FRAMES_PER_SECOND)
    rows = []
    for seg in decoder.seg():
        if (seg.start_frame + seg.end_frame) / 2 < skip:
            continue
        start = max(seg.start_frame - skip, 0)
        rows.append((seg.word, start, seg.end_frame - skip, float(getattr(seg, "prob", 1.0))))
    return rows
