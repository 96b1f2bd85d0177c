"""View ▸ Sessions on the live session: it follows the session, and its actions take all of it.

The window used to show the journal as it was when the row was picked and
keep that copy: the main window went on to five lines while the Sessions
window showed one, and its Export said "Saved 1 line".
"""

from __future__ import annotations

import json

from PySide6.QtGui import QGuiApplication

from tests.fakes.v3_server import FakeV3Server
from tests.ui.test_sessions import KEY, SCRIPT, cloud


def main_texts(app) -> list[str]:
    return [turn.text for turn in app.controller.transcript.finished]


def view_texts(window) -> list[str]:
    """The Sessions window's lines without their times ("00:01  Dashwood had then.")."""
    return [line.split("  ", 1)[-1] for line in window.view.finished_texts()]


def export_now(qtbot, app, window, path) -> str:
    """Export from the Sessions window; the header's answer ("Saved N lines…")."""
    window.ask_save_path = lambda _parent, _suggested: str(path)
    with qtbot.waitSignal(app.sessions.exports.finished, timeout=10000):
        window.export_current()
    return window.header.text()


def test_the_live_session_picked_in_sessions_follows_the_session_and_exports_all_of_it(
    make_app, qtbot, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    with FakeV3Server(api_key=KEY, script=SCRIPT, ms_per_word=250) as server:
        app = make_app(*cloud(server, tmp_path / "s"))
        app.start_captioning()
        qtbot.waitUntil(lambda: len(main_texts(app)) >= 1, timeout=20000)
        window = app.session_actions.show_sessions()
        qtbot.waitUntil(lambda: window.list.count() == 1, timeout=5000)
        window.list.setCurrentRow(0)
        qtbot.waitUntil(lambda: window._current is not None, timeout=5000)
        picked = len(window.view.finished_texts())
        assert app.controller.running and picked >= 1
        # New lines of the running session appear in the Sessions window too.
        qtbot.waitUntil(lambda: len(main_texts(app)) > picked, timeout=20000)
        qtbot.waitUntil(lambda: view_texts(window) == main_texts(app), timeout=2000)
        # Export while it runs: every line finished so far, not the lines seen when picked.
        lines = len(main_texts(app))
        assert export_now(qtbot, app, window, tmp_path / "running.txt").startswith(
            f"Saved {lines} line"
        )
        # Renamed while it runs: the header says the new name too (the list did, it did not).
        window.ask_title = lambda _parent, _current: "Standup"
        window.rename_current()
        qtbot.waitUntil(lambda: window.header.text().startswith("Standup"), timeout=5000)
        qtbot.waitUntil(lambda: not app.controller.running, timeout=30000)
    qtbot.waitUntil(lambda: not app.sessions.pending, timeout=5000)
    qtbot.wait(300)  # the journal read back once closed
    whole = main_texts(app)
    assert len(whole) > picked
    assert view_texts(window) == whole
    assert export_now(qtbot, app, window, tmp_path / "after.json").startswith(
        f"Saved {len(whole)} lines"
    )
    # Read back from the closed journal: the export says how long the session was.
    assert json.loads((tmp_path / "after.json").read_text())["session"]["duration_ms"] > 0
    window.copy_current()  # nothing selected: the whole session, built off the GUI thread
    qtbot.waitUntil(lambda: window.header.text() == "Copied to the clipboard.")
    copied = QGuiApplication.clipboard().text()
    assert all(text in copied for text in whole)
