"""The SDK's streaming client, made safe for a long-running app, and how clients are made.

A :class:`~captioner.engines.assemblyai.link.Link` builds one client per
connection (SDK clients are single-use) through a :data:`ClientFactory`, which
tests replace to count or break connections.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable
from typing import Any

import assemblyai.streaming.v3.client as sdk_client
from assemblyai.streaming.v3.client import StreamingClient
from assemblyai.streaming.v3.models import (
    StreamingClientOptions,
    StreamingError,
    StreamingParameters,
    TerminateSession,
    UpdateConfiguration,
)
from pydantic import ValidationError
from websockets.exceptions import ConnectionClosed
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory

from captioner.engines.assemblyai.config import AssemblyAIConfig
from captioner.engines.assemblyai.salvage import Salvager

log = logging.getLogger(__name__)


# What ``_parse_message`` returns for a frame to skip: truthy, so the SDK's read
# loop hands it to ``_handle_message`` (which drops it) instead of logging it
# as an unsupported type through ``message.get`` (which a list or a number lacks).
_SKIP = object()


class LazyHTTPClient:
    """The SDK's REST helper (temporary tokens), built the first time it is used.

    Every ``StreamingClient`` builds one at construction: an ``httpx.Client``
    whose TLS context loads the CA bundle, 38-61 ms of CPU on this machine,
    paid again at each reconnection (clients are single-use) and on the
    critical path of every session opening.  The app never uses it (a token
    URL is fetched by :mod:`.token_source`), so it is only made if something
    calls it; then it behaves exactly as the SDK's.
    """

    def __init__(self, api_host: str, api_key: str | None = None) -> None:
        self._args = (api_host, api_key)
        self._real: Any = None
        self._lock = threading.Lock()

    def _client(self) -> Any:
        with self._lock:
            if self._real is None:
                self._real = _SDK_HTTP_CLIENT(*self._args)
            return self._real

    def __getattr__(self, name: str) -> Any:
        if name in ("_args", "_real", "_lock"):  # not set yet (a copy, an unpickling)
            raise AttributeError(name)
        return getattr(self._client(), name)


# Installed once, where the SDK looks the class up when a client is constructed;
# tests/engines/test_assemblyai_client_cost.py notices if an SDK release moves it.
_SDK_HTTP_CLIENT: Any = getattr(sdk_client, "_HTTPClient", None)
if _SDK_HTTP_CLIENT is not None:
    sdk_client._HTTPClient = LazyHTTPClient  # type: ignore[attr-defined]


def stored_deflate() -> ClientPerMessageDeflateFactory:
    """permessage-deflate that still lets the server compress, but stores what we send.

    websockets offers the extension by default and then deflates every
    message at zlib's default level.  Ours are audio: 16-bit speech shrinks
    by 11 % for ~110 µs of CPU per 50 ms chunk (0.13 CPU s a minute on the
    host's write thread, measured on the LibriVox clips), and Opus packets
    not at all.  At level 0 a chunk costs under a microsecond and goes out
    as it is (+0.6 %), while the server's JSON (each Turn repeats the turn's
    words, timestamps and confidences) still comes compressed.
    """
    return ClientPerMessageDeflateFactory(compress_settings={"level": 0, "memLevel": 5})


def _connect_storing_audio(uri: str, **kwargs: Any) -> Any:
    kwargs.setdefault("extensions", [stored_deflate()])
    return _SDK_WEBSOCKET_CONNECT(uri, **kwargs)


# Installed like _HTTPClient: the SDK opens every connection through this module
# function (tests/engines/test_deflate.py notices if a release stops doing so).
_SDK_WEBSOCKET_CONNECT: Any = getattr(sdk_client, "websocket_connect", None)
if _SDK_WEBSOCKET_CONNECT is not None:
    sdk_client.websocket_connect = _connect_storing_audio


class LiveUpdate(UpdateConfiguration):
    """``UpdateConfiguration`` with ``mode``, which the SDK's model (1.8.2) lacks.

    The service's reference lists ``mode`` among the fields a running session
    may change; the SDK's ``set_params`` rebuilds its own model and would drop
    it, so :meth:`TolerantStreamingClient.set_params` queues this one as it is.
    """

    mode: str | None = None


class TolerantStreamingClient(StreamingClient):
    """The SDK client, minus a few sharp edges.

    * The SDK parses server messages on its read thread, and an exception
      there ends the thread: the session then silently stops captioning while
      the socket stays open.  A frame that is JSON but not an object (``42``,
      ``null``, ``[…]``, ``"text"``) raised ``TypeError``/``AttributeError``;
      we log and skip such frames, as the SDK already does for bad JSON and
      unknown types.
    * A known type that fails the SDK's model (a field missing or of another
      type) is not dropped whole: :mod:`.salvage` keeps what the app can use
      (a Turn's text when its confidences or words are off), and only a
      message without what it cannot do without is skipped.
    * Whatever else kills the read thread (a frame nested so deeply that
      ``json.loads`` raises ``RecursionError``, a bug in a later SDK) is
      reported through the Error handler as a lost connection, at once, so
      the engine replaces the session and redoes the audio instead of
      waiting for a watchdog.  ``reader_failure`` keeps the exception.
    * The websocket close handshake waits 10 s for a server that no longer
      answers; ``close_timeout`` shortens that.
    * ``ping`` sends a websocket ping (every server answers those, speech or
      not), which is how a stall is told from silence; never behind a write in
      progress, which may be stuck on a full socket (then the stall shows).
    * ``disconnect`` cannot hang: the SDK joins its threads without a bound,
      and a write thread stuck on a socket nobody reads (a dead network path,
      a server that stopped reading) never ends.  Once Terminate has had its
      time, such a socket is shut down, which ends both threads.
    """

    close_timeout: float | None = None

    def __init__(self, options: StreamingClientOptions) -> None:
        super().__init__(options)
        self.reader_failure: BaseException | None = None
        self.salvager = Salvager()
        # Same thread as the SDK's (not started yet), with a guard around it.
        self._read_thread = threading.Thread(target=self._guarded_read, name="aai-read")

    @staticmethod
    def _build_connection_closed_error(error: Any) -> Any:
        """The SDK's, but a close keeps the service's own reason.

        For every code in its table (3005, 4001…) the SDK puts the table's
        text in place of the reason the service gave ("Server error" for a
        3005 that said "Session Expired: Maximum session duration exceeded"),
        and the reason is what tells a session's time limit from a refusal.
        """
        built = StreamingClient._build_connection_closed_error(error)
        reason = getattr(error, "reason", "") if isinstance(error, ConnectionClosed) else ""
        if built is not None and reason and reason.strip():
            return StreamingError(message=reason.strip(), code=built.code)
        return built

    def _parse_message(self, data: Any) -> Any:  # the SDK's is a classmethod, called on self
        if not isinstance(data, dict):
            log.warning("Ignoring a server message that is not a JSON object: %.80r", data)
            return _SKIP
        try:
            return super()._parse_message(data)
        except ValidationError as exc:
            message = self.salvager(data, exc)
            return _SKIP if message is None else message

    def _handle_message(self, message: Any) -> None:
        if message is _SKIP:
            return
        super()._handle_message(message)

    def _guarded_read(self) -> None:
        try:
            self._read_message()
        except Exception as exc:
            self.reader_failure = exc
            log.error(
                "The SDK's read thread failed; treating it as a lost connection", exc_info=True
            )
            why = f"could not read the server's messages ({type(exc).__name__})"
            try:
                self._terminate_without_reader()
                self._report_connection_closed(StreamingError(message=why, code=None))
            except Exception:  # the Error handler must not be what hides this
                log.exception("Reporting the failed read thread failed")
                self._stop_event.set()

    def _terminate_without_reader(self) -> None:
        """Send ``Terminate`` on the way out, so the dead session is not left open (billed).

        Nobody can read ``Termination`` any more; the write thread sends
        ``Terminate`` (ahead of unsent audio, which is redone elsewhere) and
        ends, and the wait for it is bounded like the close handshake.
        """
        self.drop_pending_audio()
        self._write_queue.put(TerminateSession())
        if self._write_thread.is_alive():
            self._write_thread.join(self.close_timeout if self.close_timeout is not None else 1.0)

    def connect(self, params: StreamingParameters) -> None:
        super().connect(params)
        websocket = self._websocket
        if websocket is not None and self.close_timeout is not None:
            websocket.close_timeout = self.close_timeout

    def set_params(self, params: Any) -> None:
        """Send ``UpdateConfiguration``; a :class:`LiveUpdate` keeps its ``mode``."""
        if isinstance(params, LiveUpdate):
            self._write_queue.put(params)
            return
        super().set_params(params)

    def ping(self) -> threading.Event | None:
        """Send a websocket ping; the returned event is set when the pong arrives."""
        websocket = self._websocket
        if websocket is None or self._stop_event.is_set():
            return None
        mutex = getattr(websocket, "protocol_mutex", None)
        if mutex is not None and mutex.locked():
            return None  # a frame is being written, maybe into a full socket: don't wait
        try:
            return websocket.ping()  # type: ignore[no-any-return]
        except Exception:  # closed under us: the read thread reports it
            return None

    def disconnect(self, terminate: bool = False) -> None:
        """The SDK's disconnect, with a bound: a socket still stuck after it is cut."""
        bound = (self._options.terminate_timeout or 0.0) if terminate else 0.0
        bound += self.close_timeout if self.close_timeout is not None else 1.0
        cutter = threading.Timer(bound, self._cut_socket)
        cutter.daemon = True
        cutter.start()
        try:
            super().disconnect(terminate)
        finally:
            cutter.cancel()
            summary = self.salvager.summary()
            if summary is not None:
                log.info("Malformed server messages on this connection: %s", summary)

    def _cut_socket(self) -> None:
        websocket = self._websocket
        raw = getattr(websocket, "socket", None)
        if raw is None:
            return
        log.warning("The connection is stuck (nothing is read from it); closing its socket")
        with contextlib.suppress(OSError):  # already closed
            raw.shutdown(socket.SHUT_RDWR)

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
        with self._write_queue.mutex:
            kept = [item for item in self._write_queue.queue if not isinstance(item, bytes)]
            dropped = len(self._write_queue.queue) - len(kept)
            self._write_queue.queue.clear()
            self._write_queue.queue.extend(kept)
        return dropped


ClientFactory = Callable[[StreamingClientOptions], StreamingClient]


def default_client_factory(config: AssemblyAIConfig) -> ClientFactory:
    def make(options: StreamingClientOptions) -> StreamingClient:
        client = TolerantStreamingClient(options)
        client.close_timeout = config.close_timeout_s
        return client

    return make


def client_closed(client: StreamingClient) -> bool:
    closed = getattr(client, "session_closed", None)
    if closed is not None:
        return bool(closed)
    stop_event = getattr(client, "_stop_event", None)  # plain SDK client
    return bool(stop_event and stop_event.is_set())
