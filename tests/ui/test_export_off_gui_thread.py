"""Exports are written off the GUI thread (issue 11 item 1, issue 12 follow-up).

The write is a temp file, an fsync and a rename: on a slow or stalled disk
that used to freeze the window and the captions for as long as the disk
took.  Here the export's fsync is held until the test lets it go: the
window answers meanwhile, says "Exporting…", refuses a second export of the
same file, and says "Saved" once the worker is done.  A full disk (a real
ENOSPC from a tiny tmpfs) is said in plain words, with the old file kept and
the transcript still on screen.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QWidget

from captioner.core import export as core_export
from captioner.core.journal import TranscriptJournal
from captioner.core.session import SessionInfo
from captioner.core.transcript import Translation, Turn, Word
from captioner.ui.session_export import Exports
from tests.ui.test_exports_and_history import say


class HeldFsync:
    """``os.fsync`` that records which thread syncs a file named ``name``, and holds it.

    The hold is bounded: were the export still written on the GUI thread, the
    test fails on its assertions instead of hanging.
    """

    def __init__(self, real: Callable[[int], None], name: str) -> None:
        self.real, self.name = real, name
        self.threads: list[threading.Thread] = []
        self.reached = threading.Event()
        self.release = threading.Event()

    def __call__(self, fd: int) -> None:
        try:
            path = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            path = ""
        if self.name in path:
            self.threads.append(threading.current_thread())
            self.reached.set()
            self.release.wait(10)
        self.real(fd)


def stored_session(data: Path, texts: list[str]) -> str:
    info = SessionInfo(engine="offline", source="Desk mic")
    record = TranscriptJournal.create(info, data)
    for n, text in enumerate(texts):
        record.append_turn(Turn(f"k{n}", n, text, words=(Word(text, n, n + 1),), finished=True))
    record.end(duration_ms=1000)
    return info.id


def test_an_export_is_written_off_the_gui_thread_and_the_same_file_only_once(
    make_app, qtbot, tmp_path, monkeypatch
) -> None:
    data = tmp_path / "sessions"
    session_id = stored_session(data, ["minutes kept in the history"])
    app = make_app("--data-dir", str(data))
    window = app.session_actions.show_sessions(session_id)
    qtbot.waitUntil(lambda: bool(window.view.finished_texts()), timeout=5000)
    say(app, 0, "Minutes of the meeting.")
    out = tmp_path / "minutes.txt"
    held = HeldFsync(os.fsync, out.name)
    monkeypatch.setattr(os, "fsync", held)
    app.session_actions.ask_save_path = lambda _parent, _suggested: str(out)
    window.ask_save_path = lambda _parent, _suggested: str(out)
    exports = app.sessions.exports

    app.session_actions.export_current()  # returns while the disk holds the write
    assert app.window.status_text().startswith("Exporting to")
    qtbot.waitUntil(held.reached.is_set, timeout=5000)  # the GUI thread turns meanwhile
    assert not out.exists() and app.sessions.pending  # Quit would wait for it

    # The same file again, from either window: refused, not raced.
    app.session_actions.export_current()
    assert "still being exported" in app.window.status_text()
    assert app.window.status_line.is_error()
    window.export_current()
    assert "still being exported" in window.header.text()

    with qtbot.waitSignal(exports.finished, timeout=10000) as done:
        held.release.set()
    assert done.args[0].ok and done.args[0].path == str(out)
    assert out.read_text(encoding="utf-8").strip().endswith("Minutes of the meeting.")
    assert "Saved 1 line to" in app.window.status_text()
    assert app.window.status_line.open_folder.isVisible()
    assert held.threads and threading.main_thread() not in held.threads
    assert not app.sessions.pending

    # Once saved, the Sessions window may write it again (its own transcript).
    held.threads.clear()
    with qtbot.waitSignal(exports.finished, timeout=10000):
        window.export_current()
    assert "Saved" in window.header.text()
    assert "minutes kept in the history" in out.read_text(encoding="utf-8")
    assert held.threads and threading.main_thread() not in held.threads


def fill(folder: Path) -> None:
    """Write until the filesystem says it is full."""
    with contextlib.suppress(OSError), (folder / "filler").open("wb") as filler:
        while True:
            filler.write(b"x" * 1024)
            filler.flush()


def test_a_full_disk_is_said_and_the_old_file_and_the_transcript_are_kept(
    make_app, qtbot, tmp_path, tiny_tmpfs
) -> None:
    full = tiny_tmpfs(size="16k")
    old = full / "notes.txt"
    old.write_text("yesterday's notes", encoding="utf-8")
    fill(full)
    data = tmp_path / "sessions"
    session_id = stored_session(data, ["words from the history"])
    app = make_app("--data-dir", str(data))
    say(app, 0, "Words that matter " * 200)
    app.session_actions.ask_save_path = lambda _parent, _suggested: str(old)
    with qtbot.waitSignal(app.sessions.exports.finished, timeout=10000):
        app.session_actions.export_current()
    status = app.window.status_text()
    assert "the disk is full" in status and "left unchanged" in status
    assert app.window.status_line.is_error()
    assert not app.window.status_line.open_folder.isVisible()
    assert old.read_text(encoding="utf-8") == "yesterday's notes"
    assert app.window.transcript.finished_texts()  # nothing lost from the screen
    assert not list(full.glob(".*.tmp"))

    window = app.session_actions.show_sessions(session_id)
    qtbot.waitUntil(lambda: bool(window.view.finished_texts()), timeout=5000)
    window.ask_save_path = lambda _parent, _suggested: str(full / "history.txt")
    with qtbot.waitSignal(app.sessions.exports.finished, timeout=10000):
        window.export_current()
    assert "the disk is full" in window.header.text()
    assert not (full / "history.txt").exists()


def test_quit_waits_for_an_export_being_written(make_app, qtbot, tmp_path, monkeypatch) -> None:
    app = make_app("--data-dir", str(tmp_path / "sessions"))
    say(app, 0, "The last words before quitting.")
    out = tmp_path / "last.txt"
    held = HeldFsync(os.fsync, out.name)
    monkeypatch.setattr(os, "fsync", held)
    app.session_actions.ask_save_path = lambda _parent, _suggested: str(out)
    app.session_actions.export_current()
    qtbot.waitUntil(held.reached.is_set, timeout=5000)
    quits: list[bool] = []
    app.quitFinished.connect(lambda: quits.append(True))
    app.request_quit()
    assert not quits  # still writing
    with qtbot.waitSignal(app.quitFinished, timeout=10000):
        held.release.set()
    assert "The last words before quitting." in out.read_text(encoding="utf-8")


def test_a_translation_track_being_written_is_not_written_again_and_a_crash_is_said(
    qtbot, tmp_path, monkeypatch
) -> None:
    """The Exports object alone: a track counts as a file being written; a bug never hangs."""
    owner = QWidget()
    qtbot.addWidget(owner)
    exports = Exports()
    turns = [
        Turn(
            "k0",
            0,
            "Good morning.",
            words=(Word("Good", 0, 300), Word("morning.", 300, 700)),
            finished=True,
            translation=Translation("fr", "Bonjour."),
        )
    ]
    talk = tmp_path / "talk.srt"
    held = HeldFsync(os.fsync, talk.name)  # talk.srt is held; its track talk.fr.srt comes after
    monkeypatch.setattr(os, "fsync", held)
    said: list[str] = []
    exports.write(
        str(talk), turns, None, lambda o: said.append(o.message), owner=owner, subtitles="separate"
    )
    qtbot.waitUntil(held.reached.is_set, timeout=5000)
    exports.write(
        str(tmp_path / "talk.fr.srt"), turns, None, lambda o: said.append(o.message), owner=owner
    )
    assert said == ["“talk.fr.srt” is still being exported; try again once it is saved."]
    with qtbot.waitSignal(exports.settled, timeout=10000):
        held.release.set()
    assert said[-1].startswith("Saved 1 line to") and (tmp_path / "talk.fr.srt").exists()

    def broken(*_args: object, **_kwargs: object) -> object:
        raise RuntimeError("a bug in a format")

    monkeypatch.setattr(core_export, "export", broken)  # what session_export calls
    with qtbot.waitSignal(exports.settled, timeout=10000):
        exports.write(
            str(tmp_path / "x.txt"), turns, None, lambda o: said.append(o.message), owner=owner
        )
    assert "Could not export" in said[-1] and "a bug in a format" in said[-1]
    assert not exports.busy
