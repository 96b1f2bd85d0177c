"""How a cloud run ends: Terminate every connection, settle the backfills, report losses.

The ending half of :class:`~captioner.engines.assemblyai.session.SessionSupervisor`
(a mixin; the supervisor owns the state):

* **End of input**: a bounded wait for the last turns' translations, then
  ``Terminate`` on the live connection; one that never confirms
  ``Termination`` has the audio after its last final redone by a backfill,
  and every backfill may finish (Stop still cuts them short).
* **A rollover's old session** is terminated in the background once the new
  one has taken over (:meth:`SessionEnding._reap` with ``confirm``).  Its
  ``Termination`` is its word that every Turn it owed has come: one closed
  without it (it went quiet too shortly before the rollover to be taken for
  dead, or dropped as it closed) has the audio from its last final to the
  handover point redone and filled in, as a dropped one would; Stop reports
  that stretch as not transcribed instead.
* **Stop or a fatal error**: backfills are cancelled (their provisional
  captions stay, made final), a still-working live connection gets the
  bounded translation wait (not after a fatal error), and every connection
  is terminated in the background.  One that owed Turns (the live one, a
  rollover's old one, in its margin or still waited on for a pause) and
  never confirms ``Termination`` has the stretch after its last final
  reported as not transcribed: no time is left to redo it.
* **Wind-down**: wait for the backfills and the closing threads, settle
  every outage, and report speech no connection transcribed, last, as
  ``INCOMPLETE`` (unless a fatal error already said the run stopped).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from captioner.engines.assemblyai.outage import (
    MISSED_AT_END,
    MISSED_AT_STOP,
    Outage,
    describe_losses,
)
from captioner.engines.assemblyai.turn_extras import (
    RunExtras,
    await_link_translations,
    await_translations,
)
from captioner.engines.base import EngineError, EngineListener, EngineState

if TYPE_CHECKING:
    from captioner.engines.assemblyai.backfill import Backfill
    from captioner.engines.assemblyai.config import AssemblyAIConfig
    from captioner.engines.assemblyai.link import Link
    from captioner.engines.assemblyai.rollover import Handover

log = logging.getLogger("captioner.engines.assemblyai.session")


class SessionEnding:
    """The end of a run (a mixin of ``SessionSupervisor``, which sets this state)."""

    cfg: AssemblyAIConfig
    extras: RunExtras | None
    listener: EngineListener
    clock: Callable[[], float]
    host: str
    stop_requested: threading.Event
    input_ended: threading.Event
    live: Link | None
    successor: Link | None
    handover: Handover | None
    outage: Outage | None
    pending: list[Outage]
    outages: list[Outage]
    backfills: list[Backfill]
    reapers: list[threading.Thread]
    # Old sessions of rollovers being closed, and those closed without Termination.
    confirming: list[threading.Thread]
    unconfirmed: queue.SimpleQueue[Link]
    fatal: EngineError | None
    pos: int  # the session clock: ms of audio read from the source

    def _start_backfill(self, outage: Outage, until_ms: int) -> None:  # pragma: no cover
        raise NotImplementedError

    def _cancel_handover(self) -> bool:  # pragma: no cover
        raise NotImplementedError

    def _reap(self, link: Link, *, settle: bool = False, confirm: bool = False) -> None:
        """Terminate a connection in the background (a stalled server takes seconds).

        ``settle``: the run goes on without it (a rollover's old session), so
        its owed translations get a bounded wait first, on that thread.
        ``confirm``: a session that heard its window to the end (a rollover's
        old one); closed without ``Termination``, it goes to ``unconfirmed``.
        """

        def close() -> None:
            try:
                if settle:
                    await_link_translations(link, self.cfg.translation_wait_s)
                link.close()
            finally:
                if confirm and link.begun.is_set() and not link.terminated.is_set():
                    self.unconfirmed.put(link)

        thread = threading.Thread(target=close, name=f"aai-close-{link.id}", daemon=True)
        self.reapers.append(thread)
        if confirm:
            self.confirming.append(thread)
        thread.start()

    def _redo_unconfirmed(self, *, wait: bool = False, redo: bool = True) -> None:
        """Old sessions closed without ``Termination``: their unconfirmed audio is redone.

        From the end of the last line each one finished to its handover point
        (the new session owns what follows), filled in by a backfill.  ``wait``:
        once every old session has closed (the run is ending); ``redo`` False
        (Stop): the stretch is only noted, reported as not transcribed.
        """
        if wait:
            for thread in self.confirming:
                thread.join()
        while not self.unconfirmed.empty():  # this thread alone takes from it
            link = self.unconfirmed.get()
            link.retire()  # its line being spoken keeps its finalised words
            until = link.own_until_ms if link.own_until_ms is not None else self.pos
            resume = link.resume_point()
            if until <= resume:
                continue  # it had said everything in its window
            log.warning("Connection %d ended unconfirmed: %d–%d ms", link.id, resume, until)
            if redo:
                self._start_backfill(Outage.renewal_dropped(resume, self.clock()), until)
            else:
                gap = Outage(resume, self.clock(), None, end_ms=until, missed=MISSED_AT_STOP)
                self.pending.append(gap)
                self.outages.append(gap)

    def _await_translations(self, live: Link | None) -> None:
        """Before ``Terminate``: a bounded wait for the last turns' translations."""
        if self.extras is not None:
            await_translations(self.extras, live, self.cfg.translation_wait_s)

    def _finish_input(self) -> None:
        """End of input: terminate the live session, let every backfill finish."""
        self.input_ended.set()
        self._cancel_handover()  # a rollover still looking for a pause: the old one ends it
        self._await_translations(self.live)
        if self.successor is not None:
            self.successor.abandon()
            self._reap(self.successor)
            self.successor = None
        if self.outage is not None:
            outage, self.outage = self.outage, None
            if outage.provisional is not None:
                outage.provisional.end()
            self._start_backfill(outage, self.pos)
        if self.handover is not None:
            self._reap(self.handover.old, confirm=True)
            self.handover = None
        live, self.live = self.live, None
        if live is not None:
            live.close()
            if live.begun.is_set() and not live.terminated.is_set():
                # Dropped during Terminate, or never confirmed it (a server
                # gone quiet): its last turns may never have come, so the
                # audio after its last final is redone.
                _code, message = live.failure() or (None, "no Termination")
                log.warning("Connection %d ended without Termination: %s", live.id, message)
                live.retire()
                tail = Outage(live.resume_point(), self.clock(), None, missed=MISSED_AT_END)
                self._start_backfill(tail, self.pos)
        self._redo_unconfirmed(wait=True)  # rollovers' old sessions, closed by now
        while not all(b.done.is_set() for b in self.backfills):
            if self.stop_requested.wait(0.05):
                for backfill in self.backfills:
                    backfill.cancel()
                break

    def _cut_short(self) -> None:
        """Stop or a fatal error: terminate everything now."""
        self.input_ended.set()
        self._cancel_handover()  # a rollover still looking for a pause: the old one ends it
        for backfill in self.backfills:
            backfill.cancel()
        if self.outage is not None:
            outage, self.outage = self.outage, None
            if outage.provisional is not None:
                outage.provisional.end()
            outage.end_ms = self.pos
            self.pending.append(outage)
            self.outages.append(outage)
        # Sessions that owe Turns (not a successor still starting): one closed without
        # Termination has its stretch after its last final reported (_wind_down).
        owing = [self.live, self.handover.old if self.handover else None]
        links = [*owing, self.successor]
        self.live = self.successor = None
        self.handover = None
        if any(link is not None and not link.failure_pending() for link in links):
            self.listener.on_state(EngineState.STOPPING, "Finishing the session…")
            if self.fatal is None:
                self._await_translations(links[0])
        for link in links:
            if link is not None:
                link.abandon()
                self._reap(link, confirm=link in owing)

    def _wind_down(self) -> None:
        for backfill in self.backfills:
            backfill.join()
        for thread in self.reapers:
            thread.join()
        self._redo_unconfirmed(redo=False)  # Stop (or left after the end): too late to redo
        for outage in self.pending:
            outage.resolve()
        losses = describe_losses(self.outages, host=self.host)
        self.pending.clear()
        if losses is not None and self.fatal is None:  # a fatal error already says it stopped
            log.warning("%s (%s)", losses.message, losses.detail)
            self.listener.on_error(losses)
