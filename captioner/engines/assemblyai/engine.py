"""AssemblyAI Universal Streaming (v3) through the official ``assemblyai`` SDK.

SDK facts this package is built around (SDK 1.8.x):

* a ``StreamingClient`` is single-use, so every connection builds a new one;
* ``connect()`` blocks and reports failure through the Error handler rather
  than raising, so we check what the handlers saw;
* every handler runs on the SDK's read thread; we only translate and forward;
* a clean close without ``Termination`` fires no event, and after a drop
  ``stream()`` silently discards audio, so we watch the session's closed
  flag ourselves; the SDK never reconnects, so we do
  (:mod:`captioner.engines.assemblyai.session`);
* each ``stream()`` item becomes one websocket message: the sources hand us
  exact 50 ms chunks, inside the service's 50–1000 ms window;
* sessions are billed while open: every exit path sends ``Terminate`` and
  waits (bounded) for ``Termination``, on every connection of a run.

Modules: :mod:`~captioner.engines.assemblyai.config` (settings and their
validation), :mod:`~captioner.engines.assemblyai.link` (one connection on the
session timeline), :mod:`~captioner.engines.assemblyai.backfill` (the gap after a
drop), :mod:`~captioner.engines.assemblyai.provisional` (offline captions meanwhile),
:mod:`~captioner.engines.assemblyai.session` (the run loop),
:mod:`~captioner.engines.assemblyai.translation` (the LLM Gateway prompt and
its answers), :mod:`~captioner.engines.assemblyai.turn_extras` (translations
and speaker revisions matched to turns, per connection).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from assemblyai.streaming.v3.models import StreamingParameters

from captioner.audio.errors import AudioError
from captioner.engines.assemblyai.client import LiveUpdate
from captioner.engines.assemblyai.config import (
    DEFAULT_HOST,
    DEFAULT_MODEL,
    NO_KEY_MESSAGE,
    SAMPLE_RATE,
    SPEECH_MODELS,
    AssemblyAIConfig,
)
from captioner.engines.assemblyai.errors import describe_error
from captioner.engines.assemblyai.link import (
    MAX_BACKLOG_AT_STOP,
    ClientFactory,
    Link,
    TolerantStreamingClient,
    default_client_factory,
)
from captioner.engines.assemblyai.liveness import RunPulse
from captioner.engines.assemblyai.opus import pcm_unless_opus_works
from captioner.engines.assemblyai.provisional import OfflineFactory
from captioner.engines.assemblyai.session import MAX_AHEAD_MS, SessionSupervisor
from captioner.engines.assemblyai.turn_extras import RunExtras
from captioner.engines.base import (
    AudioSource,
    EngineError,
    EngineListener,
    EngineState,
    ErrorKind,
    NullListener,
    WorkerEngine,
)
from captioner.engines.call_labels import watch_call_source

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_MODEL",
    "MAX_AHEAD_MS",
    "MAX_BACKLOG_AT_STOP",
    "SAMPLE_RATE",
    "SPEECH_MODELS",
    "AssemblyAIConfig",
    "AssemblyAIEngine",
    "ClientFactory",
    "TolerantStreamingClient",
    "test_api_key",
]

log = logging.getLogger(__name__)

# How long Stop waits for a first connection still being opened (its Begin, or the
# SDK giving up) before it lets the attempt finish in the background.
STOP_CONNECT_WAIT_S = 1.0


class _HideAuthorization(logging.Filter):
    """websockets logs every request header at DEBUG, the API key included."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 2 and str(args[0]).lower() == "authorization":
            record.args = (args[0], "<redacted>", *args[2:])
        return True


logging.getLogger("websockets.client").addFilter(_HideAuthorization())


