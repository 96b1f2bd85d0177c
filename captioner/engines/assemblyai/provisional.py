"""Offline captions while the cloud connection is down, marked provisional.

Rule: while the cloud engine is reconnecting, the offline engine listens to
the live audio (through a :class:`~captioner.audio.memory.PushSource`) and
its turns are reported as *partials* with ``provisional=True`` (finished
offline turns too, so they stay replaceable).  Word times are moved onto the
session timeline.  When the stretch is later transcribed by the cloud (the
backfill succeeded), every provisional turn of that outage is dropped with an
empty final for its key; if it cannot be (the buffer overflowed, the run
stopped first, reconnecting failed), each provisional turn is made final,
still marked provisional, because it is the best text there is.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace

from captioner.audio.memory import PushSource
from captioner.core.transcript import TurnUpdate, Word
from captioner.engines.base import Engine, EngineError, EngineListener, EngineState

log = logging.getLogger(__name__)

OfflineFactory = Callable[[EngineListener], Engine]


class ProvisionalCaptions:
    """One outage's offline captions; forwards them to ``listener`` as provisional."""

    def __init__(
        self,
        listener: EngineListener,
        factory: OfflineFactory,
        *,
        offset_ms: int,
        source_label: str = "",
    ) -> None:
        self.offset_ms = offset_ms
        self._listener = listener
        self._source_label = source_label
        self._lock = threading.Lock()
        self._turns: dict[str, TurnUpdate] = {}
        self._source = PushSource("live audio (provisional)")
        self._engine = factory(self)
        self._engine.start(self._source)
        self._ended = False
        self._resolved = False

    def push(self, chunk: bytes) -> None:
        if not self._ended:
            self._source.push(chunk)

    def end(self) -> None:
        """No more live audio for this outage (the cloud is back or the run ends)."""
        if not self._ended:
            self._ended = True
            self._source.end()

    def join(self, timeout: float = 10.0) -> None:
        self.end()
        if not self._engine.join(timeout):
            self._engine.stop()
            self._engine.join(timeout)

    def resolve(self, *, covered_from_ms: int | None) -> None:
        """Drop the turns the cloud transcribed, make the others final.

        ``covered_from_ms`` is where the cloud's transcript of this outage
        begins on the session clock (later than the outage when the buffer
        overflowed); ``None`` means the cloud covered none of it.
        """
        self.join()
        with self._lock:
            if self._resolved:
                return
            self._resolved = True
            turns, self._turns = list(self._turns.values()), {}
        for turn in turns:
            start = turn.start_ms if turn.start_ms is not None else self.offset_ms
            covered = covered_from_ms is not None and start >= covered_from_ms
            if covered or not turn.text.strip():
                self._listener.on_final(replace(turn, text="", words=(), end_of_turn=True))
            else:
                self._listener.on_final(replace(turn, end_of_turn=True))

    # -- EngineListener of the offline engine (its worker thread) -------------

    def on_partial(self, update: TurnUpdate) -> None:
        self._forward(update)

    def on_final(self, update: TurnUpdate) -> None:
        self._forward(update)

    def on_state(self, state: EngineState, detail: str) -> None:
        pass  # the cloud engine's state is what the user sees

    def on_error(self, error: EngineError) -> None:
        log.warning("Provisional offline captions failed: %s", error.message)

    def _forward(self, update: TurnUpdate) -> None:
        words = tuple(
            Word(w.text, w.start_ms + self.offset_ms, w.end_ms + self.offset_ms, w.confidence)
            for w in update.words
        )
        turn = replace(
            update,
            key=f"provisional-{update.key}",
            words=words,
            end_of_turn=False,
            provisional=True,
            source=self._source_label or update.source,
        )
        with self._lock:
            if self._resolved:
                return
            if not turn.text.strip():
                if self._turns.pop(turn.key, None) is not None:  # noise: drop the line
                    self._listener.on_final(replace(turn, end_of_turn=True))
                return
            self._turns[turn.key] = turn
            # Under the lock so that nothing is forwarded after resolve().
            self._listener.on_partial(turn)


def start_provisional(
    listener: EngineListener, factory: OfflineFactory | None, offset_ms: int, source_label: str
) -> ProvisionalCaptions | None:
    """Stand-in captions for an outage from ``offset_ms``; ``None`` without (or on failure)."""
    if factory is None:
        return None
    try:
        return ProvisionalCaptions(
            listener, factory, offset_ms=offset_ms, source_label=source_label
        )
    except Exception:  # captions from the cloud matter more than their stand-ins
        log.exception("Could not start provisional offline captions")
        return None
