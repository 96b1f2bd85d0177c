"""The session index as the GUI sees it: requests out to a worker, answers back as signals.

:class:`~captioner.core.session_index.SessionIndex` is pure Python and
answers on its worker thread; this adapter re-emits each answer as a Qt
signal on the GUI thread, so widgets only ever touch results there and
never wait for a disk.

The worker never emits on the library itself: the window that owns it can
be deleted on the GUI thread at any moment (see :mod:`captioner.ui.gui_relay`).

The rows of the Sessions list are also written on the worker: masking
profanity costs about 30 µs a line, which for a search with thousands of
hits would be a visible freeze; the GUI thread only hands the finished
strings to the list in one call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from captioner.core.profanity import mask_text
from captioner.core.session_index import Listing, SearchResult, SessionIndex
from captioner.core.sessions import SearchHit, SessionStore, SessionSummary
from captioner.ui.gui_relay import to_gui
from captioner.ui.line_styles import format_clock

log = logging.getLogger(__name__)

T = TypeVar("T")
Target = tuple[str, int | None]  # what picking a row opens: session id, turn index (or None)


@dataclass(frozen=True, slots=True)
class SessionRows:
    """What the Sessions list shows: one text and one target per row.

    ``query`` is the search this answers (``""``: the plain listing) and
    ``masked`` whether profanity was masked, so the window can drop an
    answer that typing or the filter has overtaken.
    """

    query: str
    masked: bool
    summaries: list[SessionSummary]
    texts: list[str]
    targets: list[Target]
    error: str | None = None


def describe(summary: SessionSummary, *, mask: bool) -> str:
    """A session's row: title, length, engine, state, then its first words."""
    state = " · live" if summary.live else " · recovered" if summary.recovered else ""
    state = " · unfinished" if summary.crashed else state
    state += " · damaged" if summary.damaged_lines else ""
    duration = format_clock(summary.duration_ms) if summary.duration_ms is not None else "—"
    first = (mask_text(summary.first_words) if mask else summary.first_words) or "(no speech)"
    engine = f"{summary.engine} ({summary.model})" if summary.model else summary.engine
    return f"{summary.display_title} · {duration} · {engine}{state}\n{first}"


def _hit_text(hit: SearchHit, titles: dict[str, str], *, mask: bool) -> str:
    title = titles.get(hit.session_id or "", "?")
    snippet = mask_text(hit.snippet) if mask else hit.snippet
    return f"{title} · {format_clock(hit.start_ms)}\n{snippet}"


def listing_rows(listing: Listing, *, mask: bool) -> SessionRows:
    summaries = listing.summaries
    texts = [describe(summary, mask=mask) for summary in summaries]
    targets: list[Target] = [(summary.id, None) for summary in summaries]
    return SessionRows("", mask, summaries, texts, targets, listing.error)


def search_rows(result: SearchResult, *, mask: bool) -> SessionRows:
    titles = {summary.id: summary.display_title for summary in result.summaries}
    texts = [_hit_text(hit, titles, mask=mask) for hit in result.hits]
    targets: list[Target] = [(hit.session_id or "", hit.turn_index) for hit in result.hits]
    return SessionRows(result.query, mask, result.summaries, texts, targets, result.error)


class SessionLibrary(QObject):
    """Asks the session index for rows to list, transcripts to show, crashed sessions.

    Signals:
        rowsReady(SessionRows): the listing, or a search's hits (only the newest of
            quick searches is answered).
        loaded(LoadedSession): one session in full, or why it could not be read.
        unfinishedFound(Listing): sessions a crash left open (and, in ``damaged``, every
            session with records that could not be read).
        folderChecked(object): :class:`~captioner.core.data_dir.FolderCheck` of the
            sessions folder (can it be listed and written?).
    """

    rowsReady = Signal(object)
    loaded = Signal(object)
    unfinishedFound = Signal(object)
    folderChecked = Signal(object)

    def __init__(self, store: SessionStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.index = SessionIndex(store)

    def run(self, work: Callable[[], T], done: Callable[[T], None], *, changes: str = "") -> None:
        """Run ``work`` (disk I/O) on the index's worker; ``done(result)`` on the GUI thread.

        In order with every listing, search and load: one asked for after
        this sees what it did (delete, then refresh).  ``changes``: the
        session it writes, re-read by the next answer.  ``work`` must return
        its failures (plain words) rather than raise: an exception is logged
        and ``done`` never runs.
        """

        index, hand_back = self.index, to_gui(self, lambda _library, result: _call(done, result))

        def task() -> None:
            try:
                result = work()
            finally:
                if changes:
                    index.invalidate(changes)
            hand_back(result)

        index.submit(task)

    def request_rows(self, query: str = "", *, mask: bool = False) -> None:
        """The listing (empty ``query``) or the hits of ``query``, as rows."""
        if query:
            self.index.search(query, self._deliver("rowsReady", search_rows, mask))
        else:
            self.index.list(self._deliver("rowsReady", listing_rows, mask))

    def request_load(self, session_id: str) -> None:
        self.index.load(session_id, self._deliver("loaded"))

    def request_unfinished(self) -> None:
        self.index.unfinished(self._deliver("unfinishedFound"))

    def request_folder_check(self) -> None:
        self.index.check_folder(self._deliver("folderChecked"))

    def use_store(self, store: SessionStore) -> None:
        """List and search another folder from now on."""
        self.index.use_store(store)

    def invalidate(self, session_id: str) -> None:
        """A session's journal changed: the next answer re-reads it."""
        self.index.invalidate(session_id)

    def _deliver(
        self,
        signal: str,
        prepare: Callable[..., Any] | None = None,
        mask: bool = False,
    ) -> Callable[[Any], None]:
        """For the worker: prepare the answer there, emit ``signal`` on the GUI thread."""
        hand_back = to_gui(self, lambda library, answer: getattr(library, signal).emit(answer))

        def emit(answer: Any) -> None:
            hand_back(prepare(answer, mask=mask) if prepare is not None else answer)

        return emit


def _call(done: Callable[[Any], None], result: Any) -> None:
    """``done(result)``, unless what it updates (a window) was deleted while the disk worked."""
    try:
        done(result)
    except RuntimeError as exc:
        if "already deleted" not in str(exc):
            raise
        log.debug("session change answer dropped: %s", exc)
