"""Run by test_large_text.py in a process of its own, with a large desktop font.

argv[1]: the font's size in points.  Builds the real app (see screen_probe.py),
shows the main window and Help ▸ Keyboard shortcuts, and prints as JSON what
each picker shows and needs, and which shortcut names the list cuts short.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QComboBox, QStyle, QStyleOptionComboBox

from tests.ui.screen_probe import probe_app, report_and_quit


def text_room(combo: QComboBox) -> int:
    """How wide the picker's shown text may be: its field, without the arrow and frame."""
    option = QStyleOptionComboBox()
    combo.initStyleOption(option)
    field = combo.style().subControlRect(
        QStyle.ComplexControl.CC_ComboBox, option, QStyle.SubControl.SC_ComboBoxEditField, combo
    )
    return field.width()


def main() -> None:
    app, captioner, _ = probe_app(font_points=float(sys.argv[1]))
    captioner.overlay.hide()
    window = captioner.window
    window.show()

    def measure() -> None:
        report: dict[str, object] = {"window": [window.width(), window.height()]}
        report["pickers"] = {
            combo.currentText(): [
                text_room(combo),
                combo.fontMetrics().horizontalAdvance(combo.currentText()),
            ]
            for combo in (window.engine_combo, window.input_combo)
        }
        shortcuts = window.show_shortcuts()
        tree = shortcuts.tree
        metrics = tree.fontMetrics()
        report["shortcuts_cut"] = [
            what
            for _, what, _ in shortcuts.rows()
            if metrics.horizontalAdvance(what) > tree.columnWidth(1)
        ]
        shortcuts.close()
        report_and_quit(app, captioner, report)

    QTimer.singleShot(300, measure)
    app.exec()


if __name__ == "__main__":
    main()
