"""Run by test_small_screens.py in a process of its own, on a screen of a given size.

See screen_probe.py for why a process per screen.  This builds the real app, shows
the main window (idle, and with the call-mode panel open) and each of the app's own
windows in turn, and prints as JSON where each window's frame is, the screen's
available area, and for each action button where it is and how much of it can be
seen (its visible region: a button pushed out of its window or under a scroll area's
edge is clipped).

argv[1]: "fresh" or "restored" (a geometry saved on a 1920×1080 screen at
1800×1000 is stored before the app starts, as a user coming from a bigger
monitor would have).
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QRect, QSettings, QTimer
from PySide6.QtWidgets import QAbstractButton, QWidget

from tests.ui.screen_probe import probe_app, rect, report_and_quit


def buttons_of(window: QWidget) -> dict[str, dict[str, object]]:
    """Each shown button: where it is in the window, and whether it is seen whole."""
    out: dict[str, dict[str, object]] = {}
    for button in window.findChildren(QAbstractButton):
        if not button.isVisibleTo(window) or not button.text().strip():
            continue
        if button.window() is not window:
            continue
        at = button.mapTo(window, button.rect().topLeft())
        seen = button.visibleRegion().boundingRect()
        out[button.text().replace("&", "")] = {
            "in_window": rect(QRect(at, button.size())),
            "on_screen": rect(QRect(button.mapToGlobal(button.rect().topLeft()), button.size())),
            "visible": button.isVisible(),
            "whole": seen == button.rect(),
        }
    return out


def main() -> None:
    mode = sys.argv[1]

    def from_a_bigger_monitor(settings: QSettings) -> None:
        big = QWidget()
        big.setGeometry(60, 40, 1800, 1000)
        settings.setValue("window/geometry", big.saveGeometry())
        big.deleteLater()

    app, captioner, _ = probe_app(from_a_bigger_monitor if mode == "restored" else None)
    captioner.overlay.hide()
    main_window = captioner.window
    screen = app.primaryScreen().availableGeometry()
    report: dict[str, object] = {"screen": rect(screen), "windows": {}}

    def call_mode() -> QWidget:
        main_window.call_panel.toggle.setChecked(True)
        return main_window

    openers = [
        ("main", lambda: main_window),
        ("main_call_mode", call_mode),
        ("assemblyai", lambda: captioner.dialogs.edit_assemblyai()),
        ("captions", lambda: captioner.dialogs.edit_captions()),
        ("translation", lambda: captioner.dialogs.edit_translation()),
        ("sessions", lambda: captioner.session_actions.show_sessions()),
        ("shortcuts", lambda: main_window.show_shortcuts()),
        ("about", lambda: main_window.show_about()),
    ]

    def open_next() -> None:
        if not openers:
            report_and_quit(app, captioner, report)
            return
        name, opener = openers.pop(0)
        window = opener()
        window.show()
        window.raise_()

        def measure() -> None:
            entry = {
                "frame": rect(window.frameGeometry()),
                "size": [window.width(), window.height()],
                "buttons": buttons_of(window),
            }
            if window is main_window:
                entry["transcript"] = rect(
                    QRect(
                        main_window.transcript.mapTo(main_window, main_window.rect().topLeft()),
                        main_window.transcript.size(),
                    )
                )
                entry["line_height"] = main_window.transcript.fontMetrics().lineSpacing()
            report["windows"][name] = entry
            if window is not main_window:
                window.close()
            QTimer.singleShot(50, open_next)

        QTimer.singleShot(150, measure)

    main_window.show()
    QTimer.singleShot(150, open_next)
    app.exec()


if __name__ == "__main__":
    main()
