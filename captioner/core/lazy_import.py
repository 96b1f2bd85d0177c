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
