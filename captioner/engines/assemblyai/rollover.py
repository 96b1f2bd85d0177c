"""Where a session rollover hands the timeline from the old connection to the new one.

The service ends a session at 3 hours, so the run opens a new one before
that (:mod:`~captioner.engines.assemblyai.session`) and both hear the audio
for a while.  The handover point *H* splits the timeline between them: the
old connection keeps the words that start before *H*, the new one those from
*H* on.  A fixed *H* (a moment after the new session began) cut the sentence
being spoken in two lines, neither of them formatted as a sentence, once per
rollover of every long meeting.  So *H* is placed at a pause:

* the new connection hears from ``start_ms`` on and holds its turns back
  (:meth:`~captioner.engines.assemblyai.turn_placement.TurnPlacement.hold_turns`);
* once it has heard ``overlap_ms`` (its first words are reliable), the
  first time the old connection has no line open, *H* is where its last
  finished line ended (not before ``start_ms``: the new one must have heard
  every word it owns whole).  The sentence spoken at the rollover stays the
  old session's, whole, with its formatting and translation;
* an old connection gone quiet (a Heartbeat overdue) has no line open only
  because it says nothing: *H* is then a pause the new connection heard (the
  end of the line it joined mid-way), and the old one's unconfirmed lines
  are redone once it is closed (:mod:`~captioner.engines.assemblyai.session_end`);
* if nobody pauses for ``search_ms``, *H* is the current time: the sentence
  is split, as before, rather than risking the 3-hour limit (10 minutes
  away by default, so a minute's wait is safe).

The new connection then shows the turns it held, trimmed to its window; the
old one hears ``handover_margin_s`` past *H* and is closed by the run.
Ownership windows never overlap, so no word is shown twice, and the new
session heard everything from ``start_ms`` on, so none is lost.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from captioner.engines.assemblyai.config import AssemblyAIConfig
    from captioner.engines.assemblyai.link import Link

log = logging.getLogger("captioner.engines.assemblyai.session")


@dataclass
class Handover:
    """A rollover in progress: the old connection, the new one, and *H* once placed."""

    old: Link
    new: Link
    start_ms: int  # session clock: where the new connection's audio begins
    at_ms: int | None = None  # H; None while looking for a pause

    def old_done(self, pos_ms: int, cfg: AssemblyAIConfig) -> bool:
        """Whether the old connection may be closed now: *H* placed, and heard past it."""
        placed = self.seek(
            pos_ms,
            overlap_ms=int(cfg.rollover_overlap_s * 1000),
            search_ms=int(cfg.handover_search_s * 1000),
        )
        at = self.at_ms
        return placed and at is not None and pos_ms >= at + cfg.handover_margin_s * 1000

    def old_dropped(self, resume_ms: int) -> int:
        """The old connection died at ``resume_ms`` (retired): *H*, where a backfill of it ends.

        Not placed yet: the new connection heard everything from its start, so it
        takes over from the old one's resume point, or from its own start if
        that is later (the stretch between is the backfill's).
        """
        if self.at_ms is None:
            self.place(max(resume_ms, self.start_ms))
        assert self.at_ms is not None
        return self.at_ms

    def seek(self, pos_ms: int, *, overlap_ms: int, search_ms: int) -> bool:
        """Place *H* if it can be placed now (see the module docstring); True once placed."""
        if self.at_ms is not None:
            return True
        if pos_ms < self.start_ms + overlap_ms:
            return False
        if self.old.liveness.overdue():
            # Gone quiet: its lines are unconfirmed (redone once it is closed),
            # its silence no pause.  The new connection's pause is (when it
            # began mid-line, the end of that line).
            at = self.new.held_pause(self.start_ms)
            if at is not None:
                self.old.close_window(at)
        else:
            at = self.old.close_window_when_idle(self.start_ms)
        if at is None:
            if pos_ms < self.start_ms + search_ms:
                return False
            log.info("No pause for %d s at the rollover; handing over mid-line", search_ms // 1000)
            at = pos_ms
            self.old.close_window(at)
        self.place(at)
        return True

    def place(self, at_ms: int) -> None:
        """Set *H*: the new connection owns words from there and shows what it held."""
        self.at_ms = at_ms
        self.new.release_turns(at_ms)
