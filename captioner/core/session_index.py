"""The session history in memory: summaries and searchable text, kept by a worker thread.

:class:`~captioner.core.sessions.SessionStore` reads every journal on every
call; with hundreds of sessions a listing or a search is seconds of disk
and JSON parsing, which the GUI thread cannot afford on a keystroke.  This
index reads each journal once, keeps what the Sessions window lists and
searches (a summary and each turn's text — not the words with their
timings, which only an opened session needs), and afterwards re-reads only
the journals that changed.

A journal only ever grows by appending (or is deleted, or cut back by
crash recovery), so a change shows in its size, modification time or inode:
each request re-checks those with one ``stat`` per file (about 2 ms for 500)
before answering, and the session manager can also say which session it
just changed (:meth:`SessionIndex.invalidate`).  Every request runs on one
:class:`~captioner.core.serial_worker.SerialWorker`, so requests are
answered in order and the cache is only ever touched by that thread; the
answer goes to a callback on the worker thread (the GUI re-emits it as a
queued signal).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from captioner.core.data_dir import FolderCheck, check_folder
from captioner.core.journal import JournalError, read_journal
from captioner.core.journal_lock import is_locked
from captioner.core.serial_worker import SerialWorker
from captioner.core.session import SessionInfo
from captioner.core.sessions import (
    SearchHit,
    SessionStore,
    SessionSummary,
    query_pattern,
    search_pattern,
    summarize,
)
from captioner.core.transcript import Turn

log = logging.getLogger(__name__)

_Stamp = tuple[int, int, int]  # inode, size, mtime in ns


@dataclass(frozen=True, slots=True)
class IndexedLine:
    """A turn as search needs it: its key, its text and where it starts."""

    key: str
    text: str
    start_ms: int | None


@dataclass(slots=True)
class _Entry:
    stamp: _Stamp
    summary: SessionSummary | None  # None: unreadable as it stands (not retried until it changes)
    lines: tuple[IndexedLine, ...] = ()


@dataclass(frozen=True, slots=True)
class Listing:
    """Every readable session, newest first; ``error`` when the folder itself is unreadable.

    ``damaged``: the sessions (of the whole folder, whatever ``summaries``
    was narrowed to) that had records which could not be read.
    """

    summaries: list[SessionSummary] = field(default_factory=list)
    error: str | None = None
    damaged: list[SessionSummary] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Matches across all sessions (newest session first), with the listing they came from."""

    query: str
    hits: list[SearchHit]
    summaries: list[SessionSummary]
    error: str | None = None


@dataclass(frozen=True, slots=True)
class LoadedSession:
    """One session in full, for reading; ``info`` is ``None`` and ``error`` says why if not."""

    session_id: str
    info: SessionInfo | None
    turns: list[Turn]
    error: str | None = None


def _stamp(stat: os.stat_result) -> _Stamp:
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns)


