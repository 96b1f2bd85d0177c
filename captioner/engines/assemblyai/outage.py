"""One stretch without a live connection, how its stand-in captions are settled,
and what of it was lost for good.

While the cloud is away the offline engine captions the live audio
(:mod:`~captioner.engines.assemblyai.provisional`); once a backfill
(:mod:`~captioner.engines.assemblyai.backfill`) has transcribed the gap,
the stand-in lines it covers are dropped and the rest become final.

The user is told, as a notice (the status bar, never a dialog), as soon as
each thing is known: when a backfill begins, that the gap is being
transcribed again and its lines go in above (:func:`filling_in_notice`);
when speech cannot be (the buffer had overflowed, known as the backfill
starts; the backfill gave up), which stretch (:meth:`Outage.news`).  At the
end of a run, :func:`describe_losses` sums up every stretch the cloud never
transcribed (Stop cut a backfill short, too), so that a transcript with gaps
is reported as such, saying so when each was already told.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from captioner.audio.ring import AudioRing
from captioner.engines.assemblyai.backfill import Backfill
from captioner.engines.assemblyai.provisional import (
    OfflineFactory,
    ProvisionalCaptions,
    start_provisional,
)
from captioner.engines.base import (
    EngineError,
    EngineListener,
    EngineNotice,
    ErrorKind,
    report_notice,
)

log = logging.getLogger("captioner.engines.assemblyai.session")

# Why a stretch is transcribed again, as the reader would put it (``filling_in_notice``).
MISSED_DISCONNECTED = "missed while disconnected"
# The session ended (end of the file or device) without confirming its last words:
# nothing looked disconnected, so "missed while disconnected" would puzzle the reader.
MISSED_AT_END = "the service did not confirm as the session ended"
# A rollover's old session dropped before the new one had taken over, or
# closed without confirming its last words.
MISSED_AT_ROLLOVER = "missed when the connection was renewed"
# Stop came before a session had confirmed its last words (no time is left to
# redo them): nothing was lost on the way, so "the connection was lost" would
# mislead the reader (``describe_losses``).
MISSED_AT_STOP = "not confirmed when captioning stopped"


@dataclass
class Outage:
    """A stretch without a live connection: its gap, its stand-in captions, its backfill."""

    resume_ms: int
    since: float
    provisional: ProvisionalCaptions | None
    backfill: Backfill | None = None
    end_ms: int | None = None  # where the gap ends on the session clock, once known
    drop_ms: int | None = None  # where the live audio stopped reaching the cloud
    stand_in_tried: bool = False
    told: tuple[int, int] | None = None  # the lost stretch the user was last told of
    missed: str = MISSED_DISCONNECTED  # why, for the "Filling in" notice

    @classmethod
    def renewal_dropped(cls, resume_ms: int, since: float) -> Outage:
        """A rollover's old session dropped, or closed unconfirmed: its tail is redone."""
        return cls(resume_ms, since, None, missed=MISSED_AT_ROLLOVER)

    def start_stand_in(
        self, listener: EngineListener, factory: OfflineFactory | None, ring: AudioRing, label: str
    ) -> None:
        """Start offline captions for this outage, from the drop on (the ring holds it).

        Started late on purpose (see ``AssemblyAIConfig.provisional_after_s``):
        building an offline decoder holds the GIL for a second or more, which
        would delay the reconnect it stands in for.
        """
        self.stand_in_tried = True
        if factory is None or self.drop_ms is None:
            return
        first, chunks = ring.slice(self.drop_ms, ring.end_ms)
        self.provisional = start_provisional(listener, factory, first, label)
        if self.provisional is not None:
            for chunk in chunks:
                self.provisional.push(chunk)

    def resolve(self) -> None:
        if self.provisional is None:
            return
        backfill = self.backfill
        covered_from = None
        if backfill is not None and backfill.success:
            covered_from = backfill.start_ms + backfill.lost_ms
        self.provisional.resolve(covered_from_ms=covered_from)

    def unrecovered(self) -> tuple[int, int] | None:
        """The part of the gap the cloud never transcribed, as ``(start_ms, end_ms)``."""
        backfill = self.backfill
        if backfill is None:  # cut short before a backfill began, or nothing to redo
            end = self.end_ms
            return (self.resume_ms, end) if end is not None and end > self.resume_ms else None
        if backfill.success:
            lost = backfill.lost_ms
            return (backfill.start_ms, backfill.start_ms + lost) if lost > 0 else None
        lost_until = backfill.start_ms + backfill.lost_ms
        if backfill.lost_ms > 0 and backfill.reached_ms <= lost_until:
            # Nothing was transcribed after the audio the buffer had dropped
            # (all of the gap had gone): the whole gap, not only what followed.
            return (backfill.start_ms, backfill.until_ms)
        reached = max(lost_until, backfill.reached_ms)
        return (reached, backfill.until_ms) if reached < backfill.until_ms else None

    def news(self, *, host: str, kept_ms: int) -> EngineNotice | None:
        """A notice of speech newly known lost for good since the last call, else ``None``.

        Known while the backfill runs when the buffer (``kept_ms`` of audio)
        had already dropped the gap's start; known when it ends when it gave
        up.  A cancelled backfill (Stop) is for :func:`describe_losses`.
        """
        backfill = self.backfill
        if backfill is None:
            return None
        done = backfill.done.is_set()
        lost = backfill.lost_ms  # grows on the backfill's thread
        if done:
            span = self.unrecovered()
        else:
            span = (backfill.start_ms, backfill.start_ms + lost) if lost > 0 else None
        if span is None or span == self.told:
            return None
        self.told = span
        start, end = span
        failed = done and not backfill.success and backfill.start_ms + lost < backfill.until_ms
        why = (
            f"the connection to {host} kept failing"
            if failed
            else f"the connection was down longer than the {kept_ms / 1000:g} s of audio kept"
        )
        message = (
            f"{(end - start) / 1000:.1f} s of speech ({_clock(start)}–{_clock(end)}) "
            f"could not be transcribed again: {why}."
        )
        if self.provisional is not None:
            message += " Offline captions stand in for it."
        if not done and end < backfill.until_ms:  # it replaces filling_in_notice on screen
            message += " The rest goes in above, marked “filled in”."
        return EngineNotice(message, f"{start}–{end} ms of the session not transcribed")


