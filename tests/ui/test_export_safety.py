"""GUI exports never destroy what is at the chosen path (issue 12 item 6).

The save dialog asks before replacing a regular file (Qt's own confirmation,
which must stay on); the write itself goes through core.safe_write, so a
symlink or a device node (a FIFO here) is refused with a message and kept.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from captioner.core.settings import Key, Settings
from captioner.ui import export_place
from tests.fakes.v3_server import FakeV3Server
from tests.ui.test_sessions import KEY, SCRIPT, cloud, run_session


def test_both_export_windows_refuse_a_symlink_and_a_fifo(
    make_app, qtbot, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    with FakeV3Server(api_key=KEY, script=SCRIPT, ms_per_word=120) as server:
        app = make_app(*cloud(server, tmp_path / "s"))
        run_session(app, qtbot)
    real = tmp_path / "real.txt"
    real.write_text("linked document")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)

    # File ▸ Export in the main window.
    # The write (and its refusal) happens off the GUI thread: wait for the answer.
    exported = app.sessions.exports.finished
    app.session_actions.ask_save_path = lambda _parent, _suggested: str(link)
    with qtbot.waitSignal(exported, timeout=10000):
        app.session_actions.export_current()
    assert "symbolic link" in app.window.status_text()
    app.session_actions.ask_save_path = lambda _parent, _suggested: str(fifo)
    with qtbot.waitSignal(exported, timeout=10000):
        app.session_actions.export_current()
    assert "not a regular file" in app.window.status_text()

    # View ▸ Sessions ▸ Export.
    session_id = app.sessions.store.list()[0].id
    window = app.session_actions.show_sessions(session_id)
    qtbot.waitUntil(lambda: window.list.count() == 1 and bool(window.view.finished_texts()))
    window.ask_save_path = lambda _parent, _suggested: str(link)
    with qtbot.waitSignal(exported, timeout=10000):
        window.export_current()
    assert "symbolic link" in window.header.text()

    assert link.is_symlink() and real.read_text() == "linked document"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)

    # A regular file the user agreed to replace in the dialog is replaced whole.
    old = tmp_path / "old.txt"
    old.write_text("yesterday")
    window.ask_save_path = lambda _parent, _suggested: str(old)
    with qtbot.waitSignal(exported, timeout=10000):
        window.export_current()
    assert "Saved" in window.header.text() and "yesterday" not in old.read_text()


def test_the_save_dialog_keeps_its_overwrite_confirmation(qtbot, monkeypatch) -> None:
    seen: list[object] = []

    def fake_dialog(*args: object, **kwargs: object) -> tuple[str, str]:
        seen.append(kwargs.get("options", args[5] if len(args) > 5 else None))
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake_dialog)
    parent = QWidget()
    qtbot.addWidget(parent)
    export_place.ask_save_path(parent, "/tmp/x.txt")
    options = seen[0]
    assert options is None or not (options & QFileDialog.Option.DontConfirmOverwrite)


def test_a_name_captioner_completes_asks_before_replacing(
    qtbot, tmp_path: Path, monkeypatch
) -> None:
    """The dialog confirmed "notes"; "notes.txt" is another file: it is not replaced unasked."""
    existing = tmp_path / "notes.txt"
    existing.write_text("yesterday's notes")
    asked: list[str] = []
    answer = [QMessageBox.StandardButton.No]

    def question(_parent: object, _title: str, text: str, *_args: object) -> object:
        asked.append(text)
        return answer[0]

    monkeypatch.setattr(QMessageBox, "question", question)
    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        lambda *_a, **_k: (str(tmp_path / "notes"), export_place.export_filters()[0]),
    )
    parent = QWidget()
    qtbot.addWidget(parent)
    assert export_place.export_filters()[0].endswith("(*.txt)")
    assert export_place.ask_save_path(parent, str(tmp_path / "x.txt")) == ""  # declined
    assert asked and "notes.txt" in asked[0]
    answer[0] = QMessageBox.StandardButton.Yes
    assert export_place.ask_save_path(parent, str(tmp_path / "x.txt")) == str(existing)
    # A new name is not asked about.
    asked.clear()
    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        lambda *_a, **_k: (str(tmp_path / "fresh"), export_place.export_filters()[0]),
    )
    assert export_place.ask_save_path(parent, str(tmp_path / "x.txt")).endswith("fresh.txt")
    assert asked == []
    assert existing.read_text() == "yesterday's notes"


def test_a_name_with_a_dot_gets_the_chosen_file_type(qtbot, tmp_path: Path, monkeypatch) -> None:
    """ "Standup 10.30" with SubRip chosen is saved as "Standup 10.30.srt": a dot in a name
    is not an extension, and the export must not fail for want of one."""
    srt = next(f for f in export_place.export_filters() if f.endswith("(*.srt)"))
    typed = ["Standup 10.30", "notes.SRT", "talk.md"]
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(tmp_path / typed[0]), srt)
    )
    parent = QWidget()
    qtbot.addWidget(parent)
    assert export_place.ask_save_path(parent, "x.txt") == str(tmp_path / "Standup 10.30.srt")
    for name in typed[1:]:  # a real extension, whatever its case or the type chosen, stays
        typed[0] = name
        assert export_place.ask_save_path(parent, "x.txt") == str(tmp_path / name)


def test_an_export_is_suggested_in_a_folder_that_exists(tmp_path, monkeypatch) -> None:
    # No ~/Documents (or a remembered USB stick gone): the dialog fell back to the
    # folder the app was started from, and the export was saved there.
    home = tmp_path / "user"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(export_place, "documents_folder", lambda: str(home / "Documents"))
    prefs = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    place = export_place.ExportPlace(prefs)
    assert place.folder() == str(home)
    (home / "Documents").mkdir()
    assert place.folder() == str(home / "Documents")
    prefs.set(Key.EXPORT_FOLDER, str(tmp_path / "usb-stick"))  # unplugged since
    assert place.folder() == str(home / "Documents")
