"""One connection to AssemblyAI, placed on the session timeline.

A run of the cloud engine may use many connections: the live one, a new live
one after a drop or at a session rollover, and backfill connections that
transcribe audio buffered while the link was down.  :class:`Link` wraps one
single-use SDK client and

* offsets every word by ``offset_ms`` (where this connection's audio starts
  on the session clock), so all connections share one timeline;
* keeps only words that start inside its *ownership window*
  ``[own_from_ms, own_until_ms)``; the windows of a run's connections do not
  overlap, which is how overlapping sessions (backfill, rollover) never show
  a word twice;
* builds turn keys from a process-wide connection id (no collisions);
* remembers where its last final ended (the resume point a backfill starts
  from if it drops) and which partial lines it is showing; when the
  connection dies, a line being spoken is kept as a finished line with the
  words the server had already finalised (v3 partials carry only words that
  will not change), and the resume point moves past them so the backfill
  does not say them twice; a line without such words is dropped with an
  empty final (the backfill redoes it);
  (the turn side lives in :mod:`~captioner.engines.assemblyai.turn_placement`);
* tells the run what the service says it runs (``Begin.configuration``, see
  :mod:`~captioner.engines.assemblyai.service_report`);
* watches for a dead server (:mod:`~captioner.engines.assemblyai.liveness`):
  a stall, or a session gone quiet although its socket answers pings;
* in low-bandwidth mode (``encoding=opus``) encodes what it sends with an
  Opus encoder of its own (:mod:`~captioner.engines.assemblyai.opus`): every
  connection is a fresh Opus stream, whichever point of the session clock
  its audio starts at (a backfill's resume point), and the encoder is
  flushed before ``ForceEndpoint``/``Terminate`` so the last words arrive.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from assemblyai.streaming.v3.models import (
    StreamingClientOptions,
    StreamingError,
    StreamingEvents,
    StreamingParameters,
    TurnEvent,
)

from captioner.audio.ring import CHUNK_MS
from captioner.core.transcript import TurnUpdate
from captioner.engines.assemblyai.client import (
    ClientFactory,
    TolerantStreamingClient,
    client_closed,
    default_client_factory,
)
from captioner.engines.assemblyai.config import AssemblyAIConfig
from captioner.engines.assemblyai.errors import ENDED_BY_SERVICE
from captioner.engines.assemblyai.liveness import Liveness, RunPulse
from captioner.engines.assemblyai.opus import FRAME_MS
from captioner.engines.assemblyai.token_source import TokenError, fetch_token, use_token
from captioner.engines.assemblyai.turn_extras import RunExtras, TurnExtras
from captioner.engines.assemblyai.turn_placement import TurnPlacement
from captioner.engines.base import EngineListener

if TYPE_CHECKING:
    from captioner.engines.assemblyai.opus import OpusEncoder

log = logging.getLogger(__name__)

__all__ = [
    "MAX_BACKLOG_AT_STOP",
    "ClientFactory",
    "Link",
    "TolerantStreamingClient",
    "client_closed",
    "default_client_factory",
]

# At Stop, more queued audio than this is dropped so Terminate is not stuck behind it.
MAX_BACKLOG_AT_STOP = 20  # chunks, 1 s

# Connection ids are unique per process so that turn keys from two
# connections (a restart, a reconnect, a backfill) never collide in one transcript.
_connection_ids = itertools.count(1)


class Link(TurnPlacement):
    """One connection: connect on a thread, stream, watch, terminate."""

    def __init__(
        self,
        *,
        role: str,
        config: AssemblyAIConfig,
        params: StreamingParameters,
        client_factory: ClientFactory,
        listener: EngineListener,
        source_label: str,
        retries: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        extras: RunExtras | None = None,
        pulse: RunPulse | None = None,
    ) -> None:
        self.id = next(_connection_ids)
        self.role = role
        self.offset_ms = 0
        self.own_from_ms = 0
        self.own_until_ms: int | None = None
        self.sent_ms = 0
        self.last_final_end_ms: int | None = None
        self.begun = threading.Event()
        self.terminated = threading.Event()
        self.closing = False  # we asked for the end (close): a Termination is the answer
        self.failed = threading.Event()
        self.connect_done = threading.Event()
        self.error: StreamingError | None = None
        self.retired = False  # a dropped link: late events are ignored
        self.recovering = role == "backfill"  # see TurnPlacement: finished lines only
        self.started_at: float | None = None  # clock() at Begin
        self._config = config
        self._params = params
        self._listener = listener
        self._source_label = source_label
        self._clock = clock
        self._lock = threading.Lock()
        # The partial line each open turn shows, reduced to its finalised words.
        self._open_partials: dict[str, TurnUpdate] = {}
        self._closing = 0
        self._speaking: set[int] = set()  # turn orders heard with words and not yet ended
        self._held: list[TurnEvent] | None = None  # see TurnPlacement.hold_turns
        self._turn_lock = threading.Lock()
        self._abandon = threading.Event()
        self._connect_thread: threading.Thread | None = None
        # Opus (low-bandwidth mode): this connection's own stream; None: PCM.
        self._encoder = _opus_encoder(params)
        self._encoder_lock = threading.Lock()
        self._message_ms = FRAME_MS if self._encoder is not None else CHUNK_MS
        self.audio_bytes_sent = 0  # what went into websocket messages (PCM or Opus)
        options: dict[str, Any] = {
            "api_key": config.api_key,
            "api_host": config.api_host,
            "connect_timeout": config.connect_timeout_s,
            "terminate_timeout": config.terminate_timeout_s,
        }
        if retries is not None:
            options["max_connection_retries"] = retries
        self.client = client_factory(StreamingClientOptions(**options))
        self.liveness = Liveness(
            config,
            clock,
            getattr(self.client, "ping", None),
            written_ms=self._written_ms,
            pulse=pulse,  # the run's Heartbeats so far: watched from Begin
        )
        self._run = extras or RunExtras(listener, "")
        # Translations and speaker revisions of the turns this connection finished.
        self.extras = TurnExtras(
            link_id=self.id,
            run=self._run,
            owns=self._owns,
            offset=lambda: self.offset_ms,
            revised_speaker=self._revised_speaker,
        )
        self._register()

    def __repr__(self) -> str:
        return f"Link(id={self.id}, role={self.role}, offset_ms={self.offset_ms})"

    # -- connecting ----------------------------------------------------------

    def start_connect(self) -> None:
        """Connect and wait for ``Begin`` on a thread of its own (``connect`` blocks)."""
        self._connect_thread = threading.Thread(
            target=self.connect_and_wait, name=f"aai-connect-{self.id}", daemon=True
        )
        self._connect_thread.start()

    def connect_and_wait(self) -> None:
        """Blocking: open the connection and wait for Begin, a failure or the timeout."""
        try:
            if self._config.uses_token_url and not self._fetch_token():
                return
            self.client.connect(self._params)
            deadline = self._clock() + self._config.begin_timeout_s
            while not self.begun.wait(0.02):
                if self.failed.is_set() or self._abandon.is_set() or self._clock() > deadline:
                    break
                if client_closed(self.client) and not self.failed.wait(0.3):
                    break
        except Exception:  # a bug in the SDK must not kill the run
            log.exception("Connecting failed")
        finally:
            self.connect_done.set()

    def _fetch_token(self) -> bool:
        """Token URL set: a fresh token for this connection (one per session); False: failed.

        A refusal (401, 403, 404…) keeps its HTTP status as the code, so the run
        stops; an unreachable endpoint or a bad answer is a failure like a
        dropped connection (the run retries, or a Start reports it).
        """
        try:
            token = fetch_token(self._config.token_url, timeout_s=self._config.connect_timeout_s)
        except TokenError as exc:
            log.warning("Connection %d: %s", self.id, exc)
            self.error = StreamingError(message=str(exc), code=exc.status if exc.refused else None)
            self.failed.set()
            return False
        use_token(self.client, token)
        return True

    def abandon(self) -> None:
        """Stop waiting for Begin (the run is ending)."""
        self._abandon.set()

    # -- streaming -------------------------------------------------------------

    def send(self, chunk: bytes) -> None:
        if self._encoder is None:
            self.client.stream(chunk)
            self.audio_bytes_sent += len(chunk)
        else:
            with self._encoder_lock:
                if self._encoder.finished:  # audio after a flush: a new Opus stream
                    log.debug("Audio after the Opus flush on connection %d", self.id)
                    self._encoder = _opus_encoder(self._params)
                assert self._encoder is not None
                self._stream_packets(self._encoder.encode(chunk))
        self.sent_ms += CHUNK_MS
        self.liveness.sent()

    def flush_audio(self) -> None:
        """Send what the Opus encoder still holds (the last partial frame); PCM: nothing."""
        if self._encoder is None:
            return
        with self._encoder_lock:
            self._stream_packets(self._encoder.flush())

    def _stream_packets(self, packets: list[bytes]) -> None:
        for packet in packets:  # one Opus packet per websocket message
            self.client.stream(packet)
            self.audio_bytes_sent += len(packet)

    @property
    def usable(self) -> bool:
        return self.begun.is_set() and not self.failure_pending()

    def force_endpoint(self) -> None:
        """Ask the server to finish the turn being spoken now (``ForceEndpoint``)."""
        try:
            self.flush_audio()  # only at the end of a run: its last words first
            self.client.force_endpoint()
        except Exception:  # closing under us: Terminate finishes it anyway
            log.debug("force_endpoint failed", exc_info=True)

    def failure_pending(self) -> bool:
        return self.failed.is_set() or client_closed(self.client)

    def failure(self) -> tuple[int | None, str] | None:
        """Why this connection is dead, or ``None`` while it works."""
        if self.failed.is_set():
            error = self.error
            return getattr(error, "code", None), str(error) if error else "unknown error"
        if client_closed(self.client):
            # The SDK marks the session closed just before it dispatches the
            # error, so give the handler a moment to tell us why.
            if self.failed.wait(0.3):
                return self.failure()
            if self.terminated.is_set():
                # Termination answers our Terminate; unasked, the service ended the
                # session itself (End after silence, its own reasons): not a working link.
                return None if self.closing else (None, ENDED_BY_SERVICE)
            return None, f"{self._config.host_name} closed the session unexpectedly"
        return None

    def mark_failed(self, message: str) -> None:
        """Declare the connection dead for a reason the SDK cannot see (a watchdog)."""
        if not self.failed.is_set():
            self.error = StreamingError(message=message, code=None)
            self.failed.set()

    def watch(self) -> tuple[int | None, str] | None:
        """Ping now and then; report a stall or a session gone quiet while audio flows."""
        why = self.liveness.check()
        return None if why is None else (None, why)

    def _written_ms(self) -> int:
        """Audio actually written to the socket (sent minus what is still queued)."""
        pending = getattr(self.client, "pending_audio_chunks", lambda: 0)()
        return max(0, self.sent_ms - pending * self._message_ms)

    # -- ending ----------------------------------------------------------------

    def close(self, *, terminate: bool = True) -> None:
        """Blocking: end the session politely (Terminate, wait for Termination)."""
        self.closing = True
        self._abandon.set()
        thread = self._connect_thread
        if thread is not None:
            thread.join()
        try:
            self.flush_audio()
        except Exception:  # the encoder must not keep Terminate from going out
            log.exception("Flushing the Opus encoder failed")
        pending = getattr(self.client, "pending_audio_chunks", lambda: 0)()
        if pending * self._message_ms > MAX_BACKLOG_AT_STOP * CHUNK_MS:
            dropped = self.client.drop_pending_audio()
            log.warning("Dropped %d unsent audio messages so that Terminate goes out", dropped)
        try:
            self.client.disconnect(terminate=terminate)
        except Exception:  # the socket may already be gone; nothing left to bill
            log.debug("disconnect failed", exc_info=True)
        if self.begun.is_set() and not self.terminated.is_set() and not self.failed.is_set():
            log.warning("The server did not confirm Termination of connection %d", self.id)
        self.extras.abandon()  # the session is over: no translation will come now

    # -- SDK handlers (read thread) --------------------------------------------

    def _register(self) -> None:
        client = self.client

        def on_begin(_client: Any, event: Any) -> None:
            self.started_at = self._clock()
            self.liveness.heard()
            try:  # the model in use, before any caption of it is reported
                self._run.service.begun(
                    self.id,
                    event,
                    requested_model=self._config.speech_model,
                    requested_mode=self._config.mode,
                )
            finally:
                self.begun.set()

        def on_turn(_client: Any, event: TurnEvent) -> None:
            self.liveness.heard()
            # Only finished lines are redacted: a partial would show the words.
            self.take_turn(event, shown=not (self._config.redact_pii and not event.end_of_turn))

        def on_termination(_client: Any, _event: Any) -> None:
            self.liveness.heard()
            self.terminated.set()

        def on_error(_client: Any, error: StreamingError) -> None:
            self.error = error
            self.failed.set()

        def on_heartbeat(_client: Any, _event: Any) -> None:
            self.liveness.heard(heartbeat=True)

        def on_other(_client: Any, _event: Any) -> None:
            self.liveness.heard()  # SpeechStarted, Silence…: the server is alive

        client.on(StreamingEvents.Begin, on_begin)
        client.on(StreamingEvents.Heartbeat, on_heartbeat)
        self._turn_events().on(StreamingEvents.Turn, on_turn)
        client.on(StreamingEvents.Termination, on_termination)
        client.on(StreamingEvents.Error, on_error)
        self.extras.register(client, self.liveness, lambda: self.retired)
        salvager = getattr(client, "salvager", None)  # TolerantStreamingClient's
        if salvager is not None:  # a Turn too broken to keep: the reader is told
            salvager.on_lost_turn = self._run.service.turn_lost
        for event in StreamingEvents:
            if event not in (
                StreamingEvents.Begin,
                StreamingEvents.Turn,
                StreamingEvents.Termination,
                StreamingEvents.Error,
                StreamingEvents.Heartbeat,
                StreamingEvents.LLMGatewayResponse,
                StreamingEvents.SpeakerRevision,
                StreamingEvents.Warning,
            ):
                client.on(event, on_other)

    def _turn_events(self) -> Any:
        """Where Turn events come from: the client (call mode: its ChannelStreamer)."""
        return self.client


def _opus_encoder(params: StreamingParameters) -> OpusEncoder | None:
    """A fresh Opus stream when the connection asks for ``encoding=opus``, else ``None``."""
    if str(getattr(params, "encoding", None) or "") != "opus":
        return None
    from captioner.engines.assemblyai.opus import OpusEncoder  # PyAV: only when used

    return OpusEncoder()
