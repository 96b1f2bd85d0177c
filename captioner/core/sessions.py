"""The session history: every journal in the data directory, listed, searched, recovered.

A :class:`SessionStore` is a view of a directory of journals (see
:mod:`captioner.core.journal`); it keeps no index of its own, so what it
lists is always what is on disk — including the live session of this or
another process, and sessions left unfinished by a crash.  Every call reads
files: the GUI asks :class:`captioner.core.session_index.SessionIndex`
instead, which keeps summaries and searchable text in memory on a worker.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from captioner.core.disk import disk_reason
from captioner.core.journal import (
    SUFFIX,
    JournalContents,
    JournalError,
    SessionLiveError,
    TranscriptJournal,
    append_rename,
    default_sessions_dir,
    journal_path,
    read_journal,
    recover_journal,
    turn_record,
)
from captioner.core.journal_format import MODEL_IN_USE
from captioner.core.journal_lock import is_locked
from captioner.core.session import SessionInfo
from captioner.core.transcript import Turn

log = logging.getLogger(__name__)

FIRST_WORDS_CHARS = 80
SNIPPET_CONTEXT = 40
_SESSION_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """One row of the Sessions view.

    ``finished``: the session ended cleanly or was recovered.  ``live``: a
    running process holds it (this one's current session, or another
    Captioner's).  Neither means it crashed and :meth:`SessionStore.recover`
    applies.
    """

    id: str
    title: str | None
    started_at: datetime
    duration_ms: int | None
    engine: str
    source: str
    first_words: str
    turn_count: int
    finished: bool
    live: bool
    recovered: bool
    path: Path
    damaged_lines: int = 0  # records that could not be read and were skipped
    model: str | None = None  # the speech model the service said it ran (cloud sessions)

    @property
    def display_title(self) -> str:
        """The title, or the local start date and time when the session has none."""
        return self.title or self.started_at.astimezone().strftime("%Y-%m-%d %H:%M")

    @property
    def crashed(self) -> bool:
        return not self.finished and not self.live


@dataclass(frozen=True, slots=True)
class SearchHit:
    """Where a query matched: enough to list it and to jump to the turn.

    ``start``/``end`` index ``Turn.text`` of the turn at ``turn_index`` (the
    GUI highlights that span); ``snippet`` is the match with some context.
    ``session_id`` is ``None`` for :func:`search_in` over turns not stored.
    """

    session_id: str | None
    turn_key: str
    turn_index: int
    start: int
    end: int
    snippet: str
    start_ms: int | None


def query_pattern(query: str) -> re.Pattern[str] | None:
    """Whole words, case-insensitive; a phrase matches across spaces and punctuation.

    ``"then leisure"`` matches "…had then leisure…" and "then, Leisure", but
    ``"leis"`` does not match "leisure".  Returns ``None`` for an empty query.
    """
    words = re.findall(r"\w+(?:['’]\w+)*", query)
    if not words:
        return None
    body = r"\W+".join(re.escape(word) for word in words)
    return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)


def _snippet(text: str, start: int, end: int) -> str:
    left = max(0, start - SNIPPET_CONTEXT)
    right = min(len(text), end + SNIPPET_CONTEXT)
    if left > 0:  # don't cut a word in half
        space = text.find(" ", left, start)
        left = space + 1 if space >= 0 else left
    if right < len(text):
        space = text.rfind(" ", end, right)
        right = space if space >= 0 else right
    prefix = "…" if left > 0 else ""
    suffix = "…" if right < len(text) else ""
    return f"{prefix}{text[left:right].strip()}{suffix}"


class SearchableTurn(Protocol):
    """What search needs of a turn: a :class:`Turn`, or the index's text-only line."""

    @property
    def key(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def start_ms(self) -> int | None: ...


def search_in(
    turns: Sequence[SearchableTurn], query: str, *, session_id: str | None = None
) -> list[SearchHit]:
    """Every match of ``query`` in ``turns`` (the open session), in reading order."""
    pattern = query_pattern(query)
    return [] if pattern is None else search_pattern(turns, pattern, session_id=session_id)


def search_pattern(
    turns: Sequence[SearchableTurn], pattern: re.Pattern[str], *, session_id: str | None = None
) -> list[SearchHit]:
    """:func:`search_in` with the query compiled once (by :func:`query_pattern`)."""
    hits = []
    for index, turn in enumerate(turns):
        for match in pattern.finditer(turn.text):
            hits.append(
                SearchHit(
                    session_id=session_id,
                    turn_key=turn.key,
                    turn_index=index,
                    start=match.start(),
                    end=match.end(),
                    snippet=_snippet(turn.text, match.start(), match.end()),
                    start_ms=turn.start_ms,
                )
            )
    return hits


def _first_words(turns: Iterable[SearchableTurn]) -> str:
    text = " ".join(turn.text.strip() for turn in turns if turn.text.strip())
    if len(text) <= FIRST_WORDS_CHARS:
        return text
    cut = text.rfind(" ", 0, FIRST_WORDS_CHARS)
    return text[: cut if cut > 0 else FIRST_WORDS_CHARS] + "…"


def summarize(contents: JournalContents, path: Path, *, live: bool) -> SessionSummary:
    """The Sessions row of a journal as read (``live``: checked by the caller, it costs a lock)."""
    info = contents.info
    duration = info.duration_ms
    if duration is None and contents.last_record_at is not None:
        duration = int((contents.last_record_at - info.started_at).total_seconds() * 1000)
    return SessionSummary(
        id=info.id,
        title=info.title,
        started_at=info.started_at,
        duration_ms=duration,
        engine=info.engine,
        source=info.source,
        first_words=_first_words(contents.turns),
        turn_count=len(contents.turns),
        finished=contents.ended,
        live=live,
        recovered=contents.recovered,
        path=path,
        damaged_lines=contents.damaged_lines,
        model=_text_or_none(info.settings.get(MODEL_IN_USE)),
    )


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def read_or_skip(path: Path) -> JournalContents | None:
    """A journal for the history, or ``None`` (logged) when it cannot be read at all.

    The history lists many files; one that fails — for a reason the reader
    did not foresee, too — must cost that file only, never the listing.
    """
    try:
        return read_journal(path)
    except JournalError as exc:
        log.warning("Skipping %s: %s", path, exc)
    except Exception:
        log.exception("Skipping %s: it could not be read", path)
    return None


class SessionStore:
    """Lists, loads, searches, renames, deletes and recovers stored sessions.

    Reads are cheap enough to do on demand (a journal is a few hundred KB
    at most), but they are disk I/O: call from a worker if the list grows
    long.  Errors are :class:`~captioner.core.journal.JournalError` with a
    plain message; ``KeyError`` means no such session.
    """

    def __init__(self, data_dir: Path | None = None) -> None:
        self.data_dir = Path(data_dir) if data_dir is not None else default_sessions_dir()

    def path(self, session_id: str) -> Path:
        if not _SESSION_ID.fullmatch(session_id):
            raise KeyError(session_id)
        return journal_path(self.data_dir, session_id)

    def paths(self) -> list[Path]:
        """Every file that looks like a journal (not read yet)."""
        try:
            return [
                p
                for p in self.data_dir.iterdir()
                if p.suffix == SUFFIX and _SESSION_ID.fullmatch(p.stem)
            ]
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise JournalError(f"Could not list the sessions in “{self.data_dir}”: {exc}") from exc

    def _read(self, session_id: str) -> JournalContents:
        path = self.path(session_id)
        if not path.exists():
            raise KeyError(session_id)
        return read_journal(path)

    def _summary(self, path: Path) -> SessionSummary | None:
        contents = read_or_skip(path)
        if contents is None:
            return None
        return summarize(contents, path, live=not contents.ended and is_locked(path))

    def unfinished(self) -> list[SessionSummary]:
        """Sessions a crash left open: no ``end`` record and no live process holding them."""
        return [s for s in self.list() if s.crashed]

    def load(self, session_id: str) -> tuple[SessionInfo, list[Turn]]:
        contents = self._read(session_id)
        return contents.info, contents.turns

    def recover(self, session_id: str) -> list[Turn]:
        """Mark a crashed session ended (``recovered: true``) and return its turns.

        Harmless on a session that already ended; raises
        :class:`~captioner.core.journal.SessionLiveError` on a live one.
        """
        path = self.path(session_id)
        if not path.exists():
            raise KeyError(session_id)
        return recover_journal(path).turns

    def rename(self, session_id: str, title: str | None) -> None:
        """Give a session a title (``None`` or blank: back to its date)."""
        path = self.path(session_id)
        if not path.exists():
            raise KeyError(session_id)
        append_rename(path, title)

    def delete(self, session_id: str) -> None:
        """Remove a session for good; refused while it is live."""
        path = self.path(session_id)
        if not path.exists():
            raise KeyError(session_id)
        if is_locked(path):
            raise SessionLiveError("A session cannot be deleted while it is being recorded.")
        try:
            path.unlink()
            lock = path.with_suffix(".lock")  # Windows sidecar, if any
            if lock.exists():
                os.remove(lock)
        except OSError as exc:
            raise JournalError(f"Could not delete “{path}”: {disk_reason(exc)}.") from exc

    def add(self, info: SessionInfo, turns: Sequence[Turn]) -> None:
        """Write a whole, ended session (an import, a session held in memory) in one go.

        Raises :class:`~captioner.core.journal.JournalError` (plain words)
        when the folder refuses it.
        """
        duration = info.duration_ms
        if duration is None:  # exported while live, or crashed: the turns say how long it ran
            duration = max((t.end_ms for t in turns if t.end_ms is not None), default=0)
        # Never "now": an import made days later is not a session that lasted days.
        ended_at = info.ended_at or info.started_at + timedelta(milliseconds=duration)
        journal = TranscriptJournal.create(info, self.data_dir)
        journal.end(
            duration_ms=duration,
            ended_at=ended_at,
            preceding=[turn_record(turn) for turn in turns],
        )

    def search(self, query: str) -> list[SearchHit]:
        """Matches across all sessions, newest session first, in reading order within one."""
        if query_pattern(query) is None:
            return []
        found: list[tuple[JournalContents, list[SearchHit]]] = []
        for path in self.paths():  # one read per journal; no lock checks needed
            contents = read_or_skip(path)
            if contents is None:
                continue
            session_hits = search_in(contents.turns, query, session_id=contents.info.id)
            if session_hits:
                found.append((contents, session_hits))
        found.sort(key=lambda item: item[0].info.started_at, reverse=True)
        hits = [hit for _, session_hits in found for hit in session_hits]
        return hits

    # Last in the class: a method named ``list`` would shadow the builtin in the
    # annotations of methods defined after it.
    def list(self) -> list[SessionSummary]:
        """Every readable session, newest first (unreadable files are logged and skipped)."""
        summaries = [s for s in map(self._summary, self.paths()) if s is not None]
        summaries.sort(key=lambda s: s.started_at, reverse=True)
        return summaries
