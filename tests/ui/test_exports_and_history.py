"""Exports people can find again, and a history without clutter (issue 13 items 10 and 13).

The save dialog starts where the last export went, in the same format
(Documents and plain text the first time), and remembers across restarts;
after an export the status line offers "Open folder".  The Sessions window
and the Settings menu say where sessions are kept.  Sessions with no speech
are hidden unless asked for.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, QUrl

from captioner.core.journal import TranscriptJournal
from captioner.core.session import SessionInfo
from captioner.core.transcript import Turn, TurnUpdate, Word


def say(app, n: int, text: str) -> None:
    """A finished turn in the live transcript, as an engine would deliver it."""
    words = tuple(
        Word(w, n * 1000 + i * 200, n * 1000 + i * 200 + 150) for i, w in enumerate(text.split())
    )
    app.controller.transcript.apply(
        TurnUpdate(f"k{n}", n, text, words=words, end_of_turn=True, formatted=True)
    )


def test_the_export_dialog_remembers_folder_and_format_across_restarts(
    make_app, qtbot, tmp_path
) -> None:
    app = make_app("--data-dir", str(tmp_path / "sessions"))
    say(app, 0, "Minutes of the meeting.")
    asked: list[str] = []
    out = tmp_path / "exports" / "minutes.srt"
    out.parent.mkdir()
    app.session_actions.ask_save_path = lambda _parent, suggested: (
        asked.append(suggested) or str(out)
    )
    with qtbot.waitSignal(app.sessions.exports.finished, timeout=10000):  # written off-thread
        app.window.exportRequested.emit()
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    first = Path(asked[0])
    where = documents if Path(documents).is_dir() else str(Path.home())  # none: home
    assert str(first.parent) == where and first.suffix == ".txt"  # first time: Documents
    assert out.exists() and "Saved" in app.window.status_text()
    opened: list[QUrl] = []
    app.window.status_line.opener = opened.append
    button = app.window.status_line.open_folder
    assert button.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert opened == [QUrl.fromLocalFile(str(out.parent))]
    with qtbot.waitSignal(app.sessions.exports.finished, timeout=10000):
        app.window.exportRequested.emit()
    assert Path(asked[1]).parent == out.parent and Path(asked[1]).suffix == ".srt"
    with qtbot.waitSignal(app.quitFinished, timeout=15000):
        app.request_quit()
    app.settings.sync()
    again = make_app("--data-dir", str(tmp_path / "sessions"))
    say(again, 0, "Another meeting.")
    again.session_actions.ask_save_path = lambda _p, suggested: asked.append(suggested) or ""
    again.window.exportRequested.emit()
    assert Path(asked[2]).parent == out.parent and Path(asked[2]).suffix == ".srt"


def test_a_failed_export_offers_no_folder_and_is_not_remembered(make_app, qtbot, tmp_path) -> None:
    app = make_app("--data-dir", str(tmp_path / "sessions"))
    say(app, 0, "Words.")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    app.session_actions.ask_save_path = lambda _p, _s: str(blocker / "out.vtt")
    with qtbot.waitSignal(app.sessions.exports.finished, timeout=10000):
        app.window.exportRequested.emit()
    assert app.window.status_line.is_error()
    assert not app.window.status_line.open_folder.isVisible()
    asked: list[str] = []
    app.session_actions.ask_save_path = lambda _p, suggested: asked.append(suggested) or ""
    app.window.exportRequested.emit()
    assert Path(asked[0]).suffix == ".txt" and str(blocker) not in asked[0]


def test_the_sessions_folder_is_shown_and_opens(make_app, qtbot, tmp_path) -> None:
    data = tmp_path / "sessions"
    app = make_app("--data-dir", str(data))
    opened: list[QUrl] = []
    app.session_actions.open_url = opened.append
    app.window.data_folder_action.trigger()  # Settings ▸ Open sessions folder
    window = app.session_actions.show_sessions()
    window.open_url = opened.append
    assert str(data) in window.folder_label.text() and window.folder_label.isVisible()
    qtbot.mouseClick(window.open_folder_button, Qt.MouseButton.LeftButton)
    assert opened == [QUrl.fromLocalFile(str(data))] * 2
    assert str(data) in app.window.show_about().details.text()


def journal(data: Path, texts: list[str]) -> str:
    info = SessionInfo(engine="offline", source="Desk mic")
    record = TranscriptJournal.create(info, data)
    for n, text in enumerate(texts):
        record.append_turn(Turn(f"k{n}", n, text, words=(Word(text, n, n + 1),), finished=True))
    record.end(duration_ms=1000)
    return info.id


def rows(window) -> list[str]:
    return [window.list.item(i).text() for i in range(window.list.count())]


def test_empty_sessions_are_hidden_unless_asked_for(make_app, qtbot, tmp_path) -> None:
    data = tmp_path / "sessions"
    journal(data, ["a meeting worth keeping"])
    journal(data, [])
    journal(data, [])
    app = make_app("--data-dir", str(data))
    window = app.session_actions.show_sessions()
    qtbot.waitUntil(lambda: len(rows(window)) == 1, timeout=5000)
    assert "a meeting worth keeping" in rows(window)[0]
    assert window.show_empty.isVisible() and "(2)" in window.show_empty.text()
    window.show_empty.setChecked(True)
    assert len(rows(window)) == 3
    assert sum("(no speech)" in row for row in rows(window)) == 2
    window.show_empty.setChecked(False)
    assert len(rows(window)) == 1


def test_renaming_a_session_renames_it_above_its_transcript_too(make_app, qtbot, tmp_path) -> None:
    journal(tmp_path / "s", ["hello everyone"])
    app = make_app("--data-dir", str(tmp_path / "s"))
    window = app.session_actions.show_sessions()
    qtbot.waitUntil(lambda: window.list.count() == 1, timeout=5000)
    window.list.setCurrentRow(0)
    qtbot.waitUntil(lambda: window.view.finished_texts() != [], timeout=5000)
    assert "Budget review" not in window.header.text()
    window.ask_title = lambda _parent, _current: "Budget review"
    window.rename_current()
    qtbot.waitUntil(lambda: rows(window)[0].startswith("Budget review"), timeout=5000)
    assert window.header.text().startswith("Budget review")  # the header kept the old name
    # A listing that changes nothing of this session leaves what the header says.
    window.copy_current()
    qtbot.waitUntil(lambda: window.header.text() == "Copied to the clipboard.")
    window.refresh()
    qtbot.wait(300)
    assert window.header.text() == "Copied to the clipboard."
