"""Run by test_overlay_clearance.py in a process of its own, on a screen of a given size.

See screen_probe.py for why a process per screen.  This builds the real app, puts the
overlay where a user would (its default place at the bottom, or dragged to the
middle), opens each of the app's own windows in turn, and prints as JSON, for each,
where the window, its buttons and the overlay are while the window is in use and
after it closes.

Nothing here waits a fixed time: the clearance decides over several loop
turns (focus change, a zero timer, a dialog's Move, the overlay's hide or
show), so a fixed 150 ms pause measured mid-decision on a loaded machine.
Each step waits until the app is quiet instead (see :func:`when_quiet`).
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QElapsedTimer, QRect, QTimer
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from tests.ui.screen_probe import probe_app, rect, report_and_quit


def buttons_of(widget: QWidget) -> dict[str, list[int]]:
    out = {}
    for button in widget.findChildren(QPushButton):
        if button.isVisible():
            top_left = button.mapToGlobal(button.rect().topLeft())
            out[button.text().replace("&", "")] = rect(QRect(top_left, button.size()))
    return out


POLL_MS = 20
QUIET_POLLS = 3  # the same state this many polls in a row, each after a full loop turn
GIVE_UP_MS = 30_000  # then measure anyway: the test names what was not reached


def when_quiet(app: QApplication, clearance, state, then, focus=None) -> None:
    """Call ``then`` once the clearance has settled (and ``focus`` has the focus).

    Settled: its pending re-decision has run and ``state()`` (the overlay's and
    the window's geometry and visibility) has not changed for a few loop
    turns.  On the offscreen platform a shown window is activated (and so is
    the overlay when it is shown again, unlike on a desktop), but only when
    the event loop gets to it, so the focus is waited for as well.
    """
    timer = QTimer(app)
    timer.setInterval(POLL_MS)
    seen: list[object] = []
    clock = QElapsedTimer()
    clock.start()

    def poll() -> None:
        now = (state(), app.focusWindow())
        busy = clearance._again.isActive() or (focus is not None and now[1] is not focus())
        if busy or (seen and seen[-1] != now):
            seen.clear()
        if not busy:
            seen.append(now)
        if len(seen) >= QUIET_POLLS or clock.elapsed() > GIVE_UP_MS:
            timer.stop()
            timer.deleteLater()
            then()

    timer.timeout.connect(poll)
    timer.start()


def main() -> None:
    place = sys.argv[1]  # "bottom" or "middle"
    app, captioner, settings = probe_app()
    from captioner.ui import overlay_placement as placement

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

    clearance = captioner.overlay_visibility.clearance
    shown: list[QWidget] = []  # the window being measured, if any

    def state() -> tuple:
        window = [(rect(w.frameGeometry()), w.isVisible()) for w in shown]
        return rect(overlay.geometry()), overlay.isVisible(), window

    def settle(then, focus=None) -> None:
        when_quiet(app, clearance, state, then, focus)

    def open_next() -> None:
        if not openers:
            saved = settings.value(placement.screen_key(overlay.screen()))
            report["saved"] = rect(saved) if isinstance(saved, QRect) else None
            report_and_quit(app, captioner, report)
            return
        name, opener = openers.pop(0)
        window = opener()
        shown[:] = [window]
        window.show()  # activates it on the offscreen platform (and on a desktop)
        window.activateWindow()

        def measure() -> None:
            report["windows"][name] = {
                "active": app.focusWindow() is window.windowHandle(),
                "frame": rect(window.frameGeometry()),
                "buttons": buttons_of(window),
                "overlay_visible": overlay.isVisible(),
                "overlay": rect(overlay.geometry()),
            }
            if name == "captions":  # the preview grows the overlay: bigger text, more lines
                window.size_spin.setValue(34)
                window.lines_spin.setValue(4)
                settle(measure_grown)
                return
            window.close()
            settle(after_close)

        def measure_grown() -> None:
            report["windows"][name]["grown"] = {
                "frame": rect(window.frameGeometry()),
                "buttons": buttons_of(window),
                "overlay_visible": overlay.isVisible(),
                "overlay": rect(overlay.geometry()),
            }
            window.reject()  # Cancel: the overlay goes back to how it was
            settle(after_close)

        def after_close() -> None:
            report["windows"][name]["after_visible"] = overlay.isVisible()
            report["windows"][name]["after"] = rect(overlay.geometry())
            open_next()

        settle(measure, focus=window.windowHandle)

    settle(open_next)
    app.exec()


if __name__ == "__main__":
    main()
