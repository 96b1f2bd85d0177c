"""AssemblyAI Universal Streaming (v3) through the official ``assemblyai`` SDK.

SDK facts this module is built around (SDK 1.8.x):

* a ``StreamingClient`` is single-use, so every run builds a new one;
* ``connect()`` blocks and reports failure through the Error handler rather
  than raising, so the worker thread checks what the handlers saw;
* every handler runs on the SDK's read thread; we only translate and forward;
* a clean close without ``Termination`` fires no event, and after a drop
  ``stream()`` silently discards audio, so the pump watches the session's
  closed flag itself;
* each ``stream()`` item becomes one websocket message: the sources hand us
  exact 50 ms chunks, inside the service's 50–1000 ms window;
* sessions are billed while open: every exit path sends ``Terminate`` and
  waits (bounded) for ``Termination``.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assemblyai.streaming.v3 import (
    StreamingClient,
    StreamingClientOptions,
    StreamingError,
    StreamingEvents,
    StreamingParameters,
    TerminationEvent,
    TurnEvent,
)
from pydantic import ValidationError

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
from captioner.engines.errors import describe_error

log = logging.getLogger(__name__)

DEFAULT_HOST = "streaming.assemblyai.com"
DEFAULT_MODEL = "universal-3-5-pro"
SAMPLE_RATE = 16000
CHUNK_MS = 50
# Sources may deliver faster than real time (a file, a backlog after a stall);
# the service rejects audio sent faster than real time, so we pace it, with a
# small allowance for bursty capture.
MAX_AHEAD_MS = 400
# At Stop, more queued audio than this is dropped so Terminate is not stuck behind it.
MAX_BACKLOG_AT_STOP = 20  # chunks, 1 s


class _HideAuthorization(logging.Filter):
    """websockets logs every request header at DEBUG, the API key included."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 2 and str(args[0]).lower() == "authorization":
            record.args = (args[0], "<redacted>", *args[2:])
        return True


logging.getLogger("websockets.client").addFilter(_HideAuthorization())

# Connection ids are unique per process so that turn keys from two
# connections (a restart, a reconnect) never collide in one transcript.
_connection_ids = itertools.count(1)


class TolerantStreamingClient(StreamingClient):
    """The SDK client, minus one sharp edge.

    The SDK parses server messages with pydantic on its read thread; a
    message of a known type with a missing field raises there and kills the
    read thread, leaving a session that silently stops captioning.  We log
    and skip such a message instead, as the SDK already does for bad JSON
    and unknown types.
    """

    @classmethod
    def _parse_message(cls, data: dict[str, Any]) -> Any:
        try:
            return super()._parse_message(data)
        except ValidationError as exc:
            log.warning("Ignoring malformed %r message from the server: %s", data.get("type"), exc)
            return None

    @property
    def session_closed(self) -> bool:
        """True once the SDK has stopped (Termination, error, or a silent close)."""
        return self._stop_event.is_set()

    def pending_audio_chunks(self) -> int:
        """Audio messages queued but not yet written to the socket (a slow uplink)."""
        return sum(1 for item in list(self._write_queue.queue) if isinstance(item, bytes))

    def drop_pending_audio(self) -> int:
        """Discard queued audio so that a ``Terminate`` queued next goes out at once.

        The SDK queues ``Terminate`` behind every audio message not yet sent and
        gives up after ``terminate_timeout``; with a backlog the session would
        be left open (and billed).  Returns how many chunks were dropped.
        """
        dropped = 0
        with self._write_queue.mutex:
            kept = [item for item in self._write_queue.queue if not isinstance(item, bytes)]
            dropped = len(self._write_queue.queue) - len(kept)
            self._write_queue.queue.clear()
            self._write_queue.queue.extend(kept)
        return dropped


