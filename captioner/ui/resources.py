"""Runtime assets (icon, stylesheet), loaded from the installed package.

``resources/`` at the top of the repo ships as the package
``captioner.resources``; plain files read through its ``find`` (no ``.qrc``),
which reads them from the package's folder, not through ``importlib.resources``
(~2 ms before the main window could show, issue 14).
"""

from __future__ import annotations

from PySide6.QtGui import QIcon, QPixmap

from captioner.resources import find


def read_text(name: str) -> str:
    return find(name).read_text(encoding="utf-8")


def read_bytes(name: str) -> bytes:
    return find(name).read_bytes()


def app_icon() -> QIcon:
    pixmap = QPixmap()
    pixmap.loadFromData(read_bytes("captioner.svg"), "SVG")
    return QIcon(pixmap)
