"""What the app remembers about where sessions go, and what it does with sessions it could not save.

The whole app is built as ``captioner`` builds it (``make_app``: the same
settings file for every app of a test, as for a user's launches).  A
session the folder could not take is made the way a run makes it: a
transcript journaled into a folder under a file, then Stop.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import date
from pathlib import Path

import pytest

from captioner.core.journal import TranscriptJournal, read_journal, turn_record
from captioner.core.session import SessionInfo
from captioner.core.sessions import SessionStore
from captioner.core.transcript import Transcript, Turn, TurnUpdate, Word
from captioner.ui.quit_sequence import Unsaved
from captioner.ui.session_manager import SessionManager
from captioner.ui.unix_signals import (
    QuitBySignal,
    install_signal_handlers,
    restore_signal_handlers,
)
from tests.fakes.v3_server import FakeV3Server
from tests.ui.test_sessions import KEY, SCRIPT, rows
from tests.ui.test_sessions_folder import SHORT_CLIP, _damaged_data_dir, cloud

LINES = ["the budget is approved", "we meet again on friday"]


def unusable(tmp_path: Path) -> Path:
    """A data folder that cannot exist: its parent is a file."""
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be")
    return blocker / "sessions"


def hold_a_session(app, qtbot, lines: list[str] = LINES) -> None:
    """Journal a session into the unusable folder and stop it: it is held in memory."""
    transcript = app.controller.new_transcript()
    app.sessions.begin(transcript, engine="offline", source="Mic", settings={})
    for i, text in enumerate(lines):
        words = tuple(
            Word(w, i * 1000 + j * 100, i * 1000 + j * 100 + 90) for j, w in enumerate(text.split())
        )
        transcript.apply(TurnUpdate(f"s:{i}", i, text, words, end_of_turn=True))
    app.sessions.finish()
    qtbot.waitUntil(lambda: "1 stopped session is kept only in memory" in held(app), timeout=5000)


def held(app) -> str:
    return app.sessions.not_saving or ""


def texts(folder: Path) -> list[list[str]]:
    store = SessionStore(folder)
    return [[t.text for t in store.load(s.id)[1]] for s in store.list()]


# -- item 1: quitting never loses sessions held in memory silently ----------------------


def test_quit_asks_about_an_unsaved_session_and_the_chosen_folder_gets_it_before_quitting(
    make_app, qtbot, tmp_path
) -> None:
    app = make_app("--data-dir", str(unusable(tmp_path)))
    hold_a_session(app, qtbot)
    asked: list[tuple[int, str]] = []

    def ask(_parent, count: int, reason: str, answer) -> None:
        asked.append((count, reason))
        answer(Unsaved.CHOOSE_FOLDER if len(asked) == 1 else Unsaved.QUIT)

    chosen = tmp_path / "chosen"
    app.quit_sequence.ask_unsaved = ask
    app.quit_sequence.ask_folder = lambda _parent, _start: str(chosen)
    with qtbot.waitSignal(app.quitFinished, timeout=10000):
        app.request_quit()
    assert len(asked) == 1 and asked[0][0] == 1 and "kept only in memory" in asked[0][1]
    assert texts(chosen) == [LINES]  # on disk before the app went


def test_cancel_keeps_the_app_and_the_session_and_quit_without_saving_quits(
    make_app, qtbot, tmp_path
) -> None:
    app = make_app("--data-dir", str(unusable(tmp_path)))
    hold_a_session(app, qtbot)
    answers = [Unsaved.CANCEL, Unsaved.QUIT]
    app.quit_sequence.ask_unsaved = lambda _p, _n, _r, answer: answer(answers.pop(0))
    app.request_quit()
    assert not app.quit_sequence.done and app.window.isVisible()
    assert "Not quitting: 1 session is still only in memory" in app.window.status_text()
    assert "1 stopped session is kept only in memory" in held(app)
    with qtbot.waitSignal(app.quitFinished, timeout=10000):
        app.request_quit()  # asked again: "Quit without saving"
    assert not answers


def test_sigterm_writes_unsaved_sessions_to_a_fallback_folder_and_logs_where(
    make_app, qtbot, tmp_path, monkeypatch, caplog
) -> None:
    home = tmp_path / "someone"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    app = make_app("--data-dir", str(unusable(tmp_path)))
    hold_a_session(app, qtbot)
    app.quit_sequence.ask_unsaved = lambda *_args: pytest.fail("nobody is there to answer")
    caplog.set_level(logging.INFO)
    notifier = install_signal_handlers(QuitBySignal(app.quit_sequence.request_unattended))
    try:
        with qtbot.waitSignal(app.quitFinished, timeout=10000):
            signal.raise_signal(signal.SIGTERM)
    finally:
        restore_signal_handlers()
        assert notifier is not None
        notifier.setEnabled(False)
        for sock in notifier._sockets:  # type: ignore[attr-defined]
            sock.close()
    fallback = home / f"captioner-unsaved-{date.today().isoformat()}"
    assert texts(fallback) == [LINES]
    assert any(str(fallback) in record.getMessage() for record in caplog.records)


def test_sigterm_while_the_question_is_up_saves_instead_of_waiting_for_an_answer(
    make_app, qtbot, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    app = make_app("--data-dir", str(unusable(tmp_path)))
    hold_a_session(app, qtbot)
    app.request_quit()  # the real dialog, window-modal: nobody answers it
    qtbot.waitUntil(lambda: app.quit_sequence._dialog is not None, timeout=5000)
    with qtbot.waitSignal(app.quitFinished, timeout=10000):
        app.quit_sequence.request_unattended()
    assert texts(tmp_path / f"captioner-unsaved-{date.today().isoformat()}") == [LINES]


# -- item 2: the chosen folder is remembered -----------------------------------------


def test_the_chosen_folder_is_used_at_the_next_start_unless_data_dir_is_given(
    make_app, qtbot, tmp_path
) -> None:
    first = make_app("--data-dir", str(unusable(tmp_path)))
    qtbot.waitUntil(lambda: first.storage.shown, timeout=5000)
    chosen = tmp_path / "my sessions"
    first.storage.ask_folder = lambda _parent, _start: str(chosen)
    first.storage.choose_folder()
    qtbot.waitUntil(lambda: not first.storage.shown, timeout=5000)
    assert f"Sessions are saved in “{chosen}” from now on" in first.window.status_text()

    again = make_app()  # the next launch, no --data-dir
    assert again.sessions.store.data_dir == chosen
    other = tmp_path / "just this once"
    once = make_app("--data-dir", str(other))
    assert once.sessions.store.data_dir == other
    assert make_app().sessions.store.data_dir == chosen  # --data-dir did not replace it


def test_a_chosen_folder_that_fails_is_not_remembered(make_app, qtbot, tmp_path) -> None:
    first = make_app("--data-dir", str(unusable(tmp_path)))
    qtbot.waitUntil(lambda: first.storage.shown, timeout=5000)
    also_bad = tmp_path / "blocker" / "other"
    first.storage.ask_folder = lambda _parent, _start: str(also_bad)
    with qtbot.waitSignal(first.sessions.savingProblem, timeout=5000):
        first.storage.choose_folder()
    assert make_app().sessions.store.data_dir != also_bad


# -- item 3: damage is said once, not at every launch ---------------------------------


def test_damaged_sessions_are_said_once_across_launches_and_new_damage_is_said(
    make_app, qtbot, tmp_path
) -> None:
    folder = tmp_path / "sessions"
    _damaged_data_dir(folder)
    first = make_app("--data-dir", str(folder))
    qtbot.waitUntil(lambda: "damaged" in first.window.status_text(), timeout=5000)

    second = make_app("--data-dir", str(folder))
    told: list[str] = []
    second.sessions.damageFound.connect(told.append)
    # A list, not waitSignal: the library also answers the start-up check from its
    # worker, and a queued emission reaching a finished waitSignal blocker breaks it.
    found: list[object] = []
    second.sessions.library.unfinishedFound.connect(lambda *args: found.append(args))
    second.session_actions.check_for_crashed_sessions()
    qtbot.waitUntil(lambda: bool(found), timeout=5000)
    assert told == [] and "damaged" not in second.window.status_text()
    window = second.session_actions.show_sessions()
    qtbot.waitUntil(lambda: len(rows(window)) == 2, timeout=5000)
    assert all("· damaged" in row for row in rows(window))  # the list still says it

    info = SessionInfo(engine="offline", source="Mic", title="Standup")
    TranscriptJournal.create(info, folder).end(duration_ms=1000)
    with folder.joinpath(f"{info.id}.jsonl").open("ab") as journal:
        journal.write(b'{"type":"turn","turn":"oops"}\n')
    third = make_app("--data-dir", str(folder))
    qtbot.waitUntil(lambda: "damaged" in third.window.status_text(), timeout=5000)
    status = third.window.status_text()
    assert "Standup" in status and "Board meeting" not in status and "Lecture" not in status


# -- item 4: recover, delete, import and Stop never wait for the disk -----------------


@pytest.fixture
def stalled(monkeypatch):
    """Make one SessionStore/TranscriptJournal method wait for the test: a disk that stalls."""
    release = threading.Event()
    entered: list[str] = []

    def stall(owner: type, name: str) -> None:
        real = getattr(owner, name)

        def slow(*args, **kwargs):
            entered.append(threading.current_thread().name)
            release.wait(10)
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, slow)

    yield stall, release, entered
    release.set()


def saved_session(folder: Path, ended: bool = True) -> SessionInfo:
    info = SessionInfo(engine="offline", source="Mic", title="Kept")
    turns = [Turn("k0", 0, "hello there", (Word("hello", 0, 400),), finished=True)]
    journal = TranscriptJournal.create(info, folder)
    if ended:
        journal.end(duration_ms=400, preceding=[turn_record(turns[0])])
    else:
        journal.append_records([turn_record(turns[0])])
        journal.close()  # no end record: what a crash leaves
    return info


def test_delete_on_a_stalled_disk_shows_pending_and_the_refresh_after_it_sees_it_gone(
    qtbot, tmp_path, stalled
) -> None:
    stall, release, entered = stalled
    info = saved_session(tmp_path)
    manager = SessionManager(tmp_path)
    stall(SessionStore, "delete")
    answers: list[str | None] = []
    manager.discard(info.id, answers.append)  # returns while the disk stalls
    listed: list = []
    manager.library.rowsReady.connect(listed.append)
    manager.library.request_rows()  # asked after the delete: answered after it
    qtbot.waitUntil(lambda: bool(entered), timeout=5000)
    assert entered[0] != threading.main_thread().name and answers == [] and listed == []
    release.set()
    qtbot.waitUntil(lambda: bool(listed), timeout=5000)
    assert answers == [None] and listed[0].summaries == []
    assert not SessionStore(tmp_path).list()


def test_recover_and_import_on_a_stalled_disk_answer_later_on_the_gui_thread(
    qtbot, tmp_path, stalled
) -> None:
    stall, release, entered = stalled
    crashed = saved_session(tmp_path, ended=False)
    manager = SessionManager(tmp_path)
    stall(SessionStore, "recover")
    stall(TranscriptJournal, "end")  # an import writes the session, then its end record
    recovered: list = []
    manager.recover(crashed.id, lambda turns, problem: recovered.append((turns, problem)))
    export = tmp_path / "export.json"
    export.write_text(
        '{"schema": "captioner.transcript", "version": 1, "turns": '
        '[{"key": "a", "order": 0, "text": "imported line", "words": []}]}'
    )
    imported: list = []
    manager.import_file(export, lambda sid, problem: imported.append((sid, problem)))
    assert recovered == [] and imported == []
    qtbot.waitUntil(lambda: bool(entered), timeout=5000)
    release.set()
    qtbot.waitUntil(lambda: bool(recovered) and bool(imported), timeout=5000)
    assert [t.text for t in recovered[0][0]] == ["hello there"] and recovered[0][1] is None
    assert imported[0][0] is not None and imported[0][1] is None
    assert {tuple(t) for t in texts(tmp_path)} == {("hello there",), ("imported line",)}
    assert not SessionStore(tmp_path).unfinished()


def test_stop_on_a_stalled_disk_returns_at_once_and_the_journal_ends_when_the_disk_answers(
    qtbot, tmp_path, stalled
) -> None:
    stall, release, entered = stalled
    manager = SessionManager(tmp_path)
    transcript = Transcript()
    with qtbot.waitSignal(manager.sessionsChanged):
        manager.begin(transcript, engine="offline", source="Mic", settings={})
    qtbot.waitUntil(lambda: manager.writer is not None and manager.writer.path.exists())
    path = manager.writer.path
    transcript.apply(TurnUpdate("s:0", 0, "last words", (Word("last", 0, 90),), True))
    stall(TranscriptJournal, "end")
    manager.finish()  # Stop: returns while the end record waits for the disk
    assert manager.problem_text is None  # no "the disk is not answering": Stop did not wait
    qtbot.waitUntil(lambda: bool(entered), timeout=5000)
    assert manager.pending and not read_journal(path).ended
    with qtbot.waitSignal(manager.settled, timeout=5000):
        release.set()
    contents = read_journal(path)
    assert contents.ended and [t.text for t in contents.turns] == ["last words"]
    assert manager.unsaved_count == 0 and manager.problem_text is None


def test_quit_while_captioning_into_a_folder_that_cannot_take_it_asks_and_loses_nothing(
    make_app, qtbot, tmp_path, monkeypatch
) -> None:
    """The run is stopped, its journal answers, and the session it could not save is asked about."""
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    asked: list[int] = []

    def ask(_parent, count: int, _reason: str, answer) -> None:
        asked.append(count)
        answer(Unsaved.CHOOSE_FOLDER)

    chosen = tmp_path / "chosen"
    with FakeV3Server(api_key=KEY, script=SCRIPT, ms_per_word=120) as server:
        app = make_app(*cloud(server, unusable(tmp_path), SHORT_CLIP))
        app.quit_sequence.ask_unsaved = ask
        app.quit_sequence.ask_folder = lambda _parent, _start: str(chosen)
        app.start_captioning()
        qtbot.waitUntil(lambda: len(app.controller.transcript.finished) >= 2, timeout=20000)
        with qtbot.waitSignal(app.quitFinished, timeout=20000):
            app.request_quit()
    shown = [turn.text for turn in app.controller.transcript.finished]
    assert asked == [1]
    assert texts(chosen) == [shown]
