"""Top-level windows built on a plain QWidget say they are windows to screen readers.

Qt gives a ``QMainWindow`` the role "frame" and a ``QDialog`` "dialog", but a
plain ``QWidget`` shown as its own window (``Qt.WindowType.Window``) keeps the
generic "Client" role, which AT-SPI calls "filler": a screen reader moving to
the Sessions window heard "filler", not a window with a title (found with a
real AT-SPI client, tests/ui/test_accessibility_atspi.py).  Qt lets an
application add an accessibility factory; this one answers only for the
classes marked here, so every other widget keeps Qt's own interface.
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QObject
from PySide6.QtGui import QAccessible, QAccessibleInterface
from PySide6.QtWidgets import QAccessibleWidget, QWidget

_WINDOW_CLASSES: set[str] = set()
_installed = False

W = TypeVar("W", bound=type[QWidget])


def _factory(class_name: str, obj: QObject) -> QAccessibleInterface | None:
    # Qt asks with each class name up the object's hierarchy, most derived first.
    if class_name in _WINDOW_CLASSES and isinstance(obj, QWidget):
        return QAccessibleWidget(obj, QAccessible.Role.Window)
    return None


def announced_as_window(cls: W) -> W:
    """Class decorator: instances of ``cls`` have the accessible role Window."""
    global _installed
    _WINDOW_CLASSES.add(cls.__name__)
    if not _installed:
        QAccessible.installFactory(_factory)
        _installed = True
    return cls
