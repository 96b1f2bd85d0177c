"""Worker answers reach the GUI thread, and never an owner deleted meanwhile.

CI once segfaulted here: an app dropped at once (its window, session manager
and library deleted on the GUI thread) while the session index's worker was
still emitting the library's first listing from its own thread.  The first
input scan's thread had the same pattern.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QThread

from captioner.core.sessions import SessionStore
from captioner.ui.gui_relay import to_gui
from captioner.ui.session_library import SessionLibrary


def _settle(library: SessionLibrary) -> None:
    assert library.index._worker.join(10)
    QCoreApplication.processEvents()


def test_answers_arrive_on_the_gui_thread(qapp, tmp_path: Path) -> None:
    library = SessionLibrary(SessionStore(tmp_path))
    threads: list[QThread] = []
    library.rowsReady.connect(lambda _rows: threads.append(QThread.currentThread()))
    done: list[object] = []
    library.request_rows()
    library.run(lambda: 42, lambda result: done.append((result, QThread.currentThread())))
    _settle(library)
    assert threads == [qapp.thread()]
    assert done == [(42, qapp.thread())]


def test_an_answer_for_a_library_deleted_meanwhile_is_dropped(qapp, tmp_path: Path) -> None:
    parent = QObject()
    library = SessionLibrary(SessionStore(tmp_path), parent)
    index = library.index
    rows: list[object] = []
    done: list[object] = []
    library.rowsReady.connect(rows.append)
    started, release = threading.Event(), threading.Event()
    index.submit(lambda: (started.set(), release.wait(10)))
    library.request_rows()
    library.run(lambda: 1, done.append)
    assert started.wait(10)
    shiboken6.delete(parent)  # the window closes: its library goes with it
    assert not shiboken6.isValid(library)
    release.set()
    assert index._worker.join(10)
    QCoreApplication.processEvents()
    assert rows == [] and done == []


def test_libraries_deleted_while_their_worker_answers_do_not_crash(qapp, tmp_path: Path) -> None:
    # The race itself, as an app dropped at once meets it: no gate, the worker and the
    # deletion run concurrently. Before the relay this segfaulted now and then.
    (tmp_path / "s").mkdir()
    workers = []
    for _ in range(1000):
        parent = QObject()
        library = SessionLibrary(SessionStore(tmp_path / "s"), parent)
        library.request_rows()
        library.request_folder_check()
        workers.append(library.index._worker)
        shiboken6.delete(parent)
    assert all(worker.join(10) for worker in workers)
    QCoreApplication.processEvents()


def test_to_gui_calls_back_on_the_gui_thread_only_while_the_owner_lives(qapp) -> None:
    kept, dropped = QObject(), QObject()
    calls: list[tuple[str, object, QThread]] = []
    hand_kept = to_gui(kept, lambda o, v: calls.append(("kept", v, QThread.currentThread())))
    hand_dropped = to_gui(dropped, lambda o, v: calls.append(("dropped", v, o.thread())))
    started, release = threading.Event(), threading.Event()

    def work() -> None:
        started.set()
        release.wait(10)
        hand_kept(1)
        hand_dropped(2)

    worker = threading.Thread(target=work)
    worker.start()
    assert started.wait(10)
    shiboken6.delete(dropped)
    release.set()
    worker.join(10)
    QCoreApplication.processEvents()
    assert calls == [("kept", 1, qapp.thread())]


def test_engine_events_from_a_thread_arrive_in_order_and_not_after_the_bridge_is_gone(
    qapp,
) -> None:
    from captioner.core.transcript import TurnUpdate
    from captioner.ui.bridge import EngineBridge

    parent = QObject()
    bridge = EngineBridge(parent)
    seen: list[tuple[str, QThread]] = []
    bridge.partial.connect(lambda u: seen.append((u.text, QThread.currentThread())))
    bridge.final.connect(lambda u: seen.append((u.text.upper(), QThread.currentThread())))

    def sdk_thread(words: list[str], final: bool) -> None:
        for i in range(len(words)):
            bridge.on_partial(TurnUpdate("s:0", 0, " ".join(words[: i + 1])))
        if final:
            bridge.on_final(TurnUpdate("s:0", 0, " ".join(words), end_of_turn=True))

    worker = threading.Thread(target=sdk_thread, args=(["a", "b", "c"], True))
    worker.start()
    worker.join(10)
    QCoreApplication.processEvents()
    assert seen == [(t, qapp.thread()) for t in ("a", "a b", "a b c", "A B C")]

    # A late SDK callback racing the app's teardown: dropped, no crash.
    seen.clear()
    worker = threading.Thread(target=sdk_thread, args=(["x"] * 2000, False))
    worker.start()
    shiboken6.delete(parent)
    worker.join(10)
    QCoreApplication.processEvents()
    assert not shiboken6.isValid(bridge)


def test_a_relay_first_asked_for_off_the_gui_thread_still_calls_back_on_it(
    qapp, monkeypatch
) -> None:
    from captioner.ui import gui_relay

    monkeypatch.setattr(gui_relay, "_relay", None)
    owner = QObject()
    threads: list[QThread] = []
    worker = threading.Thread(
        target=lambda: to_gui(owner, lambda _o, _v: threads.append(QThread.currentThread()))(1)
    )
    worker.start()
    worker.join(10)
    deadline = time.monotonic() + 5
    while not threads and time.monotonic() < deadline:
        QCoreApplication.processEvents()
    assert threads == [qapp.thread()]


def test_the_worker_holds_no_reference_to_the_owner(qapp) -> None:
    # The owner's last reference must never go on a worker thread: a QObject freed
    # there is deleted off the GUI thread.
    import gc
    import weakref

    owner = QObject()
    hand = to_gui(owner, lambda _o, _v: None)
    gone = weakref.ref(owner)
    del owner
    gc.collect()
    assert gone() is None
    hand(1)  # an answer for it now: dropped on the GUI thread
    QCoreApplication.processEvents()


def test_a_change_answered_after_its_window_was_deleted_is_dropped(qapp, tmp_path: Path) -> None:
    # The library lives on (the session manager owns it); the window that asked does not.
    from PySide6.QtWidgets import QLabel

    library = SessionLibrary(SessionStore(tmp_path))
    window = QLabel()
    started, release = threading.Event(), threading.Event()
    library.index.submit(lambda: (started.set(), release.wait(10)))
    library.run(lambda: "deleted 1 session", window.setText)
    assert started.wait(10)
    shiboken6.delete(window)
    release.set()
    _settle(library)  # no "already deleted" error escapes into the event loop


ANSWERING_AT_EXIT = """
import threading
from captioner.ui.gui_relay import to_gui  # before the application, as app.py imports it
from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

