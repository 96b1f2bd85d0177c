"""Sessions held only in memory, written somewhere at the last moment (SIGTERM, logout).

When the sessions folder could not take a stopped session, the session
manager keeps its transcript in memory until the user picks a folder that
works.  Quitting with a dialog asks about them; a signal or a logout
cannot ask, and a process that just exits loses them.  So they are written
to a folder of their own, named so that someone finds it — in the home
folder first, the temporary folder second — and the log says where.

Disk work: call :func:`save_to_fallback` from a worker thread.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from captioner.core.journal import JournalError
from captioner.core.session import SessionInfo
from captioner.core.sessions import SessionStore
from captioner.core.transcript import Turn

log = logging.getLogger(__name__)


def fallback_folders(day: date, home: Path | None = None) -> list[Path]:
    """Where to try, in order: ``~/captioner-unsaved-<day>``, then the same in the temp folder.

    ``tempfile.gettempdir()`` probes the disk on its first call: worker only.
    """
    name = f"captioner-unsaved-{day.isoformat()}"
    return [(home or Path.home()) / name, Path(tempfile.gettempdir()) / name]


@dataclass(frozen=True, slots=True)
class FallbackResult:
    """Where the sessions went (``folders``, by session id), and those that went nowhere."""

    folders: dict[str, Path] = field(default_factory=dict)
    lost: list[str] = field(default_factory=list)  # session ids
    problems: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """One line for the log (and the terminal a SIGTERM came from)."""
        where = sorted({str(folder) for folder in self.folders.values()})
        parts = []
        if self.folders:
            count = len(self.folders)
            parts.append(
                f"{count} unsaved session{'s were' if count > 1 else ' was'} written to "
                + ", ".join(f"“{w}”" for w in where)
            )
        if self.lost:
            parts.append(
                f"{len(self.lost)} could not be written anywhere ({'; '.join(self.problems)})"
            )
        return "; ".join(parts) + "."


def save_to_fallback(
    sessions: Sequence[tuple[SessionInfo, Sequence[Turn]]], folders: Sequence[Path]
) -> FallbackResult:
    """Write each session, ended, into the first of ``folders`` that takes it."""
    result = FallbackResult()
    for info, turns in sessions:
        for folder in folders:
            try:
                SessionStore(folder).add(info, turns)
            except JournalError as exc:
                result.problems.append(str(exc))
                continue
            result.folders[info.id] = folder
            break
        else:
            result.lost.append(info.id)
    if result.lost:
        log.warning("%s", result.describe())
    else:
        log.info("%s", result.describe())
    return result
