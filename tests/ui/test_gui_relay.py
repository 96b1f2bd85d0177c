"""Worker answers reach the GUI thread, and never an owner deleted meanwhile.

CI once segfaulted here: an app dropped at once (its window, session manager
and library deleted on the GUI thread) while the session index's worker was
still emitting the library's first listing from its own thread.  The first
input scan's thread had the same pattern.
"""

from __future__ import annotations

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
