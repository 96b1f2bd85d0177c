"""Where exports go: the folder and format used last time, else Documents and plain text.

The save dialog used to open in whatever folder Captioner was launched from
and forget both the folder and the format, so every export began with a
hunt.  :class:`ExportPlace` remembers them (typed settings) and suggests a
full path; :func:`ask_save_path` preselects the matching file type.
"""

from __future__ import annotations

import contextlib
import functools
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from captioner.core.session import SessionInfo
from captioner.core.settings import Key, Settings

if TYPE_CHECKING:
    # captioner.core.export (its formats, cues and subtitle layout) is imported on
    # the first export, not before the main window shows (issue 14's launch time).
    from captioner.core.export import ExportFormat
    from captioner.core.transcript import Turn


def file_stem(info: SessionInfo | None) -> str:
    """An export's suggested name: the session's title, else when it started.

    The same from File ▸ Export and from the Sessions window: not the time of
    the export (a session begun before midnight and exported after it was
    named for the next day, and a renamed one not by its title).
    """
    started = info.started_at.astimezone() if info is not None else datetime.now()
    title = info.title if info is not None else None
    stem = f"Transcript {title or started.strftime('%Y-%m-%d %H-%M')}"
    # A title may hold what no file name may ("Sync: Q4?"): a USB stick (FAT, exFAT) or a
    # Windows share refuses \ / : * ? " < > |, Linux refuses /, none wants control codes.
    return "".join("-" if c in _NOT_IN_NAMES or not c.isprintable() else c for c in stem)


_NOT_IN_NAMES = frozenset('\\/:*?"<>|')


@functools.cache
def export_filters() -> list[str]:
    """The save dialog's file types, one per export format ("Plain text (*.txt)", …)."""
    from captioner.core.export import ExportFormat

    return [f"{fmt.description} (*.{fmt.value})" for fmt in ExportFormat]


def documents_folder() -> str:
    """The user's Documents folder (home when the desktop names none); no disk access."""
    return QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.DocumentsLocation
    ) or str(Path.home())


def first_folder(*folders: str) -> str:
    """The first of ``folders`` that exists, else home.

    The save dialog opened on a folder that is not there (no ~/Documents, a
    remembered USB stick) falls back to the directory the app was started
    from, and the export landed there.  One stat each, as the dialog makes.
    """
    return next((f for f in folders if f and Path(f).is_dir()), str(Path.home()))


def ask_save_path(parent: QWidget, suggested: str) -> str:
    """The save dialog, opened on ``suggested`` with its file type preselected."""
    from captioner.core.export import ExportFormat
    from captioner.core.export_base import has_export_extension

    filters = export_filters()
    suffix = Path(suggested).suffix.lstrip(".").lower()
    selected = next((f for f in filters if f.endswith(f"(*.{suffix})")), filters[0])
    path, chosen = QFileDialog.getSaveFileName(
        parent, "Export transcript", suggested, ";;".join(filters), selected
    )
    if path and not has_export_extension(path):
        # No export extension typed ("Standup 10.30" has none): the file type picked in
        # the dialog decides, and is added.
        index = filters.index(chosen) if chosen in filters else 0
        path += f".{list(ExportFormat)[index].value}"
        if not confirm_replace(parent, path):
            return ""
    return path


def confirm_replace(parent: QWidget, path: str) -> bool:
    """Ask before replacing ``path`` when Captioner, not the dialog, chose its name.

    The save dialog asks before replacing the file the user typed; an
    extension added afterwards names another file, which the dialog never saw.
    (One ``stat`` on the GUI thread, as the dialog itself does for every name.)
    """
    if not Path(path).is_file():
        return True
    answer = QMessageBox.question(
        parent,
        "Replace file?",
        f"“{Path(path).name}” already exists in “{Path(path).parent}”. Replace it?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def confirm_tracks(parent: QWidget, path: str, turns: list[Turn], subtitles: str) -> bool:
    """Ask before replacing translation tracks (``talk.fr.srt``) written beside ``path``.

    The save dialog only asked about the file the user named; a separate
    subtitle track per language is another file it never saw.  Asked on the
    GUI thread before the export is handed to its worker: one ``stat`` per
    track (a handful at most), as the dialog does for the name it shows;
    the write itself never happens here.
    """
    from captioner.core.export import (
        ExportError,
        ExportOptions,
        format_for_path,
        translation_exports,
    )

    try:
        fmt = format_for_path(path)
    except ExportError:
        return True
    options = ExportOptions(subtitle_translation=subtitles)  # type: ignore[arg-type]
    existing = [p for p, _ in translation_exports(path, turns, fmt, options) if p.is_file()]
    if not existing:
        return True
    names = ", ".join(f"“{p.name}”" for p in existing)
    answer = QMessageBox.question(
        parent,
        "Replace subtitle tracks?",
        f"The translation tracks {names} already exist beside it. Replace them?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


class ExportPlace:
    """Remembers the last export's folder and format and suggests the next file name."""

    def __init__(self, prefs: Settings | None) -> None:
        self._prefs = prefs

    def folder(self) -> str:
        remembered = self._prefs.get(Key.EXPORT_FOLDER) if self._prefs is not None else ""
        return first_folder(remembered, documents_folder())

    def format(self) -> ExportFormat:
        from captioner.core.export import ExportFormat

        value = self._prefs.get(Key.EXPORT_FORMAT) if self._prefs is not None else "txt"
        return ExportFormat(value)

    def subtitles(self) -> str:
        """How translations go into subtitle exports: "bilingual" cues or a file per language."""
        return (
            self._prefs.get(Key.TRANSLATION_SUBTITLES) if self._prefs is not None else "bilingual"
        )

    def suggest(self, info: SessionInfo | None) -> str:
        """A full path for a new export of the session ``info`` (see :func:`file_stem`)."""
        return str(Path(self.folder()) / f"{file_stem(info)}.{self.format().value}")

    def remember(self, path: str) -> None:
        """After a successful export: start there next time, in the same format."""
        if self._prefs is None:
            return
        from captioner.core.export import ExportError, format_for_path

        self._prefs.set(Key.EXPORT_FOLDER, str(Path(path).parent))
        # An unknown extension was exported as text: keep the last format.
        with contextlib.suppress(ExportError):
            self._prefs.set(Key.EXPORT_FORMAT, format_for_path(path).value)
