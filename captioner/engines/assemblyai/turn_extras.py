"""What the service says about turns after they finished: translations and speaker revisions.

Both name a turn by ``turn_order``, which every connection counts from 0; a
run has many connections (reconnects, rollovers, backfills), so each
:class:`~captioner.engines.assemblyai.link.Link` has a :class:`TurnExtras`
that maps its own turn orders to the turn keys it reported
(``aai-<connection>:<order>``) and forwards only events about turns it
finished with words: a turn cut away by an ownership window, or one never
finished, gets nothing.

:class:`RunExtras` is shared by the connections of one run: it knows which
finished turns still wait for their translation (so Stop can wait for them,
bounded, before ``Terminate``, and so can the closing of a connection the run
goes on without: a rollover's old one, a finished backfill) and makes sure
the service's refusal of translation is reported once, not once per turn; its
:class:`~captioner.engines.assemblyai.service_report.ServiceReport` does the
same for the model in use and the service's warnings.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from captioner.engines.assemblyai.service_report import ServiceReport
from captioner.engines.assemblyai.translation import (
    gateway_error,
    refusal_message,
    translation_text,
)
from captioner.engines.base import (
    EngineError,
    EngineListener,
    ErrorKind,
    report_speaker_revision,
    report_translation,
)

if TYPE_CHECKING:
    from captioner.engines.assemblyai.link import Link

log = logging.getLogger(__name__)

# The label AssemblyAI gives a turn too short (under a second) to tell its
# speaker yet; shown as no label until a revision names one.
PENDING = "PENDING"


def speaker_label(label: str | None) -> str | None:
    """A service label as the app keeps it: ``PENDING`` and blanks mean no label yet."""
    if label is None or not label.strip() or label.strip().upper() == PENDING:
        return None
    return label


# The longest Stop, or the closing of a connection, waits for translations still owed.
MAX_TRANSLATION_WAIT_S = 2.0


class RunExtras:
    """One run's translation bookkeeping, shared by all its connections (thread-safe)."""

    def __init__(self, listener: EngineListener, language: str) -> None:
        self.listener = listener
        self.language = language.strip()
        self._cond = threading.Condition()
        self._waiting: set[str] = set()
        self._refused = False
        # The model in use and the service's warnings, told once per run.
        self.service = ServiceReport(listener)

    @property
    def translating(self) -> bool:
        return bool(self.language)

    def expect(self, key: str) -> None:
        """A finished turn whose translation is owed (none are once translation was refused)."""
        if self.translating:
            with self._cond:
                if not self._refused:
                    self._waiting.add(key)

    def settle(self, keys: Sequence[str]) -> None:
        """These turns need no more waiting (translated, refused, or their link died)."""
        with self._cond:
            self._waiting.difference_update(keys)
            self._cond.notify_all()

    def waiting(self) -> set[str]:
        with self._cond:
            return set(self._waiting)

    def nap(self, timeout: float) -> None:
        """Sleep up to ``timeout``, woken early when any translation settles."""
        with self._cond:
            self._cond.wait(timeout)

    def refused(self, detail: str) -> None:
        """The service will not translate: tell the user once, stop waiting for any."""
        with self._cond:
            first = not self._refused
            self._refused = True
            self._waiting.clear()
            self._cond.notify_all()
        if first:
            log.warning("Translation refused: %s", detail)
            self.listener.on_error(EngineError(ErrorKind.SETTINGS, refusal_message(detail)))