class SessionIndex:
    """Answers listing, search and load requests from memory, off the calling thread.

    Call from any thread; ``done`` runs on the worker thread.  A search that
    a newer search overtook before it ran is dropped (its ``done`` is not
    called), so typing quickly costs one search, not one per keystroke.
    """

    def __init__(self, store: SessionStore, worker: SerialWorker | None = None) -> None:
        self.store = store
        self._worker = worker or SerialWorker("session-index")
        self._entries: dict[str, _Entry] = {}  # by file stem; worker thread only
        self._lock = threading.Lock()  # guards the two fields below
        self._stale: set[str] = set()
        self._search_seq = 0

    # -- requests (any thread) -------------------------------------------------------

    def list(self, done: Callable[[Listing], None]) -> None:
        self._worker.submit(lambda: done(self.listing()))

    def unfinished(self, done: Callable[[Listing], None]) -> None:
        """Sessions a crash left open (what the recovery banner offers)."""

        def task() -> None:
            listing = self.listing()
            done(replace(listing, summaries=[s for s in listing.summaries if s.crashed]))

        self._worker.submit(task)

    def search(self, query: str, done: Callable[[SearchResult], None]) -> None:
        with self._lock:
            self._search_seq += 1
            seq = self._search_seq

        def task() -> None:
            with self._lock:
                if seq != self._search_seq:
                    return  # a newer search is queued behind this one
            done(self.find(query))

        self._worker.submit(task)

    def load(self, session_id: str, done: Callable[[LoadedSession], None]) -> None:
        self._worker.submit(lambda: done(self.read(session_id)))

    def check_folder(self, done: Callable[[FolderCheck], None]) -> None:
        """Whether sessions can be kept in the folder (created, listed, written)."""
        self._worker.submit(lambda: done(check_folder(self.store.data_dir)))

    def use_store(self, store: SessionStore) -> None:
        """Index another folder (or the same store, pointed elsewhere) from the next request on."""

        def task() -> None:
            self.store = store
            self._entries.clear()

        self._worker.submit(task)

    def submit(self, task: Callable[[], None]) -> None:
        """Run ``task`` on the index's worker, in order with every request.

        For changes to the folder (recover, delete, import): a listing asked
        for after one is answered after it, so it shows the change.
        """
        self._worker.submit(task)

    def invalidate(self, session_id: str) -> None:
        """Re-read this session before the next answer (it was written, renamed, deleted…)."""
        with self._lock:
            self._stale.add(session_id)

    def join(self, timeout: float) -> bool:
        """Wait until every request so far is answered (tests, shutdown)."""
        return self._worker.join(timeout)

    # -- answers (worker thread) -----------------------------------------------------

    def listing(self) -> Listing:
        """Bring the cache up to date with the folder and list it, newest first."""
        try:
            self._refresh()
        except JournalError as exc:
            return Listing([], str(exc))
        summaries = [summary for summary, _entry in self._sorted()]
        return Listing(summaries, damaged=[s for s in summaries if s.damaged_lines])

    def find(self, query: str) -> SearchResult:
        """Every match of ``query`` (whole words, any case) in every session, from memory."""
        listing = self.listing()
        pattern = query_pattern(query)
        hits: list[SearchHit] = []
        if pattern is not None:
            for summary, entry in self._sorted():
                hits += search_pattern(entry.lines, pattern, session_id=summary.id)
        return SearchResult(query, hits, listing.summaries, listing.error)

    def read(self, session_id: str) -> LoadedSession:
        """One journal in full (turns with word timings); never cached."""
        try:
            info, turns = self.store.load(session_id)
        except KeyError:
            return LoadedSession(session_id, None, [], "This session no longer exists.")
        except JournalError as exc:
            return LoadedSession(session_id, None, [], str(exc))
        except Exception:  # unforeseen: say so rather than leave the window waiting
            log.exception("Could not read session %s", session_id)
            return LoadedSession(session_id, None, [], "This session could not be read.")
        return LoadedSession(session_id, info, turns)

    def _sorted(self) -> list[tuple[SessionSummary, _Entry]]:
        """Readable sessions, newest first."""
        pairs = [(e.summary, e) for e in self._entries.values() if e.summary is not None]
        pairs.sort(key=lambda pair: pair[0].started_at, reverse=True)
        return pairs

    def _refresh(self) -> None:
        with self._lock:
            stale, self._stale = self._stale, set()
        seen: set[str] = set()
        for path in self.store.paths():  # JournalError when the folder is unreadable
            try:
                stamp = _stamp(path.stat())
            except OSError:  # deleted between listing and stat
                continue
            seen.add(path.stem)
            entry = self._entries.get(path.stem)
            if entry is None or entry.stamp != stamp or path.stem in stale:
                entry = self._entries[path.stem] = self._read_entry(path, stamp)
            summary = entry.summary
            if summary is not None and not summary.finished:
                # Live or crashed can change without the file changing (a process died),
                # and it costs a lock probe: only unfinished sessions need one.
                live = is_locked(path)
                if live != summary.live:
                    entry.summary = replace(summary, live=live)
        for gone in self._entries.keys() - seen:
            del self._entries[gone]

    def _read_entry(self, path: Path, stamp: _Stamp) -> _Entry:
        try:
            contents = read_journal(path)
        except JournalError as exc:
            log.warning("Skipping %s: %s", path, exc)
            return _Entry(stamp, None)
        except Exception:  # unforeseen: one file must never cost the whole history
            log.exception("Skipping %s: it could not be read", path)
            return _Entry(stamp, None)
        lines = tuple(IndexedLine(t.key, t.text, t.start_ms) for t in contents.turns)
        return _Entry(stamp, summarize(contents, path, live=False), lines)  # live: _refresh
