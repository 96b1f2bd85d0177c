"""Run by test_large_text.py in a process of its own, with a desktop font of argv[1] points.

Builds the real app with its real look (style and style sheet, as ``run_gui``
does), shows the main window and Settings ▸ Captions…, and prints as JSON, for
each check box shown, its indicator's width and height and its text's line height.
With argv[1] "9>16" the desktop font starts at 9 pt and becomes 16 pt once the
main window shows (as a desktop's settings change it for a running app).
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QCheckBox, QStyle, QStyleOptionButton, QWidget

from tests.ui.screen_probe import probe_app, report_and_quit


def indicators(window: QWidget) -> dict[str, list[int]]:
    """{check box text: [indicator width, indicator height, line height]} as drawn."""
    found: dict[str, list[int]] = {}
    for box in window.findChildren(QCheckBox):
        if not box.isVisible():
            continue
        option = QStyleOptionButton()
        box.initStyleOption(option)
        drawn = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
        found[box.text()] = [drawn.width(), drawn.height(), box.fontMetrics().height()]
    return found


def main() -> None:
    start, _, later = sys.argv[1].partition(">")
    app, captioner, _ = probe_app(font_points=float(start), look=True)
    captioner.overlay.hide()
    window = captioner.window
    window.show()
    if later:
        app.processEvents()
        font = QFont(app.font())
        font.setPointSizeF(float(later))
        app.setFont(font)

    def measure() -> None:
        captions = captioner.dialogs.edit_captions()
        report = {"main": indicators(window), "captions": indicators(captions)}
        captions.reject()
        report_and_quit(app, captioner, report)

    QTimer.singleShot(300, measure)
    app.exec()


if __name__ == "__main__":
    main()
