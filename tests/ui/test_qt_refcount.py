"""Guard against Qt bindings that corrupt Python's reference counts.

PySide6 6.12.0 dropped a reference to ``None`` on every call of a method
returning void; on Python < 3.12 an app that captions for a while then
crashes with "none_dealloc".  pyproject pins around it; this test keeps a
future upgrade honest.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QWidget


def test_void_qt_calls_keep_none_alive(qtbot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    before = sys.getrefcount(None)
    for _ in range(500):
        widget.setWindowOpacity(1.0)
        widget.update()
    assert sys.getrefcount(None) - before > -50
