"""The app's data files (icons, stylesheet, word lists), shipped as ``captioner.resources``.

Files are found in the package's folder (its ``__path__``): the checkout's
``resources/`` through the editable install's mapping, the installed
``captioner/resources/``, or the PyInstaller bundle's
``_internal/captioner/resources/``.  ``importlib.resources`` is used only when
that folder holds no such file (a zipped install): importing it and building
its reader took ~2 ms before the main window could show (issue 14).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable


def find(name: str) -> Path | Traversable:
    """The data file ``name``, to read with ``read_text``/``read_bytes``."""
    path = Path(next(iter(__path__))) / name
    if path.is_file():
        return path
    from importlib import resources  # not a plain folder on disk (a zipped install)

    return resources.files(__name__).joinpath(name)
