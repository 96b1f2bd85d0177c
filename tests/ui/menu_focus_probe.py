"""Run by test_menu_focus.py on a private Xvfb (xcb): open and close each menu of the main window.

Prints as JSON the tracebacks Python printed meanwhile (a slot that raised), and
whether the focus came back to the main window.
"""

from __future__ import annotations

import sys
import traceback

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication

from tests.ui.screen_probe import probe_app, report_and_quit

RAISED: list[str] = []


def note(kind: type[BaseException], error: BaseException, tb: object) -> None:
    RAISED.append("".join(traceback.format_exception(kind, error, tb)))  # type: ignore[arg-type]


def main() -> None:
    sys.excepthook = note  # what PySide prints for a slot that raised
    app, captioner, _ = probe_app()
    window = captioner.window
    window.show()
    menus = [action.menu() for action in window.menuBar().actions() if action.menu()]

    def next_menu() -> None:
        if not menus:
            QTimer.singleShot(300, done)
            return
        menu = menus.pop(0)
        menu.popup(window.mapToGlobal(window.rect().center()))
        QTimer.singleShot(200, menu.close)
        QTimer.singleShot(400, next_menu)

    def done() -> None:
        back = QGuiApplication.focusWindow() is window.windowHandle()
        report_and_quit(app, captioner, {"raised": RAISED, "menus": 5 - len(menus), "back": back})

    window.activateWindow()
    QTimer.singleShot(500, next_menu)
    app.exec()


if __name__ == "__main__":
    main()
