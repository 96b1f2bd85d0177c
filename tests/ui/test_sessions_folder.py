"""Where sessions are kept: a data folder that does not work, and stored sessions that are damaged.

The whole app starts as ``captioner --data-dir …`` would (``make_app``),
captions a real clip through the real AssemblyAI SDK against the fake v3
server, and the tests look where a user would: the banner, the status
line, the overlay, the Sessions list, the files on disk.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from captioner.core.journal import read_journal
from captioner.core.journal_format import JournalError
from captioner.core.journal_writer import JournalWriter
from captioner.core.session import SessionInfo
from captioner.core.sessions import SessionStore
from captioner.core.transcript import Turn, Word
from captioner.ui.storage_notice import NOT_SAVED
from tests.fakes.v3_server import FakeV3Server
from tests.ui.test_sessions import CLIP, KEY, SCRIPT, rows

AS_ROOT = os.geteuid() == 0 if hasattr(os, "geteuid") else False


SHORT_CLIP = CLIP.with_name("sense_and_sensibility_01_austen_64kb-0880.wav")  # 3 s


def cloud(server: FakeV3Server, data_dir: Path, clip: Path = CLIP) -> list[str]:
    return [
        "--engine",
        "assemblyai",
        "--input-file",
        str(clip),
        "--api-host",
        server.url,
        "--data-dir",
        str(data_dir),
    ]


@pytest.fixture
def read_only_dir(tmp_path: Path, tiny_tmpfs) -> Iterator[Path]:
    """A folder the kernel refuses writes to, for root as well (root ignores chmod)."""
    if AS_ROOT:
        yield tiny_tmpfs("ro")
        return
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    yield folder
    folder.chmod(0o700)


def placeholders(app) -> list[str]:
    """Every status the overlay shows as its placeholder, from now on."""
    seen: list[str] = []
    real = app.overlay.set_placeholder

    def spy(text: str) -> None:
        seen.append(text)
        real(text)

    app.overlay.set_placeholder = spy
    return seen


def test_a_data_dir_that_is_a_file_is_said_at_start_and_mid_session_and_another_folder_saves_all(
    make_app, qtbot, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    not_a_folder = tmp_path / "sessions"
    not_a_folder.write_text("I am a file")
    chosen = tmp_path / "chosen"
    chosen.mkdir()
    with FakeV3Server(api_key=KEY, script=SCRIPT, ms_per_word=150) as server:
        app = make_app(*cloud(server, not_a_folder))
        overlay_said = placeholders(app)
        # At start-up, before any session: banner, status line and overlay.
        qtbot.waitUntil(lambda: app.storage.shown, timeout=5000)
        assert "is a file, not a folder" in app.storage.banner.label.text()
        assert "is a file, not a folder" in app.window.status_text()
        assert any("is a file, not a folder" in text for text in overlay_said)

        app.start_captioning()
        # While the session runs, its status says so, in the window and the overlay.
        qtbot.waitUntil(
            lambda: app.window.status_text() == f"Listening · {NOT_SAVED}", timeout=10000
        )
        assert app.overlay.badge == f"Listening · {NOT_SAVED}"
        qtbot.waitUntil(lambda: len(app.controller.transcript.finished) >= 2, timeout=10000)
        assert app.controller.running

        app.storage.ask_folder = lambda _parent, _start: str(chosen)
        app.storage.banner.choose.click()
        # Saving works: the banner goes, the overlay's warning too, and what was
        # only in memory is on disk in the chosen folder, the rest following.
        qtbot.waitUntil(lambda: not app.storage.shown, timeout=5000)
        assert NOT_SAVED not in app.overlay.badge
        qtbot.waitUntil(lambda: not app.controller.running, timeout=20000)
    shown = [turn.text for turn in app.controller.transcript.finished]
    [journal] = chosen.glob("*.jsonl")
    contents = read_journal(journal)
    assert [turn.text for turn in contents.turns] == shown and len(shown) == 7
    assert contents.ended and contents.info.engine == "assemblyai"
    assert NOT_SAVED not in app.window.status_text()
    assert not not_a_folder.is_dir()  # nothing was done to the file


def test_a_read_only_data_dir_keeps_the_stopped_session_in_memory_until_a_folder_takes_it(
    make_app, qtbot, tmp_path, monkeypatch, read_only_dir
) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    with FakeV3Server(api_key=KEY, script=SCRIPT, ms_per_word=120) as server:
        app = make_app(*cloud(server, read_only_dir, SHORT_CLIP))
        qtbot.waitUntil(lambda: app.storage.shown, timeout=5000)
        reason = "read-only" if AS_ROOT else "permission denied"
        assert reason in app.storage.banner.label.text()
        app.start_captioning()
        qtbot.waitUntil(lambda: not app.controller.running, timeout=20000)
    shown = [turn.text for turn in app.controller.transcript.finished]
    assert len(shown) >= 3
    # Stop does not wait for the journal: once it has answered, the status says what is held.
    qtbot.waitUntil(lambda: "kept only in memory" in app.window.status_text(), timeout=5000)
    assert app.storage.shown and "kept only in memory" in app.storage.banner.label.text()
    assert list(read_only_dir.iterdir()) == []

    chosen = tmp_path / "elsewhere"  # need not exist yet
    app.storage.ask_folder = lambda _parent, _start: str(chosen)
    app.storage.choose_folder()
    qtbot.waitUntil(lambda: not app.storage.shown, timeout=5000)
    [summary] = SessionStore(chosen).list()
    assert summary.finished and summary.turn_count == len(shown)
    _info, turns = SessionStore(chosen).load(summary.id)
    assert [turn.text for turn in turns] == shown
    assert f"Sessions are saved in “{chosen}”" in app.window.status_text()


def test_cancelling_the_folder_dialog_changes_nothing(make_app, qtbot, tmp_path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    app = make_app("--data-dir", str(not_a_folder))
    qtbot.waitUntil(lambda: app.storage.shown, timeout=5000)
    app.storage.ask_folder = lambda _parent, _start: ""
    app.storage.choose_folder()
    assert app.storage.shown and app.sessions.store.data_dir == not_a_folder


def _damaged_data_dir(folder: Path) -> tuple[str, str]:
    """A crashed session with a flipped header byte and bad lines, and a damaged ended one."""
    ids = []
    for title, end in (("Board meeting", False), ("Lecture", True)):
        info = SessionInfo(engine="assemblyai", source="Mic", title=title)
        writer = JournalWriter(info, folder)
        writer.start()
        for i in range(4):
            words = (Word(f"word{i}", i * 1000, i * 1000 + 500),)
            writer.append_turn(Turn(f"k{i}", i, f"{title} line {i}", words, finished=True))
        assert writer.close(duration_ms=4000)
        lines = writer.path.read_bytes().splitlines()
        if not end:
            lines = lines[:-1]  # the crash: no end record
            header = bytearray(lines[0])
            header[header.index(b'"session":{') + 1] ^= 0x20
            lines[0] = bytes(header)
        lines[2:2] = [
            b'{"type":"turn","at":"2026-01-01T00:00:00+00:00","turn":"oops"}',
            b'{"type":"turn","turn":{"key":"x","text":"y","order":1e999}}',
            b"[" * 100_000,
            json.dumps({"type": "turn", "turn": {"key": ["k9"], "text": 5}}).encode(),
        ]
        writer.path.write_bytes(b"\n".join(lines) + b"\n")
        ids.append(info.id)
    return ids[0], ids[1]


def test_damaged_journals_do_not_stop_the_app_and_the_user_is_told_which(
    make_app, qtbot, tmp_path
) -> None:
    folder = tmp_path / "sessions"
    _damaged_data_dir(folder)
    app = make_app("--data-dir", str(folder))
    told: list[str] = []
    app.sessions.damageFound.connect(told.append)
    assert app.window.isVisible()
    # Told once, naming the sessions; the crashed one is still offered back.
    qtbot.waitUntil(lambda: "damaged" in app.window.status_text(), timeout=5000)
    status = app.window.status_text()
    assert "Board meeting" in status and "Lecture" in status and "skipped" in status
    qtbot.waitUntil(lambda: app.window.recovery_banner.isVisibleTo(app.window), timeout=5000)
    assert "Board meeting" in app.window.recovery_label.text()
    assert "4 lines saved" in app.window.recovery_label.text()
    with qtbot.waitSignal(app.sessions.library.unfinishedFound):
        app.session_actions.check_for_crashed_sessions()  # asked again: not told again
    assert len(told) == 1

    window = app.session_actions.show_sessions()
    qtbot.waitUntil(lambda: len(rows(window)) == 2, timeout=5000)
    assert all("damaged" in row for row in rows(window))
    app.window.recoverRequested.emit()
    qtbot.waitUntil(lambda: len(window.view.finished_texts()) == 4, timeout=5000)


def _ended_journal(folder: Path) -> bool:
    """Whether ``folder`` holds one session journal, written to its end."""
    journals = list(folder.glob("*.jsonl"))
    if len(journals) != 1:
        return False
    try:
        return read_journal(journals[0]).ended
    except (OSError, ValueError, JournalError):  # still being written
        return False


def test_the_first_failed_write_mid_session_is_said_while_running_and_a_new_folder_gets_it_all(
    make_app, qtbot, tmp_path, monkeypatch, tiny_tmpfs
) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    full = tiny_tmpfs(size="8k")  # passes the start-up check, fills after a few turns
    (full / "filler").write_bytes(b"x" * 4096)
    chosen = tmp_path / "chosen"
    with FakeV3Server(api_key=KEY, script=SCRIPT, ms_per_word=150) as server:
        app = make_app(*cloud(server, full))
        said_while_running: list[bool] = []
        app.sessions.savingProblem.connect(
            lambda _message: said_while_running.append(app.controller.running)
        )
        app.start_captioning()
        qtbot.waitUntil(lambda: app.storage.shown, timeout=15000)
        assert said_while_running[0]
        assert "disk is full" in app.storage.banner.label.text()
        assert app.window.status_text().endswith(NOT_SAVED)
        app.storage.ask_folder = lambda _parent, _start: str(chosen)
        app.storage.choose_folder()
        qtbot.waitUntil(lambda: not app.storage.shown, timeout=5000)
        qtbot.waitUntil(lambda: not app.controller.running, timeout=20000)
        # The journal is written off the GUI thread: a loaded machine may still be at it.
        qtbot.waitUntil(lambda: _ended_journal(chosen), timeout=30000)
    [journal] = chosen.glob("*.jsonl")
    contents = read_journal(journal)
    assert [t.text for t in contents.turns] == [t.text for t in app.controller.transcript.finished]
    assert len(contents.turns) == 7 and contents.ended


def _crashed_journal(folder: Path, title: str, lines: int) -> Path:
    """A session journal as a crash leaves it: ``lines`` finished lines and no end record."""
    writer = JournalWriter(SessionInfo(engine="assemblyai", source="Mic", title=title), folder)
    writer.start()
    for i in range(lines):
        words = (Word(f"w{i}", i * 900, i * 900 + 500),)
        writer.append_turn(Turn(f"k{i}", i, f"{title} line {i}", words, finished=True))
    assert writer.close(timeout=5)
    records = writer.path.read_bytes().splitlines()
    writer.path.write_bytes(b"\n".join(records[:-1]) + b"\n")
    return writer.path


def test_a_crash_before_the_first_line_is_closed_quietly_not_offered_back(
    make_app, qtbot, tmp_path
) -> None:
    # A launch that crashed (or was killed) before anything was captioned
    # left a journal with no lines: "0 lines saved. Recover it?" offered
    # nothing.  It is closed as a Stop would have closed it; a crashed
    # session with lines is still offered, and alone.
    folder = tmp_path / "sessions"
    empty = _crashed_journal(folder, "Nothing said", 0)
    _crashed_journal(folder, "Standup", 3)
    app = make_app("--data-dir", str(folder))
    qtbot.waitUntil(lambda: app.window.recovery_banner.isVisibleTo(app.window), timeout=5000)
    said = app.window.recovery_label.text()
    assert "Standup" in said and "3 lines saved" in said and "more" not in said, said
    qtbot.waitUntil(lambda: read_journal(empty).ended, timeout=5000)
    assert read_journal(empty).info.title == "Nothing said"  # kept, in Sessions as any other

    empty_only = tmp_path / "only-empty"
    _crashed_journal(empty_only, "Killed at start", 0)
    app = make_app("--data-dir", str(empty_only))
    with qtbot.waitSignal(app.sessions.library.unfinishedFound, timeout=5000):
        app.session_actions.check_for_crashed_sessions()
    qtbot.waitUntil(lambda: read_journal(next(empty_only.glob("*.jsonl"))).ended, timeout=5000)
    assert not app.window.recovery_banner.isVisibleTo(app.window)


def test_recover_and_delete_on_a_read_only_folder_say_so_and_lose_nothing(
    make_app, qtbot, tiny_tmpfs
) -> None:
    disk = tiny_tmpfs()
    journal = _crashed_journal(disk, "Read-only talk", 4)
    session_id = read_journal(journal).info.id
    remount = subprocess.run(["mount", "-o", "remount,ro", str(disk)], capture_output=True)
    if remount.returncode != 0:
        pytest.skip(f"cannot remount read-only: {remount.stderr!r}")
    app = make_app("--data-dir", str(disk))
    problems: list[str] = []
    app.sessions.problem.connect(problems.append)
    qtbot.waitUntil(lambda: app.window.recovery_banner.isVisibleTo(app.window), timeout=5000)
    qtbot.waitUntil(lambda: app.storage.shown, timeout=5000)
    assert "read-only" in app.storage.banner.label.text()
    app.window.recoverRequested.emit()  # raised before: the write is refused
    qtbot.waitUntil(lambda: bool(problems), timeout=5000)
    assert "read-only" in problems[0]
    qtbot.waitUntil(lambda: app.session_actions.sessions_window is not None, timeout=5000)
    window = app.session_actions.sessions_window
    qtbot.waitUntil(lambda: len(window.view.finished_texts()) == 4, timeout=5000)
    answers: list[str | None] = []
    app.sessions.discard(session_id, answers.append)
    qtbot.waitUntil(lambda: bool(answers), timeout=5000)
    assert answers[0] is not None and "read-only" in answers[0] and "read-only" in problems[-1]
    assert journal.exists()


def test_every_state_of_a_run_says_not_saved_the_moment_it_is_shown(
    make_app, qtbot, tmp_path, monkeypatch
) -> None:
    # The note was added by a queued handler after the window and the overlay had
    # shown the bare state: for one event-loop turn (and in CI, at an assertion)
    # a reconnection said "Reconnecting…" while nothing was being saved.
    from captioner.engines.base import EngineState, EngineStatus

    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    with FakeV3Server(api_key=KEY, script=SCRIPT, ms_per_word=150) as server:
        app = make_app(*cloud(server, tmp_path / "sessions"))
        app.start_captioning()
        qtbot.waitUntil(lambda: app.window.status_text() == "Listening", timeout=10000)
        app.sessions.savingProblem.emit("Sessions cannot be saved: the disk is full.")
        assert app.window.status_text() == f"Listening · {NOT_SAVED}"
        assert app.overlay.badge == f"Listening · {NOT_SAVED}"
        app.controller._bridge.status.emit(  # the engine's next state, as it arrives
            EngineStatus(EngineState.CONNECTING, "Reconnecting…", "lost the connection")
        )
        assert app.window.status_text() == f"Reconnecting… · {NOT_SAVED}"
        assert app.overlay.badge == f"Reconnecting… · {NOT_SAVED}"
        app.controller.stop()
        qtbot.waitUntil(lambda: not app.controller.running, timeout=20000)
    assert NOT_SAVED not in app.window.status_text()
