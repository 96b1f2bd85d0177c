"""What the Sessions window does to the session it shows: rename, delete, export, copy.

Kept apart from :mod:`captioner.ui.sessions_window`, which lists, searches
and shows sessions, so that each stays small.  None of these touches the
disk on the GUI thread: renaming and deleting go through the session
manager (the live journal's writer, the index's worker), and exports are
written by :class:`~captioner.ui.session_export.Exports`; the header says
"Deleting…" or "Exporting…" until the answer comes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QWidget

from captioner.core.export import ExportError, format_for_path
from captioner.core.session import SessionInfo
from captioner.core.sessions import SessionSummary
from captioner.core.transcript import Turn
from captioner.ui.export_place import ExportPlace, confirm_replace, confirm_tracks
from captioner.ui.profanity_filter import ProfanityFilter
from captioner.ui.session_export import ExportOutcome
from captioner.ui.session_manager import SessionManager
from captioner.ui.transcript_copy import TranscriptCopier
from captioner.ui.transcript_view import TranscriptView


class SessionWindowActions:
    """The Sessions window's actions (mixed into ``SessionsWindow``)."""

    manager: SessionManager
    profanity: ProfanityFilter
    export_place: ExportPlace
    copier: TranscriptCopier
    header: QLabel
    view: TranscriptView
    ask_save_path: Callable[[QWidget, str], str]
    ask_confirm: Callable[[QWidget, str], bool]
    ask_title: Callable[[QWidget, str], str | None]
    _summaries: list[SessionSummary]
    _current: tuple[SessionInfo, list[Turn]] | None
    _current_id: str | None
    _clear_view: Callable[[], None]
    refresh: Callable[[], None]

    def rename_current(self) -> None:
        if self._current is None or self._current_id is None:
            return
        title = self.ask_title(self._widget(), self._current[0].title or "")
        if title is None:
            return
        self.manager.rename(self._current_id, title)
        self._current[0].title = title.strip() or None  # a loaded copy: ours to update

    def delete_current(self) -> None:
        if self._current is None or self._current_id is None:
            return
        summary = next((s for s in self._summaries if s.id == self._current_id), None)
        if summary is not None and summary.live:
            self.header.setText("This session is still running; stop captioning first.")
            return
        name = summary.display_title if summary else "this session"
        if not self.ask_confirm(
            self._widget(), f"Delete “{name}” and its transcript? This cannot be undone."
        ):
            return
        # On the index's worker: the refresh() asked for after it is answered after it.
        self.manager.discard(
            self._current_id, lambda problem: self.header.setText(problem or "Deleted.")
        )
        self._current, self._current_id = None, None
        self._clear_view()
        self.header.setText("Deleting…")
        self.refresh()

    def _session_now(self) -> tuple[SessionInfo, list[Turn]] | None:
        """The shown session as it is now: the live one whole from memory, else as loaded.

        Never the view's copy of a live session: that was a part of it once.
        """
        if self._current is None:
            return None
        return self.manager.live.snapshot(self._current_id) or self._current

    def export_current(self) -> None:
        """Ask where (on the GUI thread), then write off it; the header says how it went."""
        now = self._session_now()
        if now is None:
            return
        info, turns = now[0], list(now[1])  # written on a worker: not a list that grows
        parent = self._widget()
        path = self.ask_save_path(parent, self.export_place.suggest(info))
        if not path:
            return
        try:
            format_for_path(path)
        except ExportError:  # no known extension: plain text
            path += ".txt"
            if not confirm_replace(parent, path):  # one stat, as the save dialog does
                return
        subtitles = self.export_place.subtitles()  # as the main window's export
        if not confirm_tracks(parent, path, turns, subtitles):
            return
        self.header.setText(f"Exporting to “{path}”…")
        self.manager.exports.write(
            path,
            turns,
            self.manager.live.export_info(info),  # a live one: its length so far
            self._exported,
            owner=parent,
            mask_profanity=self.profanity.enabled,
            subtitles=subtitles,
        )

    def _exported(self, outcome: ExportOutcome) -> None:
        if outcome.ok:
            self.export_place.remember(outcome.path)
        self.header.setText(outcome.message)

    def copy_current(self) -> None:
        now = self._session_now()
        if now is None:
            return
        selected = self.view.textCursor().selection().toPlainText()  # as Ctrl+C
        if selected:
            QGuiApplication.clipboard().setText(selected)
            self.header.setText("Copied to the clipboard.")
            return
        self.header.setText("Copying…")  # a long session's text is built off the GUI thread
        self.copier.copy(
            now[1],
            lambda problem: self.header.setText(problem or "Copied to the clipboard."),
            mask_profanity=self.profanity.enabled,
        )

    def _widget(self) -> QWidget:
        return cast(QWidget, self)  # mixed into the window: the dialogs' parent
