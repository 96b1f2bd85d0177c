"""Runtime assets (icon, stylesheet), loaded from the installed package.

``resources/`` at the top of the repo ships as the package
``captioner.resources``; plain files read through one helper, no ``.qrc``.
"""

from __future__ import annotations

from importlib import resources

from PySide6.QtGui import QIcon, QPixmap


def read_text(name: str) -> str:
    return resources.files("captioner.resources").joinpath(name).read_text(encoding="utf-8")


def read_bytes(name: str) -> bytes:
    return resources.files("captioner.resources").joinpath(name).read_bytes()


def app_icon() -> QIcon:
    pixmap = QPixmap()
    pixmap.loadFromData(read_bytes("captioner.svg"), "SVG")
    return QIcon(pixmap)
