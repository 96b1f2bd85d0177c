"""Shared GUI test fixtures."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
import qasync
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from captioner.app import CaptionerApp
from captioner.audio.devices import CALL_CAPTURE_MODULES, FILE_CAPTURE_MODULES
from captioner.cli import parse_args
from captioner.core import lazy_import
from captioner.engines.registry import ENGINES
from captioner.ui.settings_store import WriteBehindSettings


def end_run_before_close(qtbot, app: CaptionerApp) -> None:
    """Stop ``app``'s run and let its last signals arrive while its widgets still exist.

    pytest-qt closes and deletes the widgets given to ``qtbot.addWidget``
    *before* any fixture's teardown runs, so a run stopped in a fixture's
    teardown delivered its last status to a deleted window and overlay
    ("Internal C++ object … already deleted" as a teardown error whenever a
    test ended with a run still going or a journal still closing).  Called
    as the window's ``before_close_func``, this runs first.
    """
    app.inputs.stop_watching()  # the device watch's thread (run_gui's process just exits)
    if not app.is_complete:
        return  # built without complete(): no run can have started
    if app.controller.running:
        app.controller.stop()
    qtbot.waitUntil(lambda: not app.controller.running and not app.sessions.pending, timeout=15000)
    QApplication.processEvents()  # what the engine posted before it stopped


@pytest.fixture(autouse=True)
def collect_on_the_gui_thread() -> Iterator[None]:
    """Cyclic garbage a test leaves (Qt wrappers among it) is freed here, on the GUI thread.

    Left to the cycle collector, it is freed by whichever thread next allocates
    enough: a CI run on Python 3.13 crashed (SIGSEGV, "Garbage-collecting") in
    an engine thread creating a thread in tests/ui/test_translation.py.  PySide
    objects must be deleted on the thread they live on.
    """
    yield
    gc.collect()


@pytest.fixture(autouse=True, scope="session")
def engines_imported() -> None:
    """Start imports an engine that is not imported yet on a worker and begins the
    run when it is ("Starting…"; tests/test_startup_imports.py covers that in a
    fresh interpreter).  Here the engines are imported up front, so that a test's
    Start begins its run at once, whichever test happens to run first."""
    for engine in ENGINES.values():
        engine.load(call=True)
    # numpy, soxr: likewise imported by Start on a worker
    lazy_import.load((*CALL_CAPTURE_MODULES, *FILE_CAPTURE_MODULES))


@pytest.fixture
def make_app(qtbot, tmp_path: Path) -> Iterator:
    apps: list[CaptionerApp] = []
    stores: list[WriteBehindSettings] = []

    def make(*argv: str, settings_file: Path | None = None, **inject) -> CaptionerApp:
        # The app's own store (run_gui's), on a file of the test's: written off the GUI thread.
        # Another app here stands for a later launch: what the earlier ones changed is on disk.
        for store in stores:
            store.sync()
        path = str(settings_file or tmp_path / "settings.ini")
        settings = WriteBehindSettings(lambda: QSettings(path, QSettings.Format.IniFormat))
        stores.append(settings)
        inject.setdefault("use_tray", False)
        app = CaptionerApp(parse_args(list(argv)), settings, **inject)
        # The window first: its before_close_func ends the run before either is deleted.
        qtbot.addWidget(app.window, before_close_func=lambda _w: end_run_before_close(qtbot, app))
        app.after_complete(lambda: qtbot.addWidget(app.overlay))  # complete=False: later
        app.window.show()
        apps.append(app)
        return app

    yield make
    for app in (app for app in apps if app.is_complete):
        if app.session_actions.sessions_window is not None:
            app.session_actions.sessions_window.close()
    for store in stores:
        store.close()


@pytest.fixture
def loop(qapp) -> Iterator[asyncio.AbstractEventLoop]:
    """The app's qasync loop: Qt event processing (qtbot.waitUntil) runs its tasks, and the
    inputs are looked for on its executor, as in the app."""
    event_loop = qasync.QEventLoop(qapp, already_running=False)
    asyncio.set_event_loop(event_loop)
    yield event_loop
    asyncio.set_event_loop(None)
    event_loop.close()
