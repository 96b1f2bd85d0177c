"""The session history: list, load, rename, delete, search, recover."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from captioner.core.journal import JournalError, SessionLiveError, TranscriptJournal
from captioner.core.session import SessionInfo
from captioner.core.sessions import SessionStore, query_pattern, search_in
from captioner.core.transcript import Turn, Word

T0 = datetime(2024, 5, 1, 9, 30, tzinfo=timezone.utc)


def turn(key: str, text: str, start: int = 0) -> Turn:
    words = tuple(
        Word(w, start + i * 300, start + i * 300 + 250) for i, w in enumerate(text.split())
    )
    return Turn(key=key, order=0, text=text, words=words, finished=True)


def store_with(data_dir: Path, *sessions: tuple[datetime, list[Turn]]) -> list[str]:
    ids = []
    for started, turns in sessions:
        info = SessionInfo(engine="offline", source="Mic", started_at=started)
        with TranscriptJournal.create(info, data_dir) as journal:
            for t in turns:
                journal.append_turn(t)
        ids.append(info.id)
    return ids


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "sessions"


def test_list_newest_first_with_dates_durations_and_first_words(data_dir: Path) -> None:
    old, new = store_with(
        data_dir,
        (T0, [turn("a", "Good morning everyone."), turn("b", "Let's start.", 2000)]),
        (T0 + timedelta(days=1), [turn("c", "x " * 100)]),
    )
    store = SessionStore(data_dir)
    summaries = store.list()
    assert [s.id for s in summaries] == [new, old]
    first = summaries[1]
    assert first.first_words == "Good morning everyone. Let's start."
    assert first.turn_count == 2 and first.finished and not first.live and not first.crashed
    assert first.engine == "offline" and first.source == "Mic"
    assert first.started_at == T0
    assert first.duration_ms is not None and first.duration_ms >= 0
    assert first.title is None and first.display_title  # falls back to the date
    assert summaries[0].first_words.endswith("…") and len(summaries[0].first_words) <= 81


def test_an_empty_or_missing_directory_lists_nothing(data_dir: Path) -> None:
    assert SessionStore(data_dir).list() == []
    data_dir.mkdir()
    (data_dir / "notes.txt").write_text("not a journal")
    (data_dir / ("0" * 32 + ".jsonl")).write_text("garbage\n")
    assert SessionStore(data_dir).list() == []  # skipped with a warning, never fatal


def test_load_rename_and_delete(data_dir: Path) -> None:
    [sid] = store_with(data_dir, (T0, [turn("a", "hello")]))
    store = SessionStore(data_dir)
    info, turns = store.load(sid)
    assert info.id == sid and [t.text for t in turns] == ["hello"]
    store.rename(sid, "  Weekly sync  ")
    assert store.list()[0].title == "Weekly sync"
    assert store.load(sid)[0].title == "Weekly sync"
    store.rename(sid, "")
    assert store.list()[0].title is None
    store.delete(sid)
    assert store.list() == []
    with pytest.raises(KeyError):
        store.load(sid)
    with pytest.raises(KeyError):
        store.delete("../../etc/passwd")


def test_a_live_session_is_listed_at_once_and_can_be_renamed_but_not_deleted(
    data_dir: Path,
) -> None:
    journal = TranscriptJournal.create(SessionInfo(engine="assemblyai"), data_dir)
    store = SessionStore(data_dir)
    [live] = store.list()
    assert live.live and not live.finished and live.turn_count == 0
    store.rename(live.id, "Standup")
    journal.append_turn(turn("a", "first words"))
    journal.rename("Standup (renamed twice)")
    assert store.list()[0].title == "Standup (renamed twice)"
    with pytest.raises(SessionLiveError):
        store.delete(live.id)
    journal.end()
    assert store.list()[0].finished and store.list()[0].first_words == "first words"


def test_search_across_sessions_whole_words_and_phrases_any_case(data_dir: Path) -> None:
    first, second = store_with(
        data_dir,
        (T0, [turn("a", "The budget is due Friday."), turn("b", "Budgets, again?")]),
        (T0 + timedelta(hours=1), [turn("c", "We moved the BUDGET review; Friday works.")]),
    )
    store = SessionStore(data_dir)
    hits = store.search("budget")
    assert [(h.session_id, h.turn_key) for h in hits] == [(second, "c"), (first, "a")]
    hit = hits[1]
    assert hit.turn_index == 0 and "budget" in hit.snippet
    assert "The budget is due Friday."[hit.start : hit.end] == "budget"
    assert [h.turn_key for h in store.search("budget review")] == ["c"]
    assert [h.turn_key for h in store.search("review friday")] == ["c"]  # across punctuation
    assert store.search("budg") == []  # whole words only
    assert store.search("  ") == []


def test_search_in_the_open_session_gives_turn_indexes_to_jump_to() -> None:
    turns = [turn("a", "nothing here"), turn("b", "Don't stop, don't stop now")]
    hits = search_in(turns, "DON'T STOP")
    assert [(h.turn_index, h.start, h.end) for h in hits] == [(1, 0, 10), (1, 12, 22)]
    assert hits[0].session_id is None and hits[0].start_ms == turns[1].start_ms


def test_snippets_are_trimmed_to_whole_words() -> None:
    before = " ".join(f"word{i}" for i in range(40))
    text = f"{before} needle " + " ".join("x" * 5 for _ in range(40))
    [hit] = search_in([turn("a", text)], "needle")
    assert hit.snippet.startswith("…word") and hit.snippet.endswith("…")
    assert "needle" in hit.snippet and len(hit.snippet) < 100


def test_queries_are_words_not_regular_expressions() -> None:
    assert query_pattern("?*") is None
    assert [h.start for h in search_in([turn("a", "a.b axb")], "a.b")] == [0]
    # Punctuation in the query separates words, like punctuation in the text.
    assert len(search_in([turn("a", "c rocks"), turn("b", "C++ rocks")], "c++ rocks")) == 2


def test_unreadable_directory_is_a_journal_error(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    with pytest.raises(JournalError):
        SessionStore(not_a_dir).list()


def test_a_session_exported_while_live_imports_with_the_length_of_its_turns(
    data_dir: Path,
) -> None:
    """A JSON exported mid-session has no end; imported three days later it is a session
    as long as its speech, not one that ran for three days."""
    from captioner.core.export import export, import_json

    started = datetime.now(timezone.utc) - timedelta(days=3)
    info = SessionInfo(engine="assemblyai", started_at=started)
    words = (Word("Hello", 0, 400), Word("there.", 400, 900))
    path = data_dir.parent / "live.json"
    export(path, [Turn("k1", 1, "Hello there.", words, finished=True)], info)
    imported_info, imported_turns = import_json(path)
    assert imported_info.duration_ms is None  # what a live export holds
    store = SessionStore(data_dir)
    store.add(imported_info, imported_turns)
    [listed] = store.list()
    assert listed.finished and listed.duration_ms == 900
    loaded_info, _ = store.load(listed.id)
    assert loaded_info.ended_at is not None
    expected_end = started + timedelta(milliseconds=900)
    assert abs(loaded_info.ended_at - expected_end) < timedelta(seconds=1)
