"""The live session's journal from the GUI's side: off the GUI thread, yet on disk in 100 ms.

An engine reports finals on its own thread, as the real ones do; the
controller shows them and the session manager queues them for the writer
thread.  The tests wait on signals and on the writer's own condition,
never on sleeps.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication

from captioner.core.journal import read_journal
from captioner.core.journal_writer import DURABLE_WITHIN_S
from captioner.core.sessions import SessionStore
from captioner.core.transcript import TurnUpdate, Word
from captioner.engines.base import EngineListener, EngineState
from captioner.ui.controller import CaptionController
from captioner.ui.session_manager import SessionManager


class ScriptedEngine:
    """Reports the finals a test hands it, from its own thread, like a real engine."""

    def __init__(self, listener: EngineListener) -> None:
        self.listener = listener
        self.lines: queue.SimpleQueue[TurnUpdate | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name="scripted-engine")

    def start(self, _source: object) -> None:
        self.thread.start()

    def say(self, i: int, text: str) -> None:
        words = tuple(
            Word(w, i * 1000 + j * 100, i * 1000 + j * 100 + 90) for j, w in enumerate(text.split())
        )
        self.lines.put(TurnUpdate(f"s:{i}", i, text, words, end_of_turn=True))

    def stop(self) -> None:
        self.lines.put(None)

    def join(self, timeout: float | None = None) -> bool:
        self.thread.join(timeout)
        return not self.thread.is_alive()

    @property
    def running(self) -> bool:
        return self.thread.is_alive()

    def _run(self) -> None:
        self.listener.on_state(EngineState.LISTENING, "")
        while (update := self.lines.get()) is not None:
            self.listener.on_final(update)
        self.listener.on_state(EngineState.STOPPED, "")


@pytest.fixture
def session(qtbot, tmp_path: Path):
    """Start a session the way the app does; yields (controller, manager, engine)."""

    def start(data_dir: Path):
        controller = CaptionController()
        manager = SessionManager(data_dir)
        controller.runningChanged.connect(lambda running: running or manager.finish())
        engines: list[ScriptedEngine] = []

        def factory(listener: EngineListener) -> ScriptedEngine:
            engines.append(ScriptedEngine(listener))
            return engines[0]

        transcript = controller.new_transcript()
        with qtbot.waitSignal(manager.sessionsChanged):  # the second one: the file exists
            manager.begin(transcript, engine="offline", source="Mic", settings={})
        controller.start(factory, object())
        started.append((controller, engines[0]))
        return controller, manager, engines[0]

    started: list[tuple[CaptionController, ScriptedEngine]] = []
    yield start
    for controller, engine in started:
        if controller.running:
            with qtbot.waitSignal(controller.runningChanged):
                engine.stop()
        engine.join(5)


def stop(
    qtbot, controller: CaptionController, engine: ScriptedEngine, manager: SessionManager
) -> None:
    """Stop, then wait until the journal is closed (Stop itself no longer waits for it)."""
    with qtbot.waitSignal(controller.runningChanged):
        engine.stop()
    qtbot.waitUntil(lambda: not manager.pending, timeout=5000)


def test_a_finished_turn_is_on_disk_within_100_ms_of_being_shown(
    qtbot, tmp_path: Path, session
) -> None:
    controller, manager, engine = session(tmp_path / "s")
    writer = manager.writer
    assert writer is not None
    shown_at: list[float] = []
    controller.turnFinished.connect(lambda _index, _turn: shown_at.append(time.perf_counter()))
    latencies = []
    for i in range(10):
        with qtbot.waitSignal(controller.turnFinished):  # on_final handled: the turn is shown
            engine.say(i, f"line number {i} of the talk")
        assert writer.wait_durable(timeout=DURABLE_WITHIN_S), f"turn {i} not on disk in time"
        latencies.append((time.perf_counter() - shown_at[-1]) * 1000)
        assert read_journal(writer.path).turns[-1].text == f"line number {i} of the talk"
    print(
        f"\nshown → on disk: at most {max(latencies):.1f} ms, median {sorted(latencies)[5]:.1f} ms"
    )
    stop(qtbot, controller, engine, manager)
    contents = read_journal(writer.path)
    assert contents.ended and len(contents.turns) == 10


def test_the_gui_thread_never_waits_for_an_fsync_during_a_session(
    qtbot, tmp_path: Path, session, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced_on: list[str] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        synced_on.append(threading.current_thread().name)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    controller, manager, engine = session(tmp_path / "s")
    assert manager.writer is not None and manager.info is not None
    for i in range(5):
        with qtbot.waitSignal(controller.turnFinished):
            engine.say(i, f"turn {i}")
    manager.rename(manager.info.id, "Standup")
    # The lists follow once the title is on disk; an earlier write's sessionsChanged (the
    # turns' batch) may come first, so wait for the title itself (a CI flake otherwise).
    qtbot.waitUntil(lambda: SessionStore(tmp_path / "s").list()[0].title == "Standup")
    stop(qtbot, controller, engine, manager)
    assert synced_on and set(synced_on) == {"journal-writer"}
    [summary] = SessionStore(tmp_path / "s").list()
    assert summary.finished and summary.title == "Standup" and summary.turn_count == 5


def test_a_full_disk_reaches_the_user_on_the_gui_thread_and_costs_no_caption(
    qtbot, session, tiny_tmpfs
) -> None:
    disk = tiny_tmpfs(size="16k")
    (disk / "filler").write_bytes(b"x" * 8192)
    controller, manager, engine = session(disk)
    heard: list[tuple[str, bool]] = []
    manager.problem.connect(
        lambda message: heard.append(
            (message, QThread.currentThread() is QApplication.instance().thread())
        )
    )
    long_text = " ".join(["words"] * 400)  # 2 KB a turn: the disk fills after a few
    with qtbot.waitSignal(manager.problem, timeout=5000):
        for i in range(8):
            engine.say(i, f"{i} {long_text}")
    [(message, on_gui_thread)] = heard
    assert on_gui_thread
    assert "disk is full" in message and "The transcript on screen is kept" in message
    qtbot.waitUntil(lambda: len(controller.transcript.finished) == 8)
    stop(qtbot, controller, engine, manager)
    assert len(controller.transcript.finished) == 8  # nothing lost from memory
    assert manager.problem_text == message and len(heard) == 1  # said once, kept for "Stopped."


def test_an_unusable_folder_is_said_while_the_session_runs_and_another_folder_takes_it_all(
    qtbot, tmp_path: Path, session
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the data folder's parent should be")
    controller, manager, engine = session(blocker / "sessions")
    qtbot.waitUntil(lambda: manager.not_saving is not None, timeout=5000)
    assert controller.running  # said at once, not after Stop
    assert "not being saved" in manager.not_saving
    for i in range(3):
        with qtbot.waitSignal(controller.turnFinished):
            engine.say(i, f"before the switch {i}")
    good = tmp_path / "good"
    with qtbot.waitSignal(manager.savingResumed, timeout=5000):
        manager.use_folder(good)
    for i in range(3, 5):
        with qtbot.waitSignal(controller.turnFinished):
            engine.say(i, f"after the switch {i}")
    stop(qtbot, controller, engine, manager)
    [journal] = good.glob("*.jsonl")
    contents = read_journal(journal)
    assert [t.text for t in contents.turns] == [t.text for t in controller.transcript.finished]
    assert len(contents.turns) == 5 and contents.ended
    assert manager.not_saving is None


def test_a_stopped_unsaved_session_survives_a_chosen_folder_that_fails_too(
    qtbot, tmp_path: Path, session
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    controller, manager, engine = session(blocker / "sessions")  # a folder under a file
    for i in range(2):
        with qtbot.waitSignal(controller.turnFinished):
            engine.say(i, f"only in memory {i}")
    stop(qtbot, controller, engine, manager)
    assert "kept only in memory" in (manager.not_saving or "")
    with qtbot.waitSignal(manager.savingProblem, timeout=5000) as said:
        manager.use_folder(blocker / "still-under-the-file")
    assert "still-under-the-file" in said.args[0] and "kept only in memory" in said.args[0]
    good = tmp_path / "good"
    with qtbot.waitSignal(manager.savingResumed, timeout=5000):
        manager.use_folder(good)
    [summary] = SessionStore(good).list()
    assert summary.finished and summary.turn_count == 2
    assert summary.first_words == "only in memory 0 only in memory 1"


def _disk_fills_on_the_writer(monkeypatch) -> threading.Event:
    """Set the event and the journal writer's fsyncs fail as on a full disk."""
    import errno

    full = threading.Event()
    real = os.fsync

    def fsync(fd: int) -> None:
        if full.is_set() and threading.current_thread().name == "journal-writer":
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return full


