"""Sessions held in memory, written at the last moment: where they go when the first place fails."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from captioner.core.session import SessionInfo
from captioner.core.sessions import SessionStore
from captioner.core.transcript import Turn, Word
from captioner.core.unsaved import fallback_folders, save_to_fallback

TURNS = [Turn("k0", 0, "kept after all", (Word("kept", 0, 300),), finished=True)]


def test_the_fallback_is_a_dated_folder_in_home_then_in_the_temp_folder(tmp_path: Path) -> None:
    first, second = fallback_folders(date(2026, 12, 2), home=tmp_path)
    assert first == tmp_path / "captioner-unsaved-2026-12-02"
    assert second.name == "captioner-unsaved-2026-12-02" and second.parent != tmp_path


def test_a_home_that_refuses_sends_the_sessions_to_the_next_folder(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "home-is-a-file"
    not_a_folder.write_text("x")
    second = tmp_path / "temp" / "captioner-unsaved-2026-12-02"
    info = SessionInfo(engine="offline", source="Mic", title="Call")
    result = save_to_fallback([(info, TURNS)], [not_a_folder / "unsaved", second])
    assert result.folders == {info.id: second} and not result.lost
    [summary] = SessionStore(second).list()
    assert summary.finished and summary.title == "Call" and summary.first_words == "kept after all"
    assert str(second) in result.describe()


def test_sessions_no_folder_takes_are_named_as_lost_with_the_reason(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    info = SessionInfo(engine="offline", source="Mic")
    result = save_to_fallback([(info, TURNS)], [blocker / "a", blocker / "b"])
    assert result.lost == [info.id] and not result.folders
    assert "could not be written anywhere" in result.describe()
    assert "not a folder" in result.describe()
