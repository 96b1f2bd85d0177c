"""Whether a connection's server is still there: the watchdog of one :class:`Link`.

TCP can take minutes to notice a dead peer, and a server can be worse than
dead: connected, answering websocket pings, and saying nothing.  Two checks,
both only while we send audio (an idle session owes us nothing):

* **Stall**: no server message and no websocket pong for ``stall_timeout_s``
  (every server answers pings, speech or not).
* **Gone quiet**: once the server has sent two ``Heartbeat`` messages (so it
  honours the ``session_heartbeat`` the app asks for, keeps talking during
  silence, and has shown how often it does), no *message* at all for
  ``heartbeat_silence_limit_s`` of audio actually written to it, or for three
  of its own heartbeat periods if those are longer (pongs alone prove the
  socket, not the session).  The service documents the Heartbeat but not its
  period: a limit fixed in advance would cut a healthy session in a quiet
  room every few seconds if the period were longer than the limit.  Counting
  written audio, not wall time, keeps a slow uplink or a paused capture from
  looking like a quiet server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from captioner.engines.assemblyai.config import AssemblyAIConfig


class Liveness:
    """Signs of life of one connection; ``check`` says why it looks dead, if it does.

    ``heard``/``pong`` are called from the SDK's read thread, ``sent`` and
    ``check`` from the thread that streams; plain attribute writes suffice.
    """

    def __init__(
        self,
        config: AssemblyAIConfig,
        clock: Callable[[], float],
        ping: Callable[[], threading.Event | None] | None,
        written_ms: Callable[[], int],
    ) -> None:
        self._config = config
        self._clock = clock
        self._ping = ping
        self._written_ms = written_ms
        self.heartbeat_seen = False  # the server honours session_heartbeat
        self._heartbeats = 0
        self._written_at_heartbeat = 0  # ms of audio written when the last one came
        self.heartbeat_period_ms = 0  # the longest gap between two, in written audio
        self._last_activity = clock()
        self._sent_since_activity = 0
        self._last_message = clock()
        self._written_at_message = 0  # ms of audio written when that message came
        self._pong: threading.Event | None = None
        self._last_ping = clock()

    def sent(self) -> None:
        self._sent_since_activity += 1

    def alive(self) -> None:
        """A pong (or any message): the socket works."""
        self._last_activity = self._clock()
        self._sent_since_activity = 0

    def heard(self, *, heartbeat: bool = False) -> None:
        """A message from the server: the session, not only the socket, is alive."""
        self.alive()
        self.heartbeat_seen |= heartbeat
        self._last_message = self._clock()
        self._written_at_message = written = self._written_ms()
        if heartbeat:
            if self._heartbeats:
                gap = written - self._written_at_heartbeat
                self.heartbeat_period_ms = max(self.heartbeat_period_ms, gap)
            self._heartbeats += 1
            self._written_at_heartbeat = written

    def quiet_limit_s(self) -> float | None:
        """How long the session may say nothing, in written audio; None: not watched yet.

        Only once two Heartbeats have shown the server's period: the configured
        limit, or three periods if the server's heartbeat is slower than that.
        """
        if self._heartbeats < 2 or not self._config.session_heartbeat:
            return None
        return max(self._config.heartbeat_silence_limit_s, 3 * self.heartbeat_period_ms / 1000)

    def check(self) -> str | None:
        """Ping now and then; why the server looks dead (``None``: it does not)."""
        now = self._clock()
        pong = self._pong
        if pong is not None and pong.is_set():
            self.alive()
            self._pong = None
        if now - self._last_ping >= self._config.ping_interval_s:
            self._last_ping = now
            if self._ping is not None and self._pong is None:
                self._pong = self._ping()
        host = self._config.host_name
        silent = now - self._last_activity
        if silent > self._config.stall_timeout_s and self._sent_since_activity > 0:
            return f"{host} stopped answering for {silent:.0f} s"
        limit = self.quiet_limit_s()
        if limit is not None:
            quiet = now - self._last_message
            written = self._written_ms() - self._written_at_message
            if quiet > limit and written >= limit * 1000:
                return (
                    f"{host} sent no message for {quiet:.0f} s while receiving "
                    f"{written / 1000:.0f} s of audio (no Heartbeat, no Turn)"
                )
        return None
