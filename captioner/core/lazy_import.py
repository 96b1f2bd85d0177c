"""Whether modules are imported yet, and importing them (off the GUI thread).

Heavy modules (an engine's SDK, numpy and soxr for capture) are imported
when a run first needs them, on a worker thread.  The GUI thread must not
import them itself: an import runs the module's code under the import lock,
and a worker already importing the same module makes the GUI thread wait
for the whole import.  :func:`ready` is the check that never waits.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Iterable


def ready(names: Iterable[str]) -> bool:
    """Whether every module in ``names`` is fully imported (not merely being imported)."""
    for name in names:
        module = sys.modules.get(name)
        spec = getattr(module, "__spec__", None)
        if module is None or getattr(spec, "_initializing", False):
            return False
    return True


def load(names: Iterable[str]) -> None:
    """Import every module in ``names`` (call it off the GUI thread); raises what they raise."""
    for name in names:
        importlib.import_module(name)


# Edits of sys.meta_path from threads that import while others do (the start-up
# worker, the GUI thread's asyncio import, an engine's SDK finder).
_META_PATH_EDIT = threading.Lock()


def add_finder(finder: object) -> None:
    """Put ``finder`` first on ``sys.meta_path``, safe while other threads import.

    importlib walks the live list (``for finder in sys.meta_path``), so an
    in-place ``remove`` by one thread made an import in flight on another skip
    the finder after it, often the one that would have found the module: a
    sporadic ``ModuleNotFoundError`` for a module that is there ("No module
    named 'captioner.core.unsaved'" once in ~220 launches). So the list is never
    edited in place: a new one replaces it, and a walk in flight finishes the
    list it began with.
    """
    with _META_PATH_EDIT:
        if finder not in sys.meta_path:
            sys.meta_path = [finder, *sys.meta_path]


def drop_finder(finder: object) -> None:
    """Take ``finder`` off ``sys.meta_path`` (see :func:`add_finder`); no error if absent."""
    with _META_PATH_EDIT:
        if finder in sys.meta_path:
            sys.meta_path = [other for other in sys.meta_path if other is not finder]
