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

The proof is the *server's*, not only the connection's: a run opens many
connections to one service (a rollover's new session, a reconnect, a
backfill), and a new one can go quiet before it has sent two Heartbeats of
its own.  So once any connection of a run has shown them, every connection
of that run is watched from its ``Begin``, with the longest period the run
has seen (:class:`RunPulse`).  A healthy new session in a quiet room is not
cut off: it heartbeats during silence too, at least once per period, well
inside three periods of the audio written to it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from captioner.engines.assemblyai.config import AssemblyAIConfig


class RunPulse:
    """What the connections of one run have shown of the server's Heartbeats.

    ``period_ms`` is ``None`` until a connection has seen two, then the
    longest gap any connection saw between two, in audio written to it.
    Shared by the run's connections (several read threads): under a lock.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._period_ms: int | None = None

    @property
    def period_ms(self) -> int | None:
        with self._lock:
            return self._period_ms

    def shown(self, period_ms: int) -> None:
        """A connection saw two Heartbeats ``period_ms`` (its longest gap) apart."""
        with self._lock:
            self._period_ms = max(self._period_ms or 0, period_ms)


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
        pulse: RunPulse | None = None,
    ) -> None:
        self._config = config
        self._pulse = pulse  # the run's: what its other connections showed
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
            if self._heartbeats >= 2 and self._pulse is not None:
                self._pulse.shown(self.heartbeat_period_ms)

    def quiet_limit_s(self) -> float | None:
        """How long the session may say nothing, in written audio; None: not watched yet.

        Only once two Heartbeats have shown the server's period, on this
        connection or another of the run: the configured limit, or three
        periods if the server's heartbeat is slower than that.
        """
        if not self._config.session_heartbeat:
            return None
        period = self._pulse.period_ms if self._pulse is not None else None
        if self._heartbeats >= 2:
            period = max(period or 0, self.heartbeat_period_ms)
        if period is None:
            return None
        return max(self._config.heartbeat_silence_limit_s, 3 * period / 1000)

    def overdue(self) -> bool:
        """Whether a Heartbeat is overdue: no message for two of the server's periods.

        Long before the session is taken for dead: enough to distrust what it
        has not said (a line it would be speaking), not to replace it.
        """
        if not self._config.session_heartbeat:
            return False
        period = self._pulse.period_ms if self._pulse is not None else None
        period = max(period or 0, self.heartbeat_period_ms)
        return period > 0 and self._written_ms() - self._written_at_message > 2 * period

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
