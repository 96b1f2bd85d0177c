"""Run by test_large_text.py in a process of its own: the desktop font grows while the app runs.

Starts the real app at the usual 9 pt, shows the main window and Help ▸
Keyboard shortcuts, then sets a 16 pt desktop font (as a desktop's settings
do to a running app) and prints as JSON the windows' sizes before and after
and which pickers then cut their text (see large_text_probe.py).
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from tests.ui.large_text_probe import text_room
from tests.ui.screen_probe import probe_app, report_and_quit


def main() -> None:
    app, captioner, _ = probe_app(font_points=9)
    captioner.overlay.hide()
    window = captioner.window
    window.show()
    shortcuts = window.show_shortcuts()

    def sizes() -> list[list[int]]:
        return [[w.width(), w.height()] for w in (window, shortcuts)]

    def grow() -> None:
        before = sizes()
        font = QFont(app.font())
        font.setPointSizeF(16)
        app.setFont(font)
        QTimer.singleShot(300, lambda: measure(before))

    def measure(before: list[list[int]]) -> None:
        cut = [
            combo.currentText()
            for combo in (window.engine_combo, window.input_combo)
            if text_room(combo) < combo.fontMetrics().horizontalAdvance(combo.currentText())
        ]
        report = {"before": before, "after": sizes(), "cut": cut}
        report["screen"] = QApplication.primaryScreen().availableGeometry().height()
        shortcuts.close()
        report_and_quit(app, captioner, report)

    QTimer.singleShot(300, grow)
    app.exec()


if __name__ == "__main__":
    main()
