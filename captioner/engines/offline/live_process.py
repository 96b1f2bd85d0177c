"""Live recognition in a process of its own: the app's process never loads PocketSphinx.

PocketSphinx's Python binding holds the GIL for every native call.  Building
a decoder is one call of ~0.5 s, the warm-up decode of the bundled clip
(see :func:`warm_up`) another of ~0.8 s, and each piece of live audio one
more: in the app's process they stalled the GUI thread at start-up, and the
decoder with its model stayed in the app's memory (~98 MB) even after the
user switched to the cloud engine (issues 11 and 14).

So the live pass runs in a child process (a new interpreter, like
:mod:`~captioner.engines.offline.final_process`: see
:mod:`~captioner.engines.offline.child`).  The child holds the endpointer (the
:class:`~captioner.engines.offline.utterances.UtteranceSegmenter`) and the
live decoder; the engine thread sends it each chunk of 16 kHz PCM and gets
back, in order, the events that chunk completed: an utterance started, a
partial hypothesis (word segments), an utterance ended (its audio and the
live pass's segments).  The final re-decode stays in the final-decode
process, shared by every run of a model; the engine thread only moves bytes
and events between the two, blocking in pipe reads that release the GIL.

One child per run.  A decoder serves one stream, and call mode's two sides
are decoded in parallel (two cores) rather than one after the other.  The
child exits when its run ends (``finish``) or when its pipe closes, so a
killed app leaves no orphan and an idle app holds no decoder.

Protocol (parent → child, child → parent):
``("begin", segmenter_options)`` → nothing (the child answers ``("ready", pid)``
once its model is loaded, unprompted); ``("chunk", pcm, partials)`` →
``("events", [...])``; ``("finish",)`` → ``("events", [...])`` then exit.
Events: ``("start", start_ms)``, ``("partial", rows, limit_ms)``,
``("end", start_ms, end_ms, audio, cut, rows)``; rows are
``(word, start_frame, end_frame, prob)`` counted from the utterance's start.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from captioner.engines.offline.child import ChildProcess, leave_signals_to_the_parent
from captioner.engines.offline.final_process import reap
from captioner.process_name import OFFLINE_LIVE

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

log = logging.getLogger(__name__)

# Spawning Python, importing PocketSphinx, building and warming up a decoder:
# ~1.5 s idle, several seconds on a busy two-core machine.
STARTUP_TIMEOUT_S = 60.0
# One chunk's events: decoding a pre-roll and a 50 ms chunk takes well under a
# second; this only bounds how long a hung child can hold a run.
REPLY_TIMEOUT_S = 30.0
# Chunks sent ahead of the child's replies (8 × 50 ms): see LiveProcess.feed.
WINDOW = 8
# 16 kHz mono s16le
BYTES_PER_MS = 32
# The live decoder is fed at most this much audio per native call, as the
# endpointer's frame is while speech goes on (in the child the GIL no longer
# matters to the GUI; the same pieces keep the words identical to before).
MAX_FEED_BYTES = 30 * BYTES_PER_MS
# A partial at least this often (in audio time) while someone speaks: often
# enough that captions feel live, rare enough that hyp() stays cheap.
PARTIAL_INTERVAL_MS = 250

Row = tuple[str, int, int, float]


class LiveProcessError(RuntimeError):
    """The live recogniser process could not load, died or stopped answering."""


class LiveProcess:
    """The parent's end of one live recogniser process (one run's stream).

    Not thread-safe: one engine thread talks to it.  ``start`` may be called
    on any thread (a preload); everything else on the engine thread.
    """

    def __init__(self, params: Mapping[str, Any]) -> None:
        self._params = dict(params)
        self._process: ChildProcess | None = None
        self._conn: Connection | None = None
        self._ready = False
        self._pid: int | None = None
        self._in_flight = 0  # chunks sent whose events have not come back

    @property
    def pid(self) -> int | None:
        """The child's process id (for tests and diagnostics)."""
        process = self._process
        return process.pid if process is not None else self._pid

    @property
    def alive(self) -> bool:
        process = self._process
        return process is not None and process.is_alive()

    def start(self) -> None:
        """Spawn the child; it starts loading its model at once.  Never blocks long."""
        if self._process is not None:
            return
        process = ChildProcess(serve, (self._params,), "captioner-offline-live", OFFLINE_LIVE)
        parent = process.start()  # the child exits when this pipe closes: never outlives the app
        self._process, self._conn, self._pid = process, parent, process.pid
        log.debug("Live recogniser process started (pid %s)", process.pid)

    @property
    def ready(self) -> bool:
        """True once the child has loaded its model (checks without waiting)."""
        if self._ready:
            return True
        conn = self._conn
        try:
            if conn is not None and conn.poll(0):
                self._expect("ready", 0)
                self._ready = True
        except (LiveProcessError, OSError, EOFError):
            return False
        return self._ready

    def wait_ready(self) -> None:
        """Wait (in a pipe read, without the GIL) until the child has loaded its model."""
        self.start()
        if not self._ready:
            self._expect("ready", STARTUP_TIMEOUT_S)
            self._ready = True

    def begin(self, segmenter_options: Mapping[str, Any]) -> None:
        """Wait until the model is loaded and start the stream."""
        self.wait_ready()
        self._send(("begin", dict(segmenter_options)))

    def fork_final(
        self,
        change: Mapping[str, Any],
        params: Mapping[str, Any],
        noisy_params: Mapping[str, Any] | None,
        denoise: bool,
    ) -> tuple[Any, Connection]:
        """A final-decode worker forked off this recogniser's model (before ``begin``).

        ``change`` turns the live decoder into the final one, made with ``params`` (see
        :mod:`~captioner.engines.offline.shared_model`).  Returns its handle
        and pipe.  Raises OSError when no worker could be made (this recogniser
        goes on), LiveProcessError when this recogniser failed.
        """
        from captioner.engines.offline import shared_model

        self.wait_ready()
        self._send(("fork_final", dict(change), dict(params), noisy_params, denoise))
        pid, problem = self._expect("forked", STARTUP_TIMEOUT_S)
        if pid is None:
            raise OSError(f"the recogniser could not fork a final-decode worker: {problem}")
        try:
            pipe = shared_model.receive_pipe(self._conn)  # type: ignore[arg-type]
        except (OSError, EOFError) as exc:
            raise self._failure(f"its final-decode worker could not be reached: {exc}") from exc
        return shared_model.watch(pid, pipe), pipe

    def feed(self, chunk: bytes, *, partials: bool) -> list[tuple[Any, ...]]:
        """One chunk of PCM in; the events the child has completed since, in order.

        Up to :data:`WINDOW` chunks may be in flight, so a child that a busy
        machine schedules late does not make the engine thread (and the
        device's queue) wait for each round trip; the chunks are small, so
        this side never blocks in a send and always comes back to read the
        child's replies (which may be large: a 15 s utterance's audio).
        """
        self._send(("chunk", chunk, partials))
        self._in_flight += 1
        events: list[tuple[Any, ...]] = []
        while self._in_flight and (self._in_flight >= WINDOW or self._has_reply()):
            events += self._expect("events", REPLY_TIMEOUT_S)
            self._in_flight -= 1
        return events

    def finish(self) -> list[tuple[Any, ...]]:
        """End of stream: every event still owed, then the flush's (the last end)."""
        events: list[tuple[Any, ...]] = []
        while self._in_flight:
            events += self._expect("events", REPLY_TIMEOUT_S)
            self._in_flight -= 1
        self._send(("finish",))
        events += self._expect("events", REPLY_TIMEOUT_S)
        return events

    def _has_reply(self) -> bool:
        conn = self._conn
        try:
            return conn is not None and conn.poll(0)
        except (OSError, EOFError):
            return True  # let _expect report what happened

    def close(self, *, kill: bool = False) -> int | None:
        """Close the pipe (the child exits) and reap it; its exit code.

        ``kill`` ends it at once: for a child that holds no one's words (a
        pre-started one), so the caller (the GUI thread, when the user picks
        another engine) never waits for a model load to finish.
        """
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if process is None:
            if conn is not None:
                conn.close()
            return None
        code = reap(process, conn, kill=kill)
        log.debug("Live recogniser process %s stopped (exit code %s)", self._pid, code)
        return code

    def _send(self, message: tuple[Any, ...]) -> None:
        conn = self._conn
        if conn is None:
            raise LiveProcessError("the live recogniser process is not running")
        try:
            conn.send(message)
        except (OSError, EOFError) as exc:
            raise self._failure("it closed its pipe") from exc

    def _expect(self, kind: str, timeout: float) -> Any:
        conn = self._conn
        if conn is None:
            raise LiveProcessError("the live recogniser process is not running")
        try:
            if not conn.poll(timeout):  # waits without the GIL
                raise self._failure(f"no answer within {timeout:.0f} s")
            got, value = conn.recv()
        except (OSError, EOFError) as exc:
            raise self._failure("it closed its pipe") from exc
        if got == "error":
            raise self._failure(str(value))
        if got != kind:
            raise self._failure(f"unexpected reply {got!r}")
        return value

    def _failure(self, what: str) -> LiveProcessError:
        """Stop a failed child; an error that says what happened to it."""
        pid = self.pid
        process = self._process
        if process is not None and process.is_alive():
            process.kill()
        code = self.close()
        if code is not None and code < 0:
            what += f"; it was killed by signal {-code}"
        elif code:
            what += f"; exit status {code}"
        return LiveProcessError(f"the offline recogniser process (pid {pid}) failed: {what}")


