"""The SDK's streaming client, made safe for a long-running app, and how clients are made.

A :class:`~captioner.engines.assemblyai.link.Link` builds one client per
connection (SDK clients are single-use) through a :data:`ClientFactory`, which
tests replace to count or break connections.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from assemblyai.streaming.v3 import StreamingClient, StreamingClientOptions, StreamingParameters
from pydantic import ValidationError

from captioner.engines.assemblyai.config import AssemblyAIConfig

log = logging.getLogger(__name__)


class TolerantStreamingClient(StreamingClient):
    """The SDK client, minus a few sharp edges.

    * The SDK parses server messages with pydantic on its read thread; a
      message of a known type with a missing field raises there and kills the
      read thread, leaving a session that silently stops captioning.  We log
      and skip such a message instead, as the SDK already does for bad JSON
      and unknown types.
    * The websocket close handshake waits 10 s for a server that no longer
      answers; ``close_timeout`` shortens that.
    * ``ping`` sends a websocket ping (every server answers those, speech or
      not), which is how a stall is told from silence.
    """

    close_timeout: float | None = None

    @classmethod
    def _parse_message(cls, data: dict[str, Any]) -> Any:
        try:
            return super()._parse_message(data)
        except ValidationError as exc:
            log.warning("Ignoring malformed %r message from the server: %s", data.get("type"), exc)
            return None

    def connect(self, params: StreamingParameters) -> None:
        super().connect(params)
        websocket = self._websocket
        if websocket is not None and self.close_timeout is not None:
            websocket.close_timeout = self.close_timeout

    def ping(self) -> threading.Event | None:
        """Send a websocket ping; the returned event is set when the pong arrives."""
        websocket = self._websocket
        if websocket is None or self._stop_event.is_set():
            return None
        try:
            return websocket.ping()  # type: ignore[no-any-return]
        except Exception:  # closed under us: the read thread reports it
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
