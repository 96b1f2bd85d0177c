"""The session index: the store's answers, from memory, re-reading only what changed."""

from __future__ import annotations

import queue
import threading
from pathlib import Path

import pytest

import captioner.core.session_index as session_index
from captioner.core.journal import TranscriptJournal
from captioner.core.serial_worker import SerialWorker
from captioner.core.session import SessionInfo
from captioner.core.session_index import LoadedSession, SearchResult, SessionIndex
from captioner.core.sessions import SessionStore
from captioner.core.transcript import Turn, Word


def make_turn(i: int, text: str) -> Turn:
    words = tuple(
        Word(w, i * 1000 + j * 100, i * 1000 + j * 100 + 80) for j, w in enumerate(text.split())
    )
    return Turn(f"k{i}", i, text, words, finished=True)


def make_session(
    data_dir: Path, texts: list[str], *, end: bool = True, **info
) -> TranscriptJournal:
    journal = TranscriptJournal.create(SessionInfo(engine="offline", **info), data_dir)
    for i, text in enumerate(texts):
        journal.append_turn(make_turn(i, text))
    if end:
        journal.end()
    return journal


def answer(request, *args):
    """Make a request and wait (bounded) for its answer from the worker thread."""
    answers: queue.SimpleQueue = queue.SimpleQueue()
    request(*args, answers.put)
    return answers.get(timeout=5)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "sessions"


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every journal the index reads in full."""
    seen: list[Path] = []
    real = session_index.read_journal

    def counting(path: Path):
        seen.append(path)
        return real(path)

    monkeypatch.setattr(session_index, "read_journal", counting)
    return seen


def test_listing_search_and_load_answer_what_the_store_answers(data_dir: Path) -> None:
    make_session(data_dir, ["had then leisure to consider", "prudently in his power"])
    make_session(data_dir, ["Then, leisure! at last"], title="Later one")
    store = SessionStore(data_dir)
    index = SessionIndex(store)

    listing = answer(index.list)
    assert listing.summaries == store.list() and listing.error is None
    result: SearchResult = answer(index.search, "then leisure")
    assert result.hits == store.search("then leisure")
    assert [h.session_id for h in result.hits] == [s.id for s in store.list()]  # newest first
    loaded: LoadedSession = answer(index.load, listing.summaries[1].id)
    assert (loaded.info, loaded.turns) == store.load(listing.summaries[1].id)
    missing: LoadedSession = answer(index.load, "0" * 32)
    assert missing.info is None and "no longer exists" in (missing.error or "")
    assert index.join(5)


def test_only_journals_that_changed_are_read_again(data_dir: Path, reads: list[Path]) -> None:
    first = make_session(data_dir, ["one"])
    make_session(data_dir, ["two"])
    live = make_session(data_dir, ["three"], end=False)
    index = SessionIndex(SessionStore(data_dir))
    assert len(answer(index.list).summaries) == 3 and len(reads) == 3
    answer(index.search, "two")
    assert len(reads) == 3  # searched from memory

    live.append_turn(make_turn(1, "four more words"))  # the live session grows
    assert [h.snippet for h in answer(index.search, "four").hits] == ["four more words"]
    assert reads[3:] == [live.path]

    SessionStore(data_dir).rename(first.info.id, "Renamed")
    titles = {s.id: s.title for s in answer(index.list).summaries}
    assert titles[first.info.id] == "Renamed" and reads[4:] == [first.path]

    index.invalidate(first.info.id)  # told, rather than noticed
    answer(index.list)
    assert reads[5:] == [first.path]

    SessionStore(data_dir).delete(first.info.id)
    assert first.info.id not in {s.id for s in answer(index.list).summaries}
    live.close()


def test_live_and_crashed_are_told_apart_without_the_file_changing(data_dir: Path) -> None:
    live = make_session(data_dir, ["still talking"], end=False)
    index = SessionIndex(SessionStore(data_dir))
    [summary] = answer(index.list).summaries
    assert summary.live and answer(index.unfinished).summaries == []
    live.close()  # as when the process dies: the lock goes, the file stays as it was
    [crashed] = answer(index.unfinished).summaries
    assert crashed.id == summary.id and crashed.crashed


def test_a_search_overtaken_by_a_newer_one_is_not_answered(data_dir: Path) -> None:
    make_session(data_dir, ["alpha beta gamma"])
    worker = SerialWorker("test-index")
    index = SessionIndex(SessionStore(data_dir), worker)
    gate = threading.Event()
    worker.submit(lambda: gate.wait(5))  # the worker is busy…
    answers: list[str] = []
    for query in ("a", "al", "alp", "alpha"):  # …while someone types
        index.search(query, lambda result: answers.append(result.query))
    gate.set()
    assert index.join(5)
    assert answers == ["alpha"]


def test_an_unreadable_journal_is_skipped_and_an_unreadable_folder_is_said(
    data_dir: Path, tmp_path: Path
) -> None:
    make_session(data_dir, ["fine"])
    (data_dir / ("f" * 32 + ".jsonl")).write_text("not json at all\n")
    assert len(answer(SessionIndex(SessionStore(data_dir)).list).summaries) == 1
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    listing = answer(SessionIndex(SessionStore(not_a_dir)).list)
    assert listing.summaries == [] and "Could not list" in (listing.error or "")


def test_the_worker_thread_exists_only_while_there_is_work(data_dir: Path) -> None:
    make_session(data_dir, ["one"])
    worker = SerialWorker("test-index")
    index = SessionIndex(SessionStore(data_dir), worker)
    answer(index.list)
    assert index.join(5) and not worker.busy
    assert not [t for t in threading.enumerate() if t.name == "test-index"]
