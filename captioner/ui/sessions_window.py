"""View ▸ Sessions: past transcripts — open, search, rename, export, copy, delete.

The live session is listed as soon as it starts.  Search looks through every
session at once; picking a hit opens that session at the line.  File
dialogs and confirmations are injectable so tests can drive the window.
Stored sessions keep the words as recognised; what this window shows,
copies and exports goes through the user's profanity filter.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from captioner.core.export import ExportError, ExportFormat, format_for_path
from captioner.core.session import SessionInfo
from captioner.core.sessions import SearchHit, SessionSummary, search_in
from captioner.core.transcript import Turn
from captioner.ui.profanity_filter import ProfanityFilter
from captioner.ui.session_manager import SessionManager, export_turns, plain_text
from captioner.ui.transcript_view import TranscriptView, format_clock

EXPORT_FILTERS = ";;".join(f"{fmt.description} (*.{fmt.value})" for fmt in ExportFormat)


def ask_save_path(parent: QWidget, suggested: str) -> str:
    path, _filter = QFileDialog.getSaveFileName(
        parent, "Export transcript", suggested, EXPORT_FILTERS
    )
    return path


def ask_open_path(parent: QWidget) -> str:
    path, _filter = QFileDialog.getOpenFileName(
        parent, "Import transcript", "", "Captioner transcript (*.json)"
    )
    return path


def ask_confirm(parent: QWidget, question: str) -> bool:
    answer = QMessageBox.question(parent, "Delete session", question)
    return answer == QMessageBox.StandardButton.Yes


def ask_title(parent: QWidget, current: str) -> str | None:
    title, ok = QInputDialog.getText(parent, "Rename session", "Session name:", text=current)
    return title if ok else None


class SessionsWindow(QWidget):
    """Past sessions on the left, the chosen one on the right."""

    def __init__(
        self,
        manager: SessionManager,
        parent: QWidget | None = None,
        *,
        profanity: ProfanityFilter | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Sessions — Captioner")
        self.resize(900, 560)
        self.manager = manager
        self.profanity = profanity or ProfanityFilter(parent=self)
        self.ask_save_path: Callable[[QWidget, str], str] = ask_save_path
        self.ask_confirm: Callable[[QWidget, str], bool] = ask_confirm
        self.ask_title: Callable[[QWidget, str], str | None] = ask_title
        self._summaries: list[SessionSummary] = []
        self._current: tuple[SessionInfo, list[Turn]] | None = None
        self._current_id: str | None = None
        self._find_hits: list[SearchHit] = []
        self._find_index = -1

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search all sessions")
        self.search.setAccessibleName("Search all sessions")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.refresh)
        self.list = QListWidget()
        self.list.setAccessibleName("Sessions")
        self.list.currentItemChanged.connect(self._on_pick)
        self.rename_button = QPushButton("&Rename…")
        self.delete_button = QPushButton("&Delete…")
        self.export_button = QPushButton("&Export…")
        self.copy_button = QPushButton("&Copy")
        self.rename_button.clicked.connect(self.rename_current)
        self.delete_button.clicked.connect(self.delete_current)
        self.export_button.clicked.connect(self.export_current)
        self.copy_button.clicked.connect(self.copy_current)
        for button, name in (
            (self.rename_button, "Rename the session"),
            (self.delete_button, "Delete the session"),
            (self.export_button, "Export the session"),
            (self.copy_button, "Copy the transcript"),
        ):
            button.setAccessibleName(name)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.list, 1)
        buttons = QHBoxLayout()
        for button in (
            self.rename_button,
            self.delete_button,
            self.export_button,
            self.copy_button,
        ):
            buttons.addWidget(button)
        left_layout.addLayout(buttons)

        self.find = QLineEdit()
        self.find.setPlaceholderText("Find in this session (Enter: next)")
        self.find.setAccessibleName("Find in this session")
        self.find.returnPressed.connect(self.find_next)
        self.find.textChanged.connect(self._reset_find)
        self.header = QLabel()
        self.header.setObjectName("sessionHeader")
        self.header.setWordWrap(True)
        self.view = TranscriptView()
        self.view.setPlaceholderText("Pick a session on the left.")
        self.view.set_mask_profanity(self.profanity.enabled)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.header)
        right_layout.addWidget(self.find)
        right_layout.addWidget(self.view, 1)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([330, 570])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        QShortcut(QKeySequence.StandardKey.Find, self, self.find.setFocus)
        manager.sessionsChanged.connect(self._on_sessions_changed)
        self.profanity.changed.connect(self._on_profanity_filter)
        self.refresh()

    def _actions(self) -> tuple[QPushButton, ...]:
        return (self.rename_button, self.delete_button, self.export_button, self.copy_button)

    # -- listing and searching -----------------------------------------------------

    def _on_sessions_changed(self) -> None:
        # Listing reads every journal: only worth it while someone is looking
        # (show_sessions() refreshes when the window is opened again).
        if self.isVisible():
            self.refresh()

    def _on_profanity_filter(self, mask: bool) -> None:
        self.view.set_mask_profanity(mask)
        if self.isVisible():  # first words and search snippets
            self.refresh()
        summary = next((s for s in self._summaries if s.id == self._current_id), None)
        if summary is not None:
            self.header.setText(self._describe(summary))

    def refresh(self) -> None:
        """Re-list sessions, or search hits while the search box has text."""
        keep = self._current_id
        self.list.blockSignals(True)
        self.list.clear()
        query = self.search.text().strip()
        try:
            self._summaries = self.manager.store.list()
        except OSError as exc:
            self.header.setText(f"Cannot read the sessions folder: {exc}")
            self._summaries = []
        titles = {s.id: s.display_title for s in self._summaries}
        if query:
            for hit in self.manager.store.search(query):
                where = f"{titles.get(hit.session_id, '?')} · {format_clock(hit.start_ms)}"
                text = f"{where}\n{self.profanity.text(hit.snippet)}"
                item = QListWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, (hit.session_id, hit.turn_index))
                self.list.addItem(item)
        else:
            for summary in self._summaries:
                item = QListWidgetItem(self._describe(summary))
                item.setData(Qt.ItemDataRole.UserRole, (summary.id, None))
                self.list.addItem(item)
                if summary.id == keep:
                    self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        has = self._current is not None
        for button in (
            self.rename_button,
            self.delete_button,
            self.export_button,
            self.copy_button,
        ):
            button.setEnabled(has)

    def open_session(self, session_id: str, turn_index: int | None = None) -> None:
        info, turns = self.manager.store.load(session_id)
        self._current, self._current_id = (info, turns), session_id
        summary = next((s for s in self._summaries if s.id == session_id), None)
        self.header.setText(self._describe(summary) if summary else session_id)
        self.view.clear_transcript()
        for index, turn in enumerate(turns):
            self.view.insert_turn(index, turn)
        self._reset_find()
        for button in (
            self.rename_button,
            self.delete_button,
            self.export_button,
            self.copy_button,
        ):
            button.setEnabled(True)
        if turn_index is not None:
            self.jump_to(turn_index)

    def jump_to(self, turn_index: int) -> None:
        block = self.view.document().findBlockByNumber(turn_index)
        cursor = QTextCursor(block)
        cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
        self.view.setTextCursor(cursor)
        self.view.ensureCursorVisible()

    def selected_turn_index(self) -> int:
        return self.view.textCursor().blockNumber()

    def _on_pick(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        if item is None:
            return
        session_id, turn_index = item.data(Qt.ItemDataRole.UserRole)
        self.open_session(session_id, turn_index)

    def find_next(self) -> None:
        if self._current is None:
            return
        if not self._find_hits:
            self._find_hits = search_in(self._current[1], self.find.text())
            self._find_index = -1
        if not self._find_hits:
            self.header.setText(f"“{self.find.text()}” is not in this session.")
            return
        self._find_index = (self._find_index + 1) % len(self._find_hits)
        self.jump_to(self._find_hits[self._find_index].turn_index)

    def _reset_find(self) -> None:
        self._find_hits = []
        self._find_index = -1

    # -- actions ----------------------------------------------------------------------

    def rename_current(self) -> None:
        if self._current is None or self._current_id is None:
            return
        title = self.ask_title(self, self._current[0].title or "")
        if title is None:
            return
        self.manager.rename(self._current_id, title)

    def delete_current(self) -> None:
        if self._current is None or self._current_id is None:
            return
        summary = next((s for s in self._summaries if s.id == self._current_id), None)
        if summary is not None and summary.live:
            self.header.setText("This session is still running; stop captioning first.")
            return
        name = summary.display_title if summary else "this session"
        if not self.ask_confirm(
            self, f"Delete “{name}” and its transcript? This cannot be undone."
        ):
            return
        self.manager.discard(self._current_id)
        self._current, self._current_id = None, None
        self.view.clear_transcript()
        self.header.setText("Deleted.")
        self.refresh()

    def export_current(self) -> None:
        if self._current is None:
            return
        info, turns = self._current
        path = self.ask_save_path(self, f"{_file_stem(info)}.txt")
        if not path:
            return
        try:
            format_for_path(path)
        except ExportError:  # no known extension: plain text
            path += ".txt"
        _fmt, message = export_turns(path, turns, info, mask_profanity=self.profanity.enabled)
        self.header.setText(message)

    def copy_current(self) -> None:
        if self._current is None:
            return
        selected = self.view.textCursor().selectedText().replace("\u2029", "\n")
        whole = plain_text(self._current[1], mask_profanity=self.profanity.enabled)
        QGuiApplication.clipboard().setText(selected or whole)
        self.header.setText("Copied to the clipboard.")

    def _describe(self, summary: SessionSummary) -> str:
        return _describe(summary, self.profanity.text(summary.first_words))


def _describe(summary: SessionSummary, first_words: str) -> str:
    state = " · live" if summary.live else " · recovered" if summary.recovered else ""
    state = " · unfinished" if summary.crashed else state
    duration = format_clock(summary.duration_ms) if summary.duration_ms is not None else "—"
    first = first_words or "(no speech)"
    return f"{summary.display_title} · {duration} · {summary.engine}{state}\n{first}"


def _file_stem(info: SessionInfo) -> str:
    stamp = info.started_at.astimezone().strftime("%Y-%m-%d %H-%M")
    return f"Transcript {info.title or stamp}".replace("/", "-")