class TurnExtras:
    """One connection's turn orders → turn keys, and the events about those turns."""

    def __init__(
        self,
        *,
        link_id: int,
        run: RunExtras,
        owns: Callable[[int], bool],
        offset: Callable[[], int],
        revised_speaker: Callable[[str, str | None], str | None],
    ) -> None:
        self._link_id = link_id
        self._run = run
        self._owns = owns  # session ms → whether this connection keeps a word starting there
        self._offset = offset
        self._revised_speaker = revised_speaker
        self._lock = threading.Lock()
        self._finished: dict[int, str] = {}  # turn order → source of a finished turn
        self._early: dict[int, str] = {}  # a translation that came before its final
        # Finished turns shown only in part (their other words belong to another
        # connection's window): the service translates the whole turn, so its
        # translation would repeat words another line shows; they get none.
        self._trimmed: set[int] = set()

    def key(self, order: int) -> str:
        return f"aai-{self._link_id}:{order}"

    def finished(self, order: int, source: str, *, whole: bool = True) -> None:
        """This connection reported turn ``order`` as a finished line with words.

        ``whole`` is False when the line shows only part of the service's turn.
        """
        with self._lock:
            first = order not in self._finished
            self._finished[order] = source
            if whole:
                self._trimmed.discard(order)
            else:
                self._trimmed.add(order)
            early = self._early.pop(order, None)
        key = self.key(order)
        if not whole:
            self._run.settle([key])  # its translation will not be shown: don't wait for it
        elif early is not None:
            self._forward(key, early)
        elif first:
            self._run.expect(key)

    @property
    def translating(self) -> bool:
        return self._run.translating

    def owed(self) -> set[str]:
        """This connection's finished turns whose translation has not come yet."""
        with self._lock:
            keys = {self.key(order) for order in self._finished}
        return keys & self._run.waiting()

    def nap(self, timeout: float) -> None:
        """Sleep up to ``timeout``, woken early when any translation of the run settles."""
        self._run.nap(timeout)

    def abandon(self) -> None:
        """The connection is gone: translations it owed will not come."""
        with self._lock:
            keys = [self.key(order) for order in self._finished]
        self._run.settle(keys)

    # -- SDK handlers (read thread) --------------------------------------------

    def register(self, client: Any, liveness: Any, retired: Callable[[], bool]) -> None:
        """Handle the client's LLMGatewayResponse, SpeakerRevision and Warning events."""
        from assemblyai.streaming.v3.models import StreamingEvents

        def on_gateway(_client: Any, event: Any) -> None:
            liveness.heard()
            if not retired():
                self.on_gateway(event)

        def on_revision(_client: Any, event: Any) -> None:
            liveness.heard()
            if not retired():
                self.on_revision(event)

        def on_warning(_client: Any, event: Any) -> None:
            liveness.heard()
            self._run.service.warning(self._link_id, event)

        client.on(StreamingEvents.LLMGatewayResponse, on_gateway)
        client.on(StreamingEvents.SpeakerRevision, on_revision)
        client.on(StreamingEvents.Warning, on_warning)

    def on_gateway(self, event: Any) -> None:
        order = getattr(event, "turn_order", None)
        data = getattr(event, "data", None)
        refusal = gateway_error(data)
        if refusal is not None:
            self._run.refused(refusal)
            return
        text = translation_text(data)
        if not isinstance(order, int) or text is None:
            log.warning(
                "Ignoring an LLM Gateway response without a translation (turn %s): %.200r",
                order,
                data,
            )
            if isinstance(order, int):
                self._run.settle([self.key(order)])
            return
        with self._lock:
            known = order in self._finished
            trimmed = order in self._trimmed
            if not known:
                self._early[order] = text
        if trimmed:
            log.info(
                "Not showing the translation of turn %s: it covers words of another line", order
            )
            self._run.settle([self.key(order)])
        elif known:
            self._forward(self.key(order), text)

    def _forward(self, key: str, text: str) -> None:
        self._run.settle([key])
        if self._run.translating:
            report_translation(self._run.listener, key, self._run.language, text)

    def on_revision(self, event: Any) -> None:
        offset = self._offset()
        for item in getattr(event, "revisions", None) or []:
            order = getattr(item, "turn_order", None)
            with self._lock:
                source = self._finished.get(order) if isinstance(order, int) else None
            if source is None:
                continue  # not a turn this connection showed
            label = self._revised_speaker(source, speaker_label(item.speaker_label))
            words = [w for w in item.words or [] if self._owns(w.start + offset)]
            word_speakers = tuple(
                self._revised_speaker(source, speaker_label(w.speaker)) for w in words
            )
            report_speaker_revision(self._run.listener, self.key(order), label, word_speakers)


def await_translations(extras: RunExtras, live: Link | None, wait_s: float) -> None:
    """Before ``Terminate``: give the last turns' translations a bounded moment.

    Translations come seconds after their turn; once ``Terminate`` is
    answered the session is closed and an answer still on its way is lost.
    The line being spoken is finished first (``ForceEndpoint``) so that it is
    translated too, rather than finalised by ``Terminate`` and never
    translated.  Returns as soon as every finished turn has its translation,
    else after ``wait_s`` (at most 2 s), in real time: it bounds how long
    Stop takes.
    """
    if not extras.translating:
        return
    if live is not None and live.usable and live.has_open_turn():
        live.force_endpoint()

    def pending() -> bool:
        open_turn = live is not None and live.usable and live.has_open_turn()
        return open_turn or bool(extras.waiting())

    if not _wait_while(pending, extras.nap, wait_s) and extras.waiting():
        log.info("Stopping without %d translation(s)", len(extras.waiting()))


def await_link_translations(
    link: Link, wait_s: float, cancelled: Callable[[], bool] = lambda: False
) -> None:
    """Before ending a connection the run goes on without: a bounded moment for its translations.

    A rollover's old session and a backfill that has sent its stretch are
    terminated while the run continues; an answer still on its way when
    ``Terminate`` is answered is lost, so each such line would stay without
    its translation.  As Stop does for the whole run, this waits for the
    link's own owed translations (its line still being spoken is finished
    first, ``ForceEndpoint``, so it is translated too), for at most
    ``wait_s`` (and 2 s) in real time; the link stays un-retired meanwhile,
    so answers are still forwarded.  No wait when translation is off, nothing
    is owed, the link has failed (no answer can come) or ``cancelled()``
    (the run is stopping: Stop has a wait of its own).  It blocks: call it on
    the thread that closes the link (a reaper or the backfill's), never the
    audio loop.
    """
    extras = link.extras
    if not extras.translating:
        return

    def pending() -> bool:
        if cancelled() or link.failure_pending():
            return False
        return link.has_open_turn() or bool(extras.owed())

    if link.usable and link.has_open_turn() and not cancelled():
        link.force_endpoint()
    if not _wait_while(pending, extras.nap, wait_s):
        log.info("Closing connection %d without %d translation(s)", link.id, len(extras.owed()))


def _wait_while(pending: Callable[[], bool], nap: Callable[[float], None], wait_s: float) -> bool:
    """Nap while ``pending()``, for at most ``wait_s`` (and 2 s); False if time ran out.

    ``nap`` sleeps, woken early when a translation settles: a wait that
    returned at once while only a forced final was awaited spun a core.
    """
    deadline = time.monotonic() + min(MAX_TRANSLATION_WAIT_S, wait_s)
    while pending():
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        nap(min(0.02, left))
    return True
