"""Finders come and go on ``sys.meta_path`` while other threads import.

The app adds and removes import finders at run time (asyncio without OpenSSL
on the GUI thread, the SDK's deferred ``__init__``) while the start-up worker
imports the rest of the app. An in-place edit of the list made an import in
flight skip a finder and fail for a module that is there; the launch then died
with "No module named 'captioner.core.unsaved'".
"""

from __future__ import annotations

import importlib
import sys
import threading
from pathlib import Path

from captioner.core.lazy_import import add_finder, drop_finder

MODULES = 1500


class _Bystander:
    """A finder that finds nothing, as the app's do for every module but their own."""

    def find_spec(self, fullname, path=None, target=None):
        return None


def _import_while_finders_change(tmp_path: Path, add, drop) -> list[str]:
    """Import a fresh package's modules on a thread while this one edits the finders."""
    package = tmp_path / "fresh_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for index in range(MODULES):
        (package / f"m{index}.py").write_text(f"VALUE = {index}\n")
    failures: list[str] = []
    done = threading.Event()

    def importer() -> None:
        try:
            for index in range(MODULES):
                try:
                    importlib.import_module(f"fresh_pkg.m{index}")
                except ImportError as exc:
                    failures.append(str(exc))
        finally:
            done.set()

    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    finder = _Bystander()
    thread = threading.Thread(target=importer)
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # hand the interpreter lock over often, as a busy start-up does
    try:
        thread.start()
        while not done.is_set():
            add(finder)
            drop(finder)
        thread.join()
    finally:
        sys.setswitchinterval(switch)
        drop_finder(finder)
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.split(".")[0] == "fresh_pkg"]:
            del sys.modules[name]
    return failures


def test_an_import_in_flight_survives_finders_coming_and_going(tmp_path: Path) -> None:
    failures = _import_while_finders_change(tmp_path, add_finder, drop_finder)
    assert failures == [], f"{len(failures)} of {MODULES} imports failed, e.g. {failures[0]}"


def test_a_finder_is_added_once_and_first() -> None:
    finder = _Bystander()
    try:
        add_finder(finder)
        add_finder(finder)
        assert sys.meta_path[0] is finder
        assert sum(other is finder for other in sys.meta_path) == 1
    finally:
        drop_finder(finder)
    assert finder not in sys.meta_path
    drop_finder(finder)  # already gone: nothing to do
