"""Which damaged sessions the user has been told about, remembered across launches.

A journal with unreadable lines stays damaged: were it said at every launch,
the status line would greet the user with the same old news each time and
they would learn to ignore it.  So it is said once for each new damage — a
session not told about before, or one with more unreadable lines than when
told — and the Sessions list keeps its "· damaged" marker for good.  What
was told is kept in the settings (``Key.SESSIONS_DAMAGE_TOLD``), bounded.
"""

from __future__ import annotations

from captioner.core.sessions import SessionSummary
from captioner.core.settings import Key, Settings

REMEMBERED = 200  # sessions; the oldest told are forgotten first


class DamageNotes:
    """Filters damaged sessions down to the news, and remembers it as told."""

    def __init__(self, prefs: Settings | None) -> None:
        self._prefs = prefs
        self._told: dict[str, int] = {}  # session id → unreadable lines when told
        stored = prefs.get(Key.SESSIONS_DAMAGE_TOLD) if prefs is not None else ""
        for line in stored.split():
            session_id, _, lines = line.partition(":")
            if lines.isdigit():
                self._told[session_id] = int(lines)

    def news(self, damaged: list[SessionSummary]) -> str | None:
        """The sentence for damage not told yet (``None``: nothing new), marked as told."""
        new = [s for s in damaged if s.damaged_lines > self._told.get(s.id, 0)]
        if not new:
            return None
        for summary in new:
            self._told.pop(summary.id, None)  # re-inserted last: the newest
            self._told[summary.id] = summary.damaged_lines
        while len(self._told) > REMEMBERED:
            del self._told[next(iter(self._told))]
        if self._prefs is not None:
            text = "\n".join(f"{sid}:{lines}" for sid, lines in self._told.items())
            self._prefs.set(Key.SESSIONS_DAMAGE_TOLD, text)
        return damage_message(new)


def damage_message(damaged: list[SessionSummary]) -> str:
    """Which stored sessions had unreadable records, in one sentence."""
    names = ", ".join(f"“{s.display_title}”" for s in damaged[:3])
    names += " and others" if len(damaged) > 3 else ""
    lines = sum(s.damaged_lines for s in damaged)
    what = (
        f"The saved session {names} was"
        if len(damaged) == 1
        else f"{len(damaged)} saved sessions ({names}) were"
    )
    return (
        f"{what} damaged on disk: {lines} unreadable line{'s' if lines > 1 else ''} "
        "skipped, everything else kept (View ▸ Sessions)."
    )