def settle_pending(
    pending: list[Outage], listener: EngineListener, *, host: str, kept_ms: int
) -> None:
    """Say what is newly known lost for good; settle the outages whose backfill is over."""
    for outage in list(pending):
        done = outage.backfill is not None and outage.backfill.done.is_set()
        notice = outage.news(host=host, kept_ms=kept_ms)
        if notice is not None:  # said when known, not only at the end of the run
            log.warning("%s (%s)", notice.message, notice.detail)
            report_notice(listener, notice)
        if done:
            pending.remove(outage)
            outage.resolve()


def filling_in_notice(
    start_ms: int, until_ms: int, missed: str = MISSED_DISCONNECTED
) -> EngineNotice:
    """The gap is being transcribed again: its lines will appear above the newest ones."""
    return EngineNotice(
        f"Filling in the {(until_ms - start_ms) / 1000:.1f} s {missed} "
        f"({_clock(start_ms)}–{_clock(until_ms)}): its lines go in above, marked “filled in”.",
        f"backfill of {start_ms}–{until_ms} ms of the session ({missed})",
    )


def describe_losses(outages: Iterable[Outage], *, host: str) -> EngineError | None:
    """An ``INCOMPLETE`` error naming the stretches no connection transcribed, if any.

    Stretches cut off by Stop before the service confirmed them are told
    apart from those a lost connection took: the reader should not hunt for
    a network fault that never happened.
    """
    outages = list(outages)
    lost = [(o.unrecovered(), o) for o in outages]
    lost = [(span, o) for span, o in lost if span is not None]
    if not lost:
        return None
    told = all(o.told == o.unrecovered() for o in outages)
    stopped = [(span, o) for span, o in lost if o.missed == MISSED_AT_STOP]
    dropped = [(span, o) for span, o in lost if o.missed != MISSED_AT_STOP]
    clauses = []
    if dropped:
        clauses.append(
            f"the connection to {host} was lost and {_stretches(dropped)} "
            "could not be transcribed again"
        )
    if stopped:
        clauses.append(f"{host} had not confirmed {_stretches(stopped)} when captioning stopped")
    message = (
        # Every stretch was said as it became known: this is the same news,
        # summed up, not more of it.
        ("As noted during the session, some" if told else "Some")
        + " speech is missing from this transcript: "
        + "; ".join(clauses)
        + "."
    )
    if all(o.provisional is not None for _, o in lost):
        message += " Offline captions stand in for it."
    detail = "; ".join(
        f"{start}–{end} ms of the session not transcribed" for (start, end), _ in lost
    )
    return EngineError(ErrorKind.INCOMPLETE, message, None, detail)


def _stretches(lost: list[tuple[tuple[int, int], Outage]]) -> str:
    """``1.7 s of audio (0:02.1–0:03.8)``: how long in all, and where."""
    total_s = sum(end - start for (start, end), _ in lost) / 1000
    where = ", ".join(f"{_clock(start)}–{_clock(end)}" for (start, end), _ in lost)
    return f"{total_s:.1f} s of audio ({where})"


def _clock(ms: int) -> str:
    """``m:ss.s`` (``h:mm:ss.s`` past an hour): where in the session, to a tenth of a second."""
    minutes, seconds = divmod(ms / 1000, 60)
    hours, minutes = divmod(int(minutes), 60)
    return f"{hours}:{minutes:02d}:{seconds:04.1f}" if hours else f"{minutes}:{seconds:04.1f}"
