"""How transcript lines look: their character formats, clock and the earlier-lines notice.

Shared by the live transcript view, the Sessions window's view and the
session list (which shows a duration in the same clock).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtGui import QTextCharFormat

from captioner.core.caption_line import Side


def format_clock(ms: int | None) -> str:
    if ms is None:
        return "--:--"
    seconds = ms // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def earlier_notice(count: int) -> str:
    """The first line of a live view that dropped its oldest lines: where they are."""
    lines = "line is" if count == 1 else "lines are"
    return (
        f"{count:,} earlier {lines} not shown here but kept with this session: "
        "View ▸ Sessions… (Ctrl+H) shows and searches all of it, File ▸ Export… saves it."
    )


@dataclass
class LineStyles:
    """The character formats lines are written in (the view updates them with the palette)."""

    time: QTextCharFormat = field(default_factory=QTextCharFormat)
    text: QTextCharFormat = field(default_factory=QTextCharFormat)
    partial: QTextCharFormat = field(default_factory=QTextCharFormat)
    translation: QTextCharFormat = field(default_factory=QTextCharFormat)
    notice: QTextCharFormat = field(default_factory=QTextCharFormat)
    sides: dict[Side, QTextCharFormat] = field(default_factory=dict)