@dataclass(frozen=True)
class AssemblyAIConfig:
    """What a run needs; settings that shape recognition live here."""

    api_key: str
    api_host: str = DEFAULT_HOST
    speech_model: str = DEFAULT_MODEL
    format_turns: bool = True
    connect_timeout_s: float = 5.0
    begin_timeout_s: float = 10.0
    terminate_timeout_s: float = 5.0

    def __repr__(self) -> str:  # never print the key, even in a traceback
        return f"AssemblyAIConfig(api_host={self.api_host!r}, speech_model={self.speech_model!r})"

    @property
    def host_name(self) -> str:
        host = self.api_host
        for prefix in ("wss://", "ws://"):
            host = host.removeprefix(prefix)
        return host


ClientFactory = Callable[[StreamingClientOptions], StreamingClient]


class _Connection:
    """What the SDK's handlers saw during one connection (read thread → worker)."""

    def __init__(self) -> None:
        self.begun = threading.Event()
        self.terminated = threading.Event()
        self.failed = threading.Event()
        self.error: StreamingError | None = None


class AssemblyAIEngine(WorkerEngine):
    """Streams a source to AssemblyAI and reports turns as they grow."""

    name = "assemblyai"

    def __init__(
        self,
        listener: EngineListener,
        config: AssemblyAIConfig,
        *,
        client_factory: ClientFactory | None = None,
        source_label: str = "",
    ) -> None:
        super().__init__(listener)
        self._config = config
        self._client_factory = client_factory or (lambda options: TolerantStreamingClient(options))
        self._source_label = source_label

    # -- worker thread -----------------------------------------------------

    def _run(self, source: AudioSource) -> None:
        cfg = self._config
        listener = self._listener
        if not cfg.api_key:
            listener.on_error(
                EngineError(
                    ErrorKind.NO_API_KEY,
                    "No AssemblyAI API key. Set one with “Set API key…” or the "
                    "ASSEMBLYAI_API_KEY environment variable, or use the offline engine.",
                )
            )
            return
        try:
            source.open()
        except AudioError as exc:
            listener.on_error(EngineError(ErrorKind.AUDIO, str(exc)))
            return
        try:
            self._stream(source)
        finally:
            source.close()

    def _stream(self, source: AudioSource) -> None:
        cfg = self._config
        listener = self._listener
        conn = _Connection()
        connection_id = next(_connection_ids)
        listener.on_state(EngineState.CONNECTING, f"Connecting to {cfg.host_name}…")
        client = self._client_factory(
            StreamingClientOptions(
                api_key=cfg.api_key,
                api_host=cfg.api_host,
                connect_timeout=cfg.connect_timeout_s,
                terminate_timeout=cfg.terminate_timeout_s,
            )
        )
        self._register(client, conn, connection_id)
        client.connect(
            StreamingParameters(
                sample_rate=SAMPLE_RATE,
                speech_model=cfg.speech_model,
                format_turns=cfg.format_turns,
            )
        )
        try:
            if not self._await_begin(client, conn):
                return
            listener.on_state(EngineState.LISTENING, "")
            self._pump(source, client, conn)
        finally:
            self._terminate(client, conn)

    def _register(self, client: StreamingClient, conn: _Connection, connection_id: int) -> None:
        def on_begin(_client: Any, _event: Any) -> None:
            conn.begun.set()

        def on_turn(_client: Any, event: TurnEvent) -> None:
            update = self._to_update(event, connection_id)
            if update.end_of_turn:
                self._listener.on_final(update)
            else:
                self._listener.on_partial(update)

        def on_termination(_client: Any, _event: TerminationEvent) -> None:
            conn.terminated.set()

        def on_error(_client: Any, error: StreamingError) -> None:
            conn.error = error
            conn.failed.set()

        client.on(StreamingEvents.Begin, on_begin)
        client.on(StreamingEvents.Turn, on_turn)
        client.on(StreamingEvents.Termination, on_termination)
        client.on(StreamingEvents.Error, on_error)

    def _to_update(self, event: TurnEvent, connection_id: int) -> TurnUpdate:
        words = tuple(
            Word(text=w.text, start_ms=w.start, end_ms=w.end, confidence=w.confidence)
            for w in event.words
        )
        return TurnUpdate(
            key=f"aai-{connection_id}:{event.turn_order}",
            order=event.turn_order,
            text=event.transcript,
            words=words,
            end_of_turn=event.end_of_turn,
            formatted=event.turn_is_formatted,
            source=self._source_label,
            speaker=event.speaker_label,
        )

    def _await_begin(self, client: StreamingClient, conn: _Connection) -> bool:
        """Wait for ``Begin``; report why not if it never comes."""
        waited = 0.0
        while not conn.begun.wait(0.05):
            waited += 0.05
            if conn.failed.is_set():
                self._report(conn.error, connected=False)
                return False
            if self._stop_requested.is_set():
                return False
            if waited >= self._config.begin_timeout_s or _closed(client):
                self._listener.on_error(
                    EngineError(
                        ErrorKind.NETWORK,
                        f"{self._config.host_name} did not start a session. Try again later.",
                    )
                )
                return False
        return True

    def _pump(self, source: AudioSource, client: StreamingClient, conn: _Connection) -> None:
        """Send chunks until Stop, end of input, or the session ends under us."""
        started = time.monotonic()
        sent_ms = 0
        while not self._stop_requested.is_set():
            ahead_ms = sent_ms - (time.monotonic() - started) * 1000
            if ahead_ms > MAX_AHEAD_MS and self._stop_requested.wait(
                (ahead_ms - MAX_AHEAD_MS) / 1000
            ):
                break
            if conn.failed.is_set():
                self._report(conn.error, connected=True)
                return
            if _closed(client):
                # The SDK marks the session closed just before it dispatches
                # the error, so give the handler a moment to tell us why.
                if conn.failed.wait(0.5):
                    self._report(conn.error, connected=True)
                    return
                # A close without Termination or an error event: the SDK
                # would now drop our audio without a word.
                if not conn.terminated.is_set():
                    self._listener.on_error(
                        EngineError(
                            ErrorKind.NETWORK,
                            f"{self._config.host_name} closed the session unexpectedly.",
                        )
                    )
                return
            try:
                chunk = source.read(timeout=0.2)
            except AudioError as exc:
                self._listener.on_error(EngineError(ErrorKind.AUDIO, str(exc)))
                return
            if chunk is None:
                continue
            if chunk == b"":
                self._listener.on_state(EngineState.STOPPING, "End of audio; finishing…")
                return
            client.stream(chunk)
            sent_ms += CHUNK_MS

    def _terminate(self, client: StreamingClient, conn: _Connection) -> None:
        """Always end the session politely: ``Terminate``, then wait for ``Termination``."""
        if not _closed(client):
            self._listener.on_state(EngineState.STOPPING, "Finishing the session…")
        pending = getattr(client, "pending_audio_chunks", lambda: 0)()
        if pending > MAX_BACKLOG_AT_STOP:
            dropped = client.drop_pending_audio()
            log.warning("Dropped %d unsent audio chunks so that Terminate goes out", dropped)
        try:
            client.disconnect(terminate=True)
        except Exception:  # the socket may already be gone; nothing left to bill
            log.debug("disconnect failed", exc_info=True)
        if conn.begun.is_set() and not conn.terminated.is_set() and not conn.failed.is_set():
            log.warning("The server did not confirm Termination within the timeout")

    def _report(self, error: StreamingError | None, *, connected: bool) -> None:
        code = getattr(error, "code", None)
        message = str(error) if error else "unknown error"
        self._listener.on_error(
            describe_error(code, message, host=self._config.host_name, connected=connected)
        )


def _closed(client: StreamingClient) -> bool:
    closed = getattr(client, "session_closed", None)
    if closed is not None:
        return bool(closed)
    stop_event = getattr(client, "_stop_event", None)  # plain SDK client
    return bool(stop_event and stop_event.is_set())