@pytest.mark.parametrize("when", ["stopped", "live"])
def test_the_same_folder_chosen_again_after_a_full_disk_saves_the_whole_session(
    qtbot, tmp_path: Path, session, monkeypatch, when: str
) -> None:
    """The disk filled mid-session; space is freed and the same folder chosen in the banner
    (the natural thing to do): the session's partial file there is replaced by all of it,
    not refused as "File exists" (which left a live session unsaved from then on)."""
    full = _disk_fills_on_the_writer(monkeypatch)
    folder = tmp_path / "sessions"
    controller, manager, engine = session(folder)
    with qtbot.waitSignal(controller.turnFinished):
        engine.say(0, "saved before")
    assert manager.wait_durable(2)
    full.set()
    with (
        qtbot.waitSignal(manager.savingProblem, timeout=5000),
        qtbot.waitSignal(controller.turnFinished),
    ):
        engine.say(1, "said while the disk was full")
    if when == "stopped":
        stop(qtbot, controller, engine, manager)
    full.clear()  # space freed
    problems: list[str] = []
    manager.problem.connect(problems.append)
    manager.use_folder(folder)
    if when == "live":
        with qtbot.waitSignal(controller.turnFinished):
            engine.say(2, "said after choosing the folder")
        stop(qtbot, controller, engine, manager)
    qtbot.waitUntil(lambda: manager.unsaved_count == 0 and manager.not_saving is None, timeout=5000)
    assert problems == []
    [stored] = SessionStore(folder).list()
    assert stored.finished and not stored.crashed
    assert stored.turn_count == (2 if when == "stopped" else 3)


def test_a_folder_chosen_while_the_live_journal_still_writes_elsewhere_takes_the_session(
    qtbot, tmp_path: Path, session
) -> None:
    """The folder check can warn ("the disk is full") before the live journal fails: a
    folder chosen then got only later sessions, and this one went on filling the old
    disk until it failed there too."""
    old, chosen = tmp_path / "old", tmp_path / "chosen"
    controller, manager, engine = session(old)
    for i in range(2):
        with qtbot.waitSignal(controller.turnFinished):
            engine.say(i, f"before choosing {i}")
    assert manager.wait_durable(2)
    manager.use_folder(chosen)  # the old journal still fine
    with qtbot.waitSignal(controller.turnFinished):
        engine.say(2, "after choosing")
    stop(qtbot, controller, engine, manager)
    [stored] = SessionStore(chosen).list()
    assert stored.finished and stored.turn_count == 3
