"""Runtime assets (icon, stylesheet), loaded from the installed package.

``resources/`` at the top of the repo ships as the package
``captioner.resources``; plain files read through one helper, no ``.qrc``.

The files are read from the package's folder (its ``__path__``): the
checkout's ``resources/`` through the editable install's mapping, the
installed ``captioner/resources/``, or the PyInstaller bundle's
``_internal/captioner/resources/`` (where the spec copies them and the frozen
importer points the package).  ``importlib.resources`` is used only when that
folder holds no such file (a zipped install): importing it and building its
reader took ~2 ms before the main window could show (issue 14).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QIcon, QPixmap

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

PACKAGE = "captioner.resources"


def _file(name: str) -> Path | Traversable:
    import captioner.resources as package  # an empty __init__: resources/ as a package

    path = Path(next(iter(package.__path__))) / name
    if path.is_file():
        return path
    from importlib import resources  # not a plain folder on disk (a zipped install)

    return resources.files(PACKAGE).joinpath(name)


def read_text(name: str) -> str:
    return _file(name).read_text(encoding="utf-8")


def read_bytes(name: str) -> bytes:
    return _file(name).read_bytes()


def app_icon() -> QIcon:
    pixmap = QPixmap()
    pixmap.loadFromData(read_bytes("captioner.svg"), "SVG")
    return QIcon(pixmap)
