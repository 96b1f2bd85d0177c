"""Exports are written off the GUI thread; the answer comes back on it.

Writing an export is a temporary file, an fsync and a rename
(:mod:`captioner.core.safe_write`): milliseconds on a local disk, seconds on
a network folder or a disk spinning up, and for as long as it likes on a
stalled one.  Done in the Export slot it froze the window and the captions
meanwhile.  :class:`Exports` renders and writes each export on a worker
thread of its own (:func:`~captioner.ui.keyring_access.off_gui_thread`, the
project's worker-and-queued-signal pattern, which works with or without the
qasync loop) and hands an :class:`ExportOutcome` back to the window on the
GUI thread: "Saved …" with the path, or the disk's problem in plain words.
Nothing is lost on failure: the transcript stays in memory and an existing
file is left as it was.

What asks the user (replace this file? these tracks?) stays in the slot,
before the write: a dialog belongs on the GUI thread.  Two exports of the
same file at once are refused (the second is told the first is still being
written) rather than racing two renames onto one name.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from shiboken6 import isValid

from captioner.core.session import SessionInfo
from captioner.core.transcript import Turn
from captioner.ui.keyring_access import off_gui_thread

if TYPE_CHECKING:  # imported at the first export, not before the window shows (issue 14)
    from captioner.core.export import ExportFormat, SubtitleTranslation

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ExportOutcome:
    """What became of one export: the format written (``None``: not written) and what to say."""

    path: str
    written: ExportFormat | None
    message: str

    @property
    def ok(self) -> bool:
        return self.written is not None


def export_turns(
    path: str | Path,
    turns: Sequence[Turn],
    info: SessionInfo | None,
    *,
    fmt: str | None = None,
    timestamps: bool = True,
    mask_profanity: bool = False,
    subtitles: SubtitleTranslation = "bilingual",
) -> tuple[ExportFormat | None, str]:
    """Export and say what happened in plain words: (format or None, message).

    Blocks on the disk: call it from a worker (:meth:`Exports.write`).
    """
    from captioner.core.export import ExportError, ExportOptions, export

    if not turns:
        return None, "There is nothing to export yet."
    options = ExportOptions(
        timestamps=timestamps, mask_profanity=mask_profanity, subtitle_translation=subtitles
    )
    try:
        written = export(path, turns, info, fmt=fmt, options=options)
    except ExportError as exc:
        return None, str(exc)
    lines = f"{len(turns)} line{'' if len(turns) == 1 else 's'}"
    return written, f"Saved {lines} to {path} ({written.value.upper()})."


def plain_text(turns: list[Turn], *, mask_profanity: bool = False) -> str:
    """The transcript for the clipboard: one paragraph per turn, no timestamps."""
    from captioner.core.export import ExportOptions, to_txt

    return to_txt(turns, ExportOptions(timestamps=False, mask_profanity=mask_profanity))


def _targets(path: str, turns: Sequence[Turn], fmt: str | None, subtitles: str) -> set[str]:
    """Every file an export writes (its translation tracks too), as absolute names.

    Pure string work, no disk access: the names are compared, not resolved
    (two spellings of one file through a symlinked folder are not caught;
    the atomic rename still keeps either export whole).
    """
    from captioner.core.export import (
        ExportError,
        ExportOptions,
        format_for_path,
        translation_exports,
    )

    names = [Path(path)]
    try:
        chosen = format_for_path(path, fmt)
        options = ExportOptions(subtitle_translation=subtitles)  # type: ignore[arg-type]
        names += [extra for extra, _language in translation_exports(path, turns, chosen, options)]
    except ExportError:
        pass  # the write will say what is wrong with the name
    return {os.path.normcase(os.path.abspath(name)) for name in names}


class Exports(QObject):
    """Writes exports on worker threads, never two at once into the same file.

    One per :class:`~captioner.ui.session_manager.SessionManager`, shared by
    the main window and the Sessions window, so an export started in one is
    known to the other.

    Signals:
        finished(ExportOutcome): an export ended (after its ``done`` ran); also
            for an export refused because its file was still being written.
        settled(): no export is being written any more (Quit waits for it).
    """

    finished = Signal(object)
    settled = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._writing: dict[int, set[str]] = {}  # export number -> the files it writes
        self._count = 0

    @property
    def busy(self) -> bool:
        """An export is being written."""
        return bool(self._writing)

    def write(
        self,
        path: str,
        turns: Sequence[Turn],
        info: SessionInfo | None,
        done: Callable[[ExportOutcome], None],
        *,
        owner: QObject,
        fmt: str | None = None,
        timestamps: bool = True,
        mask_profanity: bool = False,
        subtitles: SubtitleTranslation = "bilingual",
    ) -> None:
        """Write an export off the GUI thread; ``done(outcome)`` runs on the GUI thread.

        Returns at once.  ``done`` is skipped if ``owner`` (the window that
        asked) has been deleted by then; ``finished`` still fires.  If one of
        its files is still being written by an earlier export, nothing is
        written and ``done`` is told so straight away.
        """
        targets = _targets(path, turns, fmt, subtitles)
        if any(targets & files for files in self._writing.values()):
            self._deliver(
                done,
                owner,
                ExportOutcome(
                    path,
                    None,
                    f"“{Path(path).name}” is still being exported; try again once it is saved.",
                ),
            )
            return
        self._count += 1
        number = self._count
        self._writing[number] = targets
        # A snapshot for the worker: the transcript replaces a revised turn
        # (translation, speaker) rather than changing it, so copying the list
        # is enough; the live session's info is renamed in place, so it is copied.
        turns = list(turns)
        info = replace(info) if info is not None else None

        def work() -> tuple[ExportFormat | None, str]:
            return export_turns(
                path,
                turns,
                info,
                fmt=fmt,
                timestamps=timestamps,
                mask_profanity=mask_profanity,
                subtitles=subtitles,
            )

        def answered(result: tuple[ExportFormat | None, str]) -> None:
            self._ended(number, done, owner, ExportOutcome(path, *result))

        def failed(exc: Exception) -> None:  # not an ExportError: a bug, memory…
            log.error("Exporting %s failed: %r", path, exc)
            outcome = ExportOutcome(path, None, f"Could not export to “{path}”: {exc}")
            self._ended(number, done, owner, outcome)

        off_gui_thread(work, answered, self, on_error=failed, name="export")

    def _ended(
        self,
        number: int,
        done: Callable[[ExportOutcome], None],
        owner: QObject,
        outcome: ExportOutcome,
    ) -> None:
        self._writing.pop(number, None)
        try:
            self._deliver(done, owner, outcome)
        finally:
            if not self._writing:
                self.settled.emit()

    def _deliver(
        self, done: Callable[[ExportOutcome], None], owner: QObject, outcome: ExportOutcome
    ) -> None:
        if isValid(owner):
            done(outcome)
        self.finished.emit(outcome)