# -- the child ---------------------------------------------------------------------------


def serve(conn: Connection, params: Mapping[str, Any]) -> None:
    """The child process: load, warm up, then PCM in and events out until done."""
    leave_signals_to_the_parent()  # a terminal's signals reach the group; the parent decides
    try:
        from captioner.engines.offline.model import new_decoder, warm_up

        decoder = new_decoder(params)
        warm_up(decoder)
    except Exception as exc:  # the parent reports it
        _send_quietly(conn, ("error", f"could not load the model: {exc}"))
        return
    if not _send_quietly(conn, ("ready", os.getpid())):
        return
    live: LivePass | None = None
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the app closed the pipe, or died: either way, done
        kind = message[0]
        try:
            if kind == "begin":
                from captioner.engines.offline.utterances import UtteranceSegmenter

                # A forced cut goes to a word boundary of the live decoder's.
                segmenter = UtteranceSegmenter(**message[1], segments=_segments_of(decoder))
                live = LivePass(decoder, segmenter)
                continue
            if kind == "fork_final" and live is None:
                from captioner.engines.offline.shared_model import fork_final

                fork_final(conn, decoder, message[1:])
                continue
            if live is None:
                raise RuntimeError(f"{kind!r} before 'begin'")
            events = live.finish() if kind == "finish" else live.feed(message[1], message[2])
        except Exception as exc:
            _send_quietly(conn, ("error", f"{type(exc).__name__}: {exc}"))
            return
        if not _send_quietly(conn, ("events", events)) or kind == "finish":
            return


