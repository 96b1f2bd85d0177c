"""One stretch without a live connection, and how its stand-in captions are settled.

While the cloud is away the offline engine captions the live audio
(:mod:`~captioner.engines.assemblyai.provisional`); once a backfill
(:mod:`~captioner.engines.assemblyai.backfill`) has transcribed the gap,
the stand-in lines it covers are dropped and the rest become final.
"""

from __future__ import annotations

from dataclasses import dataclass

from captioner.engines.assemblyai.backfill import Backfill
from captioner.engines.assemblyai.provisional import ProvisionalCaptions


@dataclass
class Outage:
    """A stretch without a live connection: its gap, its stand-in captions, its backfill."""

    resume_ms: int
    since: float
    provisional: ProvisionalCaptions | None
    backfill: Backfill | None = None

    def resolve(self) -> None:
        if self.provisional is None:
            return
        backfill = self.backfill
        covered_from = None
        if backfill is not None and backfill.success:
            covered_from = backfill.start_ms + backfill.lost_ms
        self.provisional.resolve(covered_from_ms=covered_from)