app = QApplication([])
owner = QObject()
answer = to_gui(owner, lambda owner, value: None)


def answering():  # as an engine's event reader does until the process is gone
    while True:
        answer(1)


threading.Thread(target=answering, daemon=True).start()
QTimer.singleShot(100, app.quit)
app.exec()
"""


def test_a_worker_still_answering_at_exit_leaves_quietly() -> None:
    # PySide's exit handler deletes every QObject Python made, the relay too; a
    # daemon thread's next answer raised "Signal source has been deleted" (seen
    # when Ctrl+C came while a cloud session was opening), or worse, emitted on a
    # deleted object.
    for _ in range(3):
        _exits_quietly(ANSWERING_AT_EXIT)


def _exits_quietly(script: str) -> None:
    """Run ``script`` as a process of its own: exit status 0, no traceback from any thread."""
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr


KEYRING_ANSWERS_AFTER_QUIT = """
import atexit, os, sys, threading, time
from captioner.ui.keyring_access import off_gui_thread
from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

app = QApplication([])
window = QObject()
unlocked = threading.Event()
# An unlock prompt the user answers only after quitting.
off_gui_thread(lambda: unlocked.wait(10) and "key", lambda key: None, window)
QTimer.singleShot(100, app.quit)
app.exec()
atexit._run_exitfuncs()  # as the app's end_process does: PySide deletes its objects here
unlocked.set()
time.sleep(0.5)  # the keyring thread answers now
sys.stderr.flush()
os._exit(0)
"""


def test_a_keyring_answer_after_quit_is_dropped_quietly() -> None:
    _exits_quietly(KEYRING_ANSWERS_AFTER_QUIT)