def _send_quietly(conn: Connection, message: tuple[Any, ...]) -> bool:
    try:
        conn.send(message)
    except (EOFError, OSError):
        return False
    return True


def _segments_of(decoder: Any) -> Any:
    """The decoder's (word, first frame, last frame) so far, for the segmenter's cuts.

    Called only at a forced cut (once per 15 s of unbroken speech), after the
    decoder has been fed the stream up to the cut's search window's end; a
    backtrace over one utterance's words.
    """

    def segments() -> list[tuple[str, int, int]]:
        return [(seg.word, seg.start_frame, seg.end_frame) for seg in decoder.seg()]

    return segments


class LivePass:
    """Segmenter events to decoder calls and outgoing events (runs in the child)."""

    def __init__(self, decoder: Any, segmenter: Any) -> None:
        self._decoder = decoder
        self._segmenter = segmenter
        self._since_partial = 0

    def feed(self, chunk: bytes, partials: bool) -> list[tuple[Any, ...]]:
        out: list[tuple[Any, ...]] = []
        self._handle(self._segmenter.feed(chunk), partials, out)
        return out

    def finish(self) -> list[tuple[Any, ...]]:
        out: list[tuple[Any, ...]] = []
        self._handle(self._segmenter.finish(), False, out)
        return out

    def _handle(self, events: Any, partials: bool, out: list[tuple[Any, ...]]) -> None:
        from captioner.engines.offline.utterances import (
            UtteranceAudio,
            UtteranceEnded,
            UtteranceStarted,
        )

        for event in events:
            if isinstance(event, UtteranceAudio):
                self._decode(event.audio, partials, out)
            elif isinstance(event, UtteranceStarted):
                self._since_partial = 0
                self._decoder.start_utt()
                out.append(("start", event.start_ms))
                self._decode(event.audio, partials, out)
            elif isinstance(event, UtteranceEnded):
                self._decoder.end_utt()
                out.append(
                    ("end", event.start_ms, event.end_ms, event.audio, event.cut, self._rows())
                )

    def _decode(self, audio: bytes, partials: bool, out: list[tuple[Any, ...]]) -> None:
        if not audio:
            return
        for at in range(0, len(audio), MAX_FEED_BYTES):
            self._decoder.process_raw(audio[at : at + MAX_FEED_BYTES], False, False)
        self._since_partial += len(audio)
        if self._since_partial >= PARTIAL_INTERVAL_MS * BYTES_PER_MS:
            self._since_partial = 0
            if partials and self._decoder.hyp() is not None:
                out.append(("partial", self._rows(), self._segmenter.position_ms))

    def _rows(self) -> list[Row]:
        return [
            (seg.word, seg.start_frame, seg.end_frame, float(getattr(seg, "prob", 1.0)))
            for seg in self._decoder.seg()
        ]
