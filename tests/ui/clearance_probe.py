"""Run by test_overlay_clearance.py in a process of its own, on a screen of a given size.

The offscreen platform takes its screen from a JSON file and its scale from
QT_SCALE_FACTOR, both fixed when the QApplication starts, hence a process per
screen.  This builds the real app, puts the overlay where a user would (its
default place at the bottom, or dragged to the middle), opens each of the
app's own windows in turn, and prints as JSON, for each, where the window,
its buttons and the overlay are while the window is in use and after it
closes.
"""

from __future__ import annotations

import json
import sys
import tempfile

from PySide6.QtCore import QRect, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QPushButton, QWidget


def rect(r: QRect) -> list[int]:
    return [r.x(), r.y(), r.width(), r.height()]


def buttons_of(widget: QWidget) -> dict[str, list[int]]:
    out = {}
    for button in widget.findChildren(QPushButton):
        if button.isVisible():
            top_left = button.mapToGlobal(button.rect().topLeft())
            out[button.text().replace("&", "")] = rect(QRect(top_left, button.size()))
    return out


def main() -> None:
    place = sys.argv[1]  # "bottom" or "middle"
    app = QApplication(sys.argv[:1])
    from captioner.app import CaptionerApp
    from captioner.cli import parse_args
    from captioner.ui import overlay_placement as placement

    data = tempfile.mkdtemp()
    settings = QSettings(data + "/settings.ini", QSettings.Format.IniFormat)
    captioner = CaptionerApp(
        parse_args(["--data-dir", data]),
        settings,
        use_tray=False,
        list_devices=lambda: [],
        list_system_sources=lambda: [],
        rescan_devices=lambda: None,
    )
    overlay = captioner.overlay
    screen = app.primaryScreen().availableGeometry()
    captioner.window.show()
    overlay.show()
    if place == "middle":
        overlay.move(screen.center().x() - overlay.width() // 2, screen.center().y())
    home = overlay.geometry()
    report: dict[str, object] = {"screen": rect(screen), "home": rect(home), "windows": {}}
    openers = [
        ("captions", lambda: captioner.dialogs.edit_captions()),
        ("assemblyai", lambda: captioner.dialogs.edit_assemblyai()),
        ("sessions", lambda: captioner.session_actions.show_sessions()),
    ]

    def settle(then) -> None:
        QTimer.singleShot(150, then)  # the clearance decides on the next loop turns

    def open_next() -> None:
        if not openers:
            saved = settings.value(placement.screen_key(overlay.screen()))
            report["saved"] = rect(saved) if isinstance(saved, QRect) else None
            print(json.dumps(report), flush=True)
            captioner.quitFinished.connect(app.quit)  # workers stopped, as a user's quit does
            captioner.request_quit()
            return
        name, opener = openers.pop(0)
        window = opener()
        window.show()
        window.activateWindow()

        def measure() -> None:
            report["windows"][name] = {
                "active": app.focusWindow() is window.windowHandle(),
                "frame": rect(window.frameGeometry()),
                "buttons": buttons_of(window),
                "overlay_visible": overlay.isVisible(),
                "overlay": rect(overlay.geometry()),
            }
            window.close()
            settle(after_close)

        def after_close() -> None:
            report["windows"][name]["after_visible"] = overlay.isVisible()
            report["windows"][name]["after"] = rect(overlay.geometry())
            open_next()

        settle(measure)

    settle(open_next)
    app.exec()


if __name__ == "__main__":
    main()
