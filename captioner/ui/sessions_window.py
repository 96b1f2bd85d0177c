"""View ▸ Sessions: past transcripts — open, search, rename, export, copy, delete.

The live session is listed as soon as it starts.  Search looks through every
session at once; picking a hit opens that session at the line.  File
dialogs and confirmations are injectable so tests can drive the window.
Stored sessions keep the words as recognised; what this window shows,
copies and exports goes through the user's profanity filter.

The window never reads a journal itself: it asks the session index
(:class:`~captioner.ui.session_library.SessionLibrary`), which answers from
memory on its worker thread, and fills the list when the answer arrives.
Search waits for a pause in typing (``SEARCH_DEBOUNCE_MS``) so a quick
word costs one search, not one per key.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from captioner.core.session import SessionInfo
from captioner.core.session_index import LoadedSession
from captioner.core.sessions import SearchHit, SessionSummary, search_in
from captioner.core.transcript import Turn
from captioner.ui.accessible_window import announced_as_window
from captioner.ui.close_keys import install_close_keys
from captioner.ui.contrast import readable_placeholders
from captioner.ui.export_place import ExportPlace, ask_save_path
from captioner.ui.focus_ring import FocusRing
from captioner.ui.profanity_filter import ProfanityFilter
from captioner.ui.screen_fit import GrowWithText, KeepOnScreen, available_area, fit_size, for_text
from captioner.ui.session_library import SessionRows, Target, describe
from captioner.ui.session_manager import SessionManager
from captioner.ui.session_prompts import ask_confirm, ask_title, without_empty
from captioner.ui.session_window_actions import SessionWindowActions
from captioner.ui.session_window_live import LiveFollowing
from captioner.ui.text_size import TextSize, add_keys
from captioner.ui.transcript_copy import TranscriptCopier
from captioner.ui.transcript_view import TranscriptView

SEARCH_DEBOUNCE_MS = 200  # a pause in typing; shorter searches for half-typed words
SHOW_TURNS_PER_PASS = 60  # about 12 ms of drawing between two looks at the event loop


@announced_as_window
class SessionsWindow(SessionWindowActions, LiveFollowing, QWidget):
    """Past sessions on the left, the chosen one on the right (the live one as it goes on).

    Sessions with no speech (a Start and Stop with nobody talking) are hidden
    unless "Show empty sessions" is ticked: they are kept, but a list full of
    "(no speech)" rows hides the ones people look for.

    Signals:
        sessionShown(str): a session is in the view, whole (and at its hit, if any).

    ``text_size``: the main window's transcript size, which this one's follows.
        quitRequested(): Ctrl+Q in this window (the app quits as from the main window).
    """

    sessionShown = Signal(str)
    quitRequested = Signal()

    def __init__(
        self,
        manager: SessionManager,
        parent: QWidget | None = None,
        *,
        profanity: ProfanityFilter | None = None,
        export_place: ExportPlace | None = None,
        text_size: TextSize | None = None,
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Sessions — Captioner")
        fit_size(self, for_text(self, QSize(900, 560)))  # roomy, or as much as a small screen holds
        self.grow_with_text = GrowWithText(self, QSize(900, 560))  # a font grown later
        self.keep_on_screen = KeepOnScreen(self)
        self.manager = manager
        self.profanity = profanity or ProfanityFilter(parent=self)
        self.export_place = export_place or ExportPlace(None)
        self.copier = TranscriptCopier(self)  # the text built off the GUI thread
        self.open_url = QDesktopServices.openUrl  # tests replace it: no file manager there
        self.ask_save_path: Callable[[QWidget, str], str] = ask_save_path
        self.ask_confirm: Callable[[QWidget, str], bool] = ask_confirm
        self.ask_title: Callable[[QWidget, str], str | None] = ask_title
        self._summaries: list[SessionSummary] = []
        self._current: tuple[SessionInfo, list[Turn]] | None = None
        self._current_id: str | None = None
        self._opening: tuple[str, int | None] | None = None  # asked for, not loaded yet
        self._showing = 0  # counts sessions put in the view (a newer one stops an older one)
        self._drawn = 0
        self._reloading: str | None = None
        self._described = ""  # the header's last description of the shown session
        self._find_hits: list[SearchHit] = []
        self._find_index = -1
        self._targets: list[Target] = []  # what each row of the list opens
        self._library = manager.library
        self._library.rowsReady.connect(self._on_rows)
        self._library.loaded.connect(self._on_loaded)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.refresh)

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search all sessions")
        self.search.setAccessibleName("Search all sessions")
        self.search.setClearButtonEnabled(True)
        for clear in self.search.findChildren(QToolButton):  # Qt leaves it unnamed
            clear.setAccessibleName("Clear the search")
        self.search.textChanged.connect(self._on_search_edited)
        self.list = QListWidget()
        self.list.setAccessibleName("Sessions")
        # Every row is two unwrapped lines: without this the view measures each of
        # thousands of rows on the GUI thread whenever the list is refilled.
        self.list.setUniformItemSizes(True)
        self.list.currentItemChanged.connect(self._on_pick)
        self.show_empty = QCheckBox("&Show empty sessions")
        self.show_empty.setAccessibleName("Show sessions with no speech")
        self.show_empty.toggled.connect(self._on_show_empty)
        self._rows: SessionRows | None = None
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
        left_layout.addWidget(self.show_empty)
        buttons = QGridLayout()
        # Two rows of two on a narrow screen (1024×600 at 2× is 512 px wide).
        per_row = 4 if available_area(self).width() >= 700 else 2
        for i, button in enumerate(self._actions()):
            buttons.addWidget(button, i // per_row, i % per_row)
        left_layout.addLayout(buttons)

        self.find = QLineEdit()
        self.find.setPlaceholderText("Find in this session (Enter: next)")
        self.find.setAccessibleName("Find in this session")
        self.find.returnPressed.connect(self.find_next)
        self.find.textChanged.connect(self._reset_find)
        self.header = QLabel()
        self.header.setObjectName("sessionHeader")
        self.header.setWordWrap(True)
        self.view = TranscriptView(live=False)
        self.view.setPlaceholderText("Pick a session on the left.")
        self.view.set_mask_profanity(self.profanity.enabled)
        if text_size is not None:  # the main window's: one size for every transcript
            self.view.text_size.follow(text_size)
        add_keys(self, self.view.text_size)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.header)
        right_layout.addWidget(self.find)
        right_layout.addWidget(self.view, 1)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([330, 570])
        self.folder_label = QLabel(f"Sessions are kept in {manager.store.data_dir}")
        self.folder_label.setObjectName("sessionsFolder")
        self.folder_label.setWordWrap(True)
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_folder_button = QPushButton("Open &folder")
        self.open_folder_button.setAccessibleName("Open the sessions folder")
        self.open_folder_button.clicked.connect(self.open_data_folder)
        footer = QHBoxLayout()
        footer.addWidget(self.folder_label, 1)
        footer.addWidget(self.open_folder_button)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        layout.addLayout(footer)
        QShortcut(QKeySequence.StandardKey.Find, self, self.find.setFocus)
        install_close_keys(self)
        readable_placeholders(self)
        self.focus_ring = FocusRing(self)
        quit_key = QShortcut(QKeySequence("Ctrl+Q"), self)
        quit_key.activated.connect(self.quitRequested)
        manager.sessionsChanged.connect(self._on_sessions_changed)
        self._follow_live()
        self.profanity.changed.connect(self._on_profanity_filter)
        self.refresh()

    def _actions(self) -> tuple[QPushButton, ...]:
        return (self.rename_button, self.delete_button, self.export_button, self.copy_button)

    # -- listing and searching -----------------------------------------------------

    def _on_sessions_changed(self) -> None:
        # Only while someone is looking (show_sessions() asks again on opening);
        # the index re-reads just the journals that changed.
        if self.isVisible():
            self.refresh()

    def _on_profanity_filter(self, mask: bool) -> None:
        self.view.set_mask_profanity(mask)
        if self.isVisible():  # first words and search snippets
            self.refresh()
        self._describe_current()

    def _on_search_edited(self, text: str) -> None:
        if text.strip():
            self._debounce.start()  # restarts: searches once typing pauses
        else:
            self.refresh()  # back to the list at once

    def refresh(self) -> None:
        """Ask for the sessions, or the search hits while the search box has text.

        The answer arrives by signal (:meth:`_on_rows`); until then the list
        shows what it showed.
        """
        self._debounce.stop()
        self.folder_label.setText(f"Sessions are kept in {self.manager.store.data_dir}")
        self._library.request_rows(self.search.text().strip(), mask=self.profanity.enabled)

    def _on_rows(self, rows: SessionRows) -> None:
        if rows.query != self.search.text().strip() or rows.masked != self.profanity.enabled:
            return  # typing went on, or the filter changed: a newer answer is coming
        self._summaries = rows.summaries
        self._rows = rows
        if rows.error:
            self.header.setText(f"Cannot read the sessions folder: {rows.error}")
        else:
            self._describe_current(changed_only=True)  # renamed, ended…
        shown = self.show_empty.isChecked()
        texts, targets, empty = without_empty(rows, show_empty=shown, keep=self._current_id)
        self.show_empty.setText(
            f"&Show empty sessions ({empty})" if empty else "&Show empty sessions"
        )
        self.show_empty.setVisible(bool(empty) or shown)
        self.list.blockSignals(True)
        self.list.clear()
        self.list.addItems(texts)  # one call: rows were formatted on the worker
        self._targets = targets
        if not rows.query and self._current_id is not None:
            current = [row for row, (sid, _t) in enumerate(targets) if sid == self._current_id]
            if current:
                self.list.setCurrentRow(current[0])
        self.list.blockSignals(False)
        self._enable_actions(self._current is not None)

    def _on_show_empty(self, _shown: bool) -> None:
        if self._rows is not None:
            self._on_rows(self._rows)

    def open_data_folder(self) -> None:
        """Show the folder where sessions are kept in the file manager."""
        self.open_url(QUrl.fromLocalFile(str(self.manager.store.data_dir)))

    def open_session(self, session_id: str, turn_index: int | None = None) -> None:
        """Show a session (at a turn); its journal is read off the GUI thread.

        The live session is taken from memory as it is now, then followed.
        """
        self._opening = (session_id, turn_index)
        live = self._live_now(session_id)
        if live is not None:
            self._on_loaded(live)
        else:
            self._library.request_load(session_id)

    def _on_loaded(self, loaded: LoadedSession) -> None:
        if self._opening is None and self._reloading == loaded.session_id:
            self._on_reloaded(loaded)
            return
        if self._opening is None or self._opening[0] != loaded.session_id:
            return  # the user picked another one meanwhile
        session_id, turn_index = self._opening
        self._opening = None
        if loaded.info is None:
            self.header.setText(loaded.error or session_id)
            return
        self._current, self._current_id = (loaded.info, loaded.turns), session_id
        if not self._describe_current():
            self.header.setText(session_id)
        self._clear_view()
        self._reset_find()
        self._enable_actions(True)
        self._show_turns(self._showing, turn_index)

    def _clear_view(self) -> None:
        self._showing += 1  # stops a session still being put in the view
        self._drawn = 0
        self.view.clear_transcript()

    def _show_turns(self, showing: int, turn_index: int | None) -> None:
        """Put the current session's turns in the view a slice per event-loop pass, then
        jump to the hit.

        Drawing a turn costs about 0.2 ms: a two-hour session at once would
        freeze the window for a third of a second.  The live session's list
        grows meanwhile (:meth:`_on_live_turn`): each pass reads it as it is.
        """
        if showing != self._showing or self._current is None:
            return  # another session was opened meanwhile
        turns = self._current[1]
        end = min(self._drawn + SHOW_TURNS_PER_PASS, len(turns))
        for index in range(self._drawn, end):
            self.view.insert_turn(index, turns[index])
        self._drawn = end
        if end < len(turns):
            QTimer.singleShot(0, self, lambda: self._show_turns(showing, turn_index))
            return
        if turn_index is not None:
            self.jump_to(turn_index)
        if self._current_id is not None:
            self.sessionShown.emit(self._current_id)

    def _enable_actions(self, enabled: bool) -> None:
        for button in self._actions():
            button.setEnabled(enabled)

    def jump_to(self, turn_index: int) -> None:
        block = self.view.document().findBlockByNumber(turn_index)
        cursor = QTextCursor(block)
        cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
        self.view.setTextCursor(cursor)
        self.view.ensureCursorVisible()

    def selected_turn_index(self) -> int:
        return self.view.textCursor().blockNumber()

    def _on_pick(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        row = self.list.row(item) if item is not None else -1
        if 0 <= row < len(self._targets):
            self.open_session(*self._targets[row])

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

    def _describe_current(self, *, changed_only: bool = False) -> bool:
        """Put the shown session's row (title, length, state) in the header; whether it is listed.

        ``changed_only``: only when that row changed (a rename, the run's end), so
        that what the header says otherwise ("Saved…", "Copied…") stays.
        """
        summary = next((s for s in self._summaries if s.id == self._current_id), None)
        if summary is None:
            return False
        text = describe(summary, mask=self.profanity.enabled)
        if not changed_only or text != self._described:
            self._described = text
            self.header.setText(text)
        return True