class AssemblyAIEngine(WorkerEngine):
    """Streams a source to AssemblyAI and reports turns as they grow.

    Survives dropped connections, stalls and the 3-hour session limit (see
    :mod:`captioner.engines.assemblyai.session`).  ``offline_factory`` builds
    the engine for provisional captions while disconnected, used when
    ``config.provisional_offline``; it is injected (the registry passes the
    offline engine) so that this package never imports another engine, and
    without it there are no provisional captions.  ``clock`` and ``rng`` make
    timing testable.
    """

    name = "assemblyai"

    def __init__(
        self,
        listener: EngineListener,
        config: AssemblyAIConfig,
        *,
        client_factory: ClientFactory | None = None,
        source_label: str = "",
        offline_factory: OfflineFactory | None = None,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(listener)
        self._config = config
        self._client_factory = client_factory or default_client_factory(config)
        self._source_label = source_label
        # Offline stand-in captions would show what redaction hides from the cloud's.
        stand_in = config.provisional_offline and not config.redact_pii
        self._offline_factory = offline_factory if stand_in else None
        self._clock = clock
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._overrides: dict[str, Any] = {}
        self._links: list[Link] = []
        # Translations owed to the current run (reset at every start).
        self._extras = RunExtras(listener, config.translate_to)
        # What the current run's connections showed of the server's Heartbeats.
        self._pulse = RunPulse()

    @property
    def formats_turns(self) -> bool:
        """Whether a formatted final follows each plain one (screen readers wait for it)."""
        return self._config.format_turns

    @property
    def translates(self) -> bool:
        """Whether a translation follows each finished turn (screen readers may wait for it)."""
        return self._config.translating

    @property
    def connections(self) -> list[Link]:
        """Every connection of the current (or last) run, in the order opened."""
        with self._lock:
            return list(self._links)

    def update_configuration(
        self,
        *,
        keyterms: Sequence[str] | None = None,
        **fields: Any,
    ) -> None:
        """Change settings mid-session (``UpdateConfiguration``).

        ``fields`` are the connect parameters the service lets a session
        change (``min_turn_silence``, ``prompt``, ``language_codes``, ``mode``…,
        see ``session_options.live_changes``); ``None`` means "back to the
        service's default", which cannot be sent, so it only applies to the
        connections opened later.  Sent at once to every open connection and
        used for every connection opened later in this run (reconnects,
        rollovers, backfills).
        """
        changes: dict[str, Any] = dict(fields)
        if keyterms is not None:
            changes["keyterms_prompt"] = [t.strip() for t in keyterms if t.strip()]
        sendable = {name: value for name, value in changes.items() if value is not None}
        with self._lock:
            self._overrides.update(changes)
        if not sendable:
            return
        message = LiveUpdate(**sendable)
        with self._lock:
            # Not only links past Begin: one still in its handshake would
            # otherwise miss a change made in that instant (it queues and goes
            # out once the socket is open).
            links = [link for link in self._links if not link.failure_pending()]
        for link in links:
            try:
                link.client.set_params(message)
            except Exception:  # a closing connection: the next one gets the overrides
                log.debug("set_params failed", exc_info=True)

    # -- worker thread -----------------------------------------------------

    def _params(self) -> StreamingParameters:
        params = self._config.streaming_parameters()
        with self._lock:
            overrides = dict(self._overrides)
        if not overrides:
            return params
        # Rebuilt, not model_copy'd: the overrides are validated (a mode as the enum).
        return StreamingParameters(**(params.model_dump() | overrides))

    def _new_link(self, role: str, retries: int | None) -> Link:
        link = self._build_link(
            role=role,
            config=self._config,
            params=self._params(),
            client_factory=self._client_factory,
            listener=self._listener,
            source_label=self._source_label,
            retries=retries,
            clock=self._clock,
            extras=self._extras,
            pulse=self._pulse,
        )
        with self._lock:
            self._links.append(link)
        return link

    def _build_link(self, **link_args: Any) -> Link:
        """One connection of the run (call mode builds its own kind from the same arguments)."""
        return Link(**link_args)

    def _run(self, source: AudioSource) -> None:
        # A call's side lost, or the one input away and back (a headset): notices.
        watch_call_source(source, self._listener)
        cfg = self._config
        listener = self._listener
        with self._lock:
            self._links = []
        self._extras = RunExtras(listener, cfg.translate_to)
        self._pulse = RunPulse()  # a new run may reach another host: it proves itself again
        if not cfg.has_credentials:
            listener.on_error(EngineError(ErrorKind.NO_API_KEY, NO_KEY_MESSAGE))
            return
        problems = cfg.validate()
        if problems:
            listener.on_error(EngineError(ErrorKind.SETTINGS, " ".join(problems)))
            return
        cfg = self._config = pcm_unless_opus_works(cfg, listener)  # PyAV may be missing
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
        first = self._new_link("live", None)
        self._listener.on_state(EngineState.CONNECTING, f"Connecting to {cfg.host_name}…")
        first.start_connect()
        while not first.connect_done.wait(0.05):
            if self._stop_requested.is_set():
                first.abandon()
                if not first.connect_done.wait(STOP_CONNECT_WAIT_S):
                    # The SDK may be retrying a host that does not answer (~15 s):
                    # Stop does not wait for it.  The attempt ends on its own thread,
                    # and Terminates a session it opened after all.
                    threading.Thread(
                        target=first.close, name=f"aai-abandon-{first.id}", daemon=True
                    ).start()
                    return
        if not first.begun.is_set() or first.failure_pending():
            if not self._stop_requested.is_set():
                failure = first.failure()
                if failure is not None:
                    code, message = failure
                    self._listener.on_error(
                        describe_error(
                            code,
                            message,
                            host=cfg.host_name,
                            connected=False,
                            token=cfg.uses_token_url,
                        )
                    )
                else:
                    self._listener.on_error(
                        EngineError(
                            ErrorKind.NETWORK,
                            f"{cfg.host_name} did not start a session. Try again later.",
                        )
                    )
            first.close()
            return
        SessionSupervisor(
            config=cfg,
            listener=self._listener,
            source=source,
            first=first,
            new_link=self._new_link,
            stop_requested=self._stop_requested,
            offline_factory=self._offline_factory,
            source_label=self._source_label,
            clock=self._clock,
            rng=self._rng,
            extras=self._extras,
        ).run()


def test_api_key(
    key: str,
    api_host: str = DEFAULT_HOST,
    *,
    timeout_s: float = 10.0,
    client_factory: ClientFactory | None = None,
) -> EngineError | None:
    """Check a key with a real connection: open, wait for Begin, terminate.

    Returns ``None`` when the service accepted the key, else what went wrong
    in plain words (``ErrorKind.AUTH`` for a rejected key, ``NETWORK`` when
    the host cannot be reached…).  Blocks for up to about ``timeout_s``
    seconds: call it off the GUI thread.
    """
    if not key.strip():
        return EngineError(ErrorKind.NO_API_KEY, "Enter an API key first.")
    config = AssemblyAIConfig(
        api_key=key.strip(),
        api_host=api_host,
        connect_timeout_s=min(5.0, timeout_s),
        begin_timeout_s=timeout_s,
        terminate_timeout_s=min(5.0, timeout_s),
        session_heartbeat=False,
    )
    link = Link(
        role="key-check",
        config=config,
        params=config.streaming_parameters(),
        client_factory=client_factory or default_client_factory(config),
        listener=NullListener(),
        source_label="",
        retries=0,
    )
    try:
        link.connect_and_wait()
        if link.begun.is_set() and not link.failed.is_set():
            return None
        failure = link.failure()
        if failure is not None:
            code, message = failure
            return describe_error(code, message, host=config.host_name, connected=False)
        return EngineError(
            ErrorKind.NETWORK, f"{config.host_name} did not start a session. Try again later."
        )
    finally:
        link.close()


test_api_key.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
