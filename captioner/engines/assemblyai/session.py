"""The cloud engine's run loop: one session timeline over many connections.

The worker thread reads the source at real-time pace, stamps every chunk
with its place on the session clock, keeps it in an
:class:`~captioner.audio.ring.AudioRing` and hands it to the live
connection.  Around that it handles what the service and the network do:

* **Drop** (close codes 1006/1011/3005, a close without ``Termination``, a
  dead read thread, a stall or a session gone quiet, see
  :mod:`~captioner.engines.assemblyai.liveness`): the line being spoken keeps
  its finalised words as a finished line, and a fresh client connects after
  an exponential backoff with jitter (``CONNECTING``, summary "Reconnecting…",
  the cause as the status detail); if that takes ``provisional_after_s``,
  offline provisional captions start, fed from the drop on.  Once it begins,
  live captions continue on it, and a
  :class:`~captioner.engines.assemblyai.backfill.Backfill` transcribes the
  gap (from the end of the dead connection's last words) on a second
  connection, its finished lines only, marked ``recovered``; then the
  provisional captions of that stretch are dropped.  Notices say where the
  gap's lines go and, as soon as it is known, what could not be redone.
* **Rollover** (before the service's 3-hour limit): a new connection starts
  while the old one keeps going; both hear the audio until the handover
  point *H*, placed at a pause (at least ``rollover_overlap_s`` in, at most
  ``handover_search_s``: :mod:`~captioner.engines.assemblyai.rollover`),
  splits the timeline between them (old: words before *H*, new: words from
  *H*); the old one hears ``handover_margin_s`` past *H* so a word cut at *H*
  is still heard whole, then is terminated (on a closing thread, after a
  bounded wait for its last lines' translations); if it never confirms
  ``Termination``, its audio from its last final to *H* is redone.  If the
  new one drops before *H* is placed, the old one simply goes on (the
  rollover is retried).
  A 3008 close (expired) is handled as a drop with an immediate reconnect.
* **Errors** are classified by :func:`~captioner.engines.assemblyai.errors.recovery_for`:
  a rejected key ends the run, limits retry no sooner than a floor, a 3007
  (our bug) is retried once slowly, everything else retries until
  ``give_up_after_s``.
* **Stop / end of input** (:mod:`~captioner.engines.assemblyai.session_end`):
  every connection gets ``Terminate`` and a bounded wait for
  ``Termination``; a live one that never confirms it has the audio after its
  last final redone (at Stop: reported).  At the end of input the backfills
  may finish; at Stop they are cut short (provisional captions stay, final).
  Speech no connection transcribed is reported last, as ``INCOMPLETE``.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
from collections.abc import Callable

from captioner.audio.errors import AudioError
from captioner.audio.ring import CHUNK_MS, AudioRing
from captioner.engines.assemblyai.backfill import Backfill
from captioner.engines.assemblyai.backoff import Backoff
from captioner.engines.assemblyai.config import AssemblyAIConfig
from captioner.engines.assemblyai.errors import (
    ENDED_AFTER_SILENCE,
    ENDED_BY_SERVICE,
    Recovery,
    describe_drop,
    describe_error,
    recovery_for,
)
from captioner.engines.assemblyai.link import Link
from captioner.engines.assemblyai.outage import Outage, filling_in_notice, settle_pending
from captioner.engines.assemblyai.provisional import OfflineFactory
from captioner.engines.assemblyai.rollover import Handover
from captioner.engines.assemblyai.session_end import SessionEnding
from captioner.engines.assemblyai.translation import mentions_gateway
from captioner.engines.assemblyai.turn_extras import RunExtras
from captioner.engines.base import (
    AudioSource,
    EngineError,
    EngineListener,
    EngineState,
    ErrorKind,
    report_notice,
    report_state,
)

log = logging.getLogger(__name__)

# Sources may deliver faster than real time (a file, a backlog after a stall);
# the service rejects audio sent faster than real time, so we pace it, with a
# small allowance for bursty capture.
MAX_AHEAD_MS = 400
# A connection that stayed up this long has earned a fresh backoff sequence.
STABLE_AFTER_S = 30.0


class SessionSupervisor(SessionEnding):
    """One run of the cloud engine after its first connection began."""

    def __init__(
        self,
        *,
        config: AssemblyAIConfig,
        listener: EngineListener,
        source: AudioSource,
        first: Link,
        new_link: Callable[[str, int | None], Link],
        stop_requested: threading.Event,
        offline_factory: OfflineFactory | None,
        source_label: str,
        clock: Callable[[], float],
        rng: random.Random,
        extras: RunExtras | None = None,
    ) -> None:
        self.cfg = config
        self.extras = extras
        self.listener = listener
        self.source = source
        self.new_link = new_link
        self.stop_requested = stop_requested
        self.offline_factory = offline_factory
        self.source_label = source_label
        self.clock = clock
        self.rng = rng
        self.host = config.host_name
        self.ring = AudioRing(max(CHUNK_MS, int(config.buffer_s * 1000)))
        self.pos = 0  # the session clock: ms of audio read from the source
        self.live: Link | None = first
        self.successor: Link | None = None
        self.successor_purpose = ""
        self.handover: Handover | None = None
        self.outage: Outage | None = None
        self.pending: list[Outage] = []  # waiting for their backfill to settle them
        self.outages: list[Outage] = []  # every one of the run, for the report at its end
        self.backfills: list[Backfill] = []
        self.reapers: list[threading.Thread] = []
        self.confirming: list[threading.Thread] = []
        self.unconfirmed: queue.SimpleQueue[Link] = queue.SimpleQueue()
        self.backoff = Backoff(config.backoff_base_s, config.backoff_cap_s, rng)
        self.next_attempt_at = 0.0
        self.rollover_retry_at = 0.0
        self.bad_audio_seen = False
        self.input_ended = threading.Event()
        self.fatal: EngineError | None = None

    # -- the loop ---------------------------------------------------------------

    def run(self) -> None:
        self.listener.on_state(EngineState.LISTENING, "")
        started = self.clock()
        end_of_input = False
        while not self.stop_requested.is_set():
            self._housekeeping()
            if self.fatal is not None:
                break
            ahead = self.pos - (self.clock() - started) * 1000
            if ahead > MAX_AHEAD_MS:
                self.stop_requested.wait(min((ahead - MAX_AHEAD_MS) / 1000, 0.05))
                continue
            try:
                chunk = self.source.read(timeout=0.05)
            except AudioError as exc:
                self.fatal = EngineError(ErrorKind.AUDIO, str(exc))
                break
            if chunk is None:
                continue
            if chunk == b"":
                end_of_input = True
                break
            self._distribute(chunk)
        if self.fatal is not None:
            self.listener.on_error(self.fatal)
        try:
            if end_of_input and self.fatal is None:
                self.listener.on_state(EngineState.STOPPING, "End of audio; finishing…")
                self._finish_input()
            else:
                self._cut_short()
        finally:
            self._wind_down()

    def _distribute(self, chunk: bytes) -> None:
        self.ring.append(chunk)
        live = self.live
        if live is not None and live.begun.is_set():
            live.send(chunk)
        if self.handover is not None:
            self.handover.old.send(chunk)
        outage = self.outage
        if outage is not None and outage.provisional is not None:
            outage.provisional.push(chunk)
        self.pos += CHUNK_MS

    def _housekeeping(self) -> None:
        now = self.clock()
        live = self.live
        if live is not None:
            failure = live.failure() if live.failure_pending() else live.watch()
            if failure is not None:
                self._on_live_drop(live, *failure)
                if self.fatal is not None:
                    return
            elif live.started_at is not None and now - live.started_at > STABLE_AFTER_S:
                self.backoff.reset()
        handover = self.handover
        if handover is not None:
            old = handover.old
            failure = old.failure() if old.failure_pending() else old.watch()
            if failure is not None:
                log.info("The previous session dropped during the handover: %s", failure[1])
                self.handover = None
                old.retire()
                self._reap(old)
                resume = old.resume_point()
                gap = Outage.renewal_dropped(resume, now)
                self._start_backfill(gap, handover.old_dropped(resume))
            elif handover.old_done(self.pos, self.cfg):
                self.handover = None
                self._reap(old, settle=True, confirm=True)  # unconfirmed: its tail redone
        self._redo_unconfirmed()
        successor = self.successor
        if successor is not None and successor.connect_done.is_set():
            self.successor = None
            if successor.begun.is_set() and not successor.failure_pending():
                self._promote(successor)
            else:
                failure = successor.failure() or (None, f"{self.host} did not start a session")
                self._reap(successor)
                self._on_connect_failure(*failure)
                if self.fatal is not None:
                    return
        outage = self.outage
        late = outage is not None and now - outage.since >= self.cfg.provisional_after_s
        if late and outage is not None and not outage.stand_in_tried:
            outage.start_stand_in(self.listener, self.offline_factory, self.ring, self.source_label)
        if (
            self.live is None
            and self.successor is None
            and outage is not None
            and now >= self.next_attempt_at
        ):
            if now - outage.since > self.cfg.give_up_after_s:
                self.fatal = EngineError(
                    ErrorKind.NETWORK,
                    f"Could not reconnect to {self.host} for {self.cfg.give_up_after_s:g} s; "
                    "captioning stopped. Check your internet connection and press Start.",
                )
                return
            self._start_successor("reconnect")
        live = self.live
        if (
            live is not None
            and self.successor is None
            and self.handover is None
            and live.started_at is not None
            and now - live.started_at >= self.cfg.rollover_after_s
            and now >= self.rollover_retry_at
        ):
            log.info("Rolling over to a new session before the time limit")
            self._start_successor("rollover")
        settle_pending(self.pending, self.listener, host=self.host, kept_ms=self.ring.capacity_ms)

    # -- drops and reconnects ----------------------------------------------------

    def _on_live_drop(self, link: Link, code: int | None, message: str) -> None:
        log.warning("Connection %d dropped: %s (code %s)", link.id, message, code)
        if self.handover is not None and self.handover.new is link and self._cancel_handover():
            log.warning("The next session dropped before the handover; the current one continues")
            self.rollover_retry_at = self.clock() + self.backoff.next_delay(5.0)
            return
        link.retire()
        self._reap(link)
        self.live = None
        if not self.cfg.reconnect:
            self.fatal = self._describe(code, message, connected=True)
            return
        if message == ENDED_BY_SERVICE and self.cfg.inactivity_timeout_s:
            # What the user asked for: a session left running in silence stops costing.
            self.fatal = EngineError(
                ErrorKind.SERVER,
                ENDED_AFTER_SILENCE.format(seconds=self.cfg.inactivity_timeout_s),
                code,
            )
            return
        recovery = recovery_for(code, message)
        floor = self._floor(recovery)
        if recovery is Recovery.STOP or floor is None or mentions_gateway(message):
            # A refused translation would be refused again on every reconnect.
            self.fatal = self._describe(code, message, connected=True)
            return
        delay = 0.0 if recovery is Recovery.RECONNECT_NOW else self.backoff.next_delay(floor)
        if self.outage is None:
            self.outage = Outage(link.resume_point(), self.clock(), None, drop_ms=self.pos)
        self.next_attempt_at = self.clock() + delay
        summary, detail = describe_drop(code, message, host=self.host)
        report_state(self.listener, EngineState.CONNECTING, summary, detail)

    def _describe(self, code: int | None, message: str, *, connected: bool) -> EngineError:
        """What ends the run, in the user's words (a token URL's refusals are about it)."""
        return describe_error(
            code, message, host=self.host, connected=connected, token=self.cfg.uses_token_url
        )

    def _floor(self, recovery: Recovery) -> float | None:
        """The least wait before retrying; ``None``: do not retry."""
        if recovery is Recovery.RETRY_LATER:
            return self.cfg.limit_retry_floor_s
        if recovery is Recovery.RETRY_ONCE_SLOWLY:
            if self.bad_audio_seen:
                return None
            self.bad_audio_seen = True
            return self.cfg.bad_audio_retry_floor_s
        return 0.0

    def _on_connect_failure(self, code: int | None, message: str) -> None:
        now = self.clock()
        if self.successor_purpose == "rollover":
            log.warning("Could not open the next session (%s); the current one continues", message)
            self.rollover_retry_at = now + self.backoff.next_delay(5.0)
            return
        recovery = recovery_for(code, message)
        floor = self._floor(recovery)
        if recovery is Recovery.STOP or floor is None:
            self.fatal = self._describe(code, message, connected=False)
            return
        delay = self.backoff.next_delay(floor)
        self.next_attempt_at = now + delay
        summary, detail = describe_drop(code, message, host=self.host)
        report_state(
            self.listener, EngineState.CONNECTING, summary, f"{detail}; next try in {delay:.1f} s"
        )

    def _start_successor(self, purpose: str) -> None:
        link = self.new_link("live", 0)
        self.successor = link
        self.successor_purpose = purpose
        link.start_connect()

    def _promote(self, link: Link) -> None:
        link.offset_ms = self.pos
        if self.successor_purpose == "rollover" and self.live is not None:
            link.hold_turns()  # until the handover point is placed, at a pause
            self.handover = Handover(old=self.live, new=link, start_ms=self.pos)
            self.live = link
            return
        link.own_from_ms = self.pos
        self.live = link
        outage, self.outage = self.outage, None
        if outage is not None:
            if outage.provisional is not None:
                outage.provisional.end()
            self._start_backfill(outage, self.pos)
        self.listener.on_state(EngineState.LISTENING, "")

    def _cancel_handover(self) -> bool:
        """A rollover whose handover point is not placed yet goes back to the old session.

        The old one still owns every word and heard all the audio: it stays
        the live connection, and the new one (which has shown nothing) is
        closed.  False when there is no such rollover.
        """
        handover = self.handover
        if handover is None or handover.at_ms is not None:
            return False
        self.handover = None
        self.live = handover.old
        handover.new.retire()
        self._reap(handover.new)
        return True

    def _start_backfill(self, outage: Outage, until_ms: int) -> None:
        self.pending.append(outage)
        self.outages.append(outage)
        outage.end_ms = until_ms
        if until_ms <= outage.resume_ms:
            return  # nothing to redo (a drop right after a final, caught at once)
        # Its lines will go in above the newest ones: the reader is told where.
        report_notice(self.listener, filling_in_notice(outage.resume_ms, until_ms, outage.missed))
        backfill = Backfill(
            ring=self.ring,
            start_ms=outage.resume_ms,
            until_ms=until_ms,
            margin_ms=int(self.cfg.handover_margin_s * 1000),
            new_link=lambda: self.new_link("backfill", 0),
            translation_wait_s=self.cfg.translation_wait_s,
            input_ended=self.input_ended,
            backoff=Backoff(self.cfg.backoff_base_s, self.cfg.backoff_cap_s, self.rng),
            clock=self.clock,
        )
        outage.backfill = backfill
        self.backfills.append(backfill)
        backfill.start()
