"""Deleting a session is asked first, and Enter never deletes.

The crash banner's Discard (beside Recover) deleted the unfinished session at
once, unasked; Sessions ▸ Delete… asked with "Yes" as the default button, so
Alt+D, Enter deleted.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from captioner.core.journal import TranscriptJournal
from captioner.core.session import SessionInfo
from captioner.core.sessions import SessionStore
from captioner.core.transcript import Turn, Word
from captioner.ui.session_prompts import confirm_box


def test_enter_or_escape_in_a_delete_question_keeps_the_session(qtbot) -> None:
    for key in (Qt.Key.Key_Return, Qt.Key.Key_Escape):
        box, delete = confirm_box(None, "Delete “Standup”?", "Delete session", "&Delete")
        qtbot.addWidget(box)
        box.show()
        QTest.keyClick(box, key)
        assert box.clickedButton() is not None and box.clickedButton() is not delete
        assert delete.text() == "&Delete"  # named for what it does, not "Yes"


def test_discard_in_the_crash_banner_asks_before_deleting(make_app, qtbot, tmp_path) -> None:
    data = tmp_path / "sessions"
    journal = TranscriptJournal.create(SessionInfo(engine="offline", source="Laptop mic"), data)
    for n in range(40):
        journal.append_turn(
            Turn(f"t{n}", n, f"words {n}", words=(Word("words", n, n + 1),), finished=True)
        )
    journal.close()  # no end record: as a crash leaves it
    app = make_app("--data-dir", str(data))
    banner = app.window.recovery_banner
    qtbot.waitUntil(lambda: banner.isVisibleTo(app.window), timeout=5000)
    asked: list[str] = []
    actions = app.session_actions

    actions.ask_confirm = lambda _parent, question, *_: asked.append(question) or False
    app.window.discardRequested.emit()
    assert asked and "(40 lines)" in asked[0] and "cannot be undone" in asked[0]
    assert SessionStore(data).unfinished() and banner.isVisibleTo(app.window)  # said no: kept

    actions.ask_confirm = lambda *_: True
    app.window.discardRequested.emit()
    qtbot.waitUntil(
        lambda: app.window.status_text().startswith("Deleted the session"), timeout=5000
    )
    assert "(40 lines)" in app.window.status_text()
    assert not SessionStore(data).unfinished()
