"""At Start the overlay steps aside from the window in use, as it does at a focus change.

The overlay steps aside while one of Captioner's windows has the focus and it
would cover it (see test_overlay_clearance.py).  That was decided only when the
focus moved or that window moved: an overlay appearing at Start over the focused
main window stayed over Stop (a click there landed on the overlay; captioning
went on), and at launch the main window had the focus before the clearance was
built.  Found on Xvfb with openbox.

On a desktop the overlay never takes the focus (WindowDoesNotAcceptFocus); the
offscreen platform focuses every window it shows, which is itself a focus change.
:func:`desktop_focus` makes it behave as a desktop does for the overlay.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import shiboken6
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QAccessible, QGuiApplication, QWindow

import captioner.ui.overlay_visibility
from captioner.app import CaptionerApp
from captioner.ui.overlay_clearance import OverlayClearance
from tests.announced import record_announcements
from tests.ui.test_overlay_app import RUN_BOUND_MS, SHORT_CLIP

OVERLAY_WINDOW = "captionOverlayWindow"


def _is_overlay(window: QWindow | None) -> bool:
    return window is not None and window.objectName() == OVERLAY_WINDOW


@pytest.fixture
def desktop_focus(monkeypatch) -> Iterator[None]:
    """The overlay is never the focus window: the window that had the focus keeps it."""
    app = QGuiApplication.instance()
    real = QGuiApplication.focusWindow
    kept: list[QWindow | None] = [real()]

    def note(window: QWindow | None) -> None:
        if not _is_overlay(window):
            kept[0] = window

    def focus_window() -> QWindow | None:
        # The window focused when the test began may be an earlier test's, deleted since.
        window = kept[0]
        return window if window is not None and shiboken6.isValid(window) else None

    app.focusWindowChanged.connect(note)
    monkeypatch.setattr(QGuiApplication, "focusWindow", staticmethod(focus_window))
    on_focus = OverlayClearance._on_focus

    def desktop_on_focus(clearance: OverlayClearance, window: QWindow | None) -> None:
        if not _is_overlay(window):  # no focus change on a desktop
            on_focus(clearance, window)

    monkeypatch.setattr(OverlayClearance, "_on_focus", desktop_on_focus)
    yield
    app.focusWindowChanged.disconnect(note)


def focused(qtbot, app: CaptionerApp) -> None:
    app.window.activateWindow()
    handle = app.window.windowHandle()
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is handle)


def over_the_start_button(app: CaptionerApp) -> QRect:
    """The overlay put (by the user, before the run) over Start, which becomes Stop."""
    button = app.window.start_button
    centre = button.mapToGlobal(button.rect().center())
    overlay = app.overlay
    overlay.move(centre - QPoint(overlay.width() // 2, overlay.height() // 2))
    return overlay.geometry()


def start(qtbot, app: CaptionerApp) -> None:
    qtbot.mouseClick(app.window.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.controller.running, timeout=RUN_BOUND_MS)
    assert app.overlay.isVisible() or app.overlay.wanted_visible


def stop_is_clear(app: CaptionerApp) -> bool:
    button = app.window.start_button
    stop = QRect(button.mapToGlobal(QPoint(0, 0)), button.size())
    overlay = app.overlay
    return not (overlay.isVisible() and overlay.geometry().intersects(stop))


def test_the_overlay_shown_at_start_steps_off_the_focused_window(make_app, qtbot, desktop_focus):
    app = make_app("--input-file", str(SHORT_CLIP))
    focused(qtbot, app)
    home = over_the_start_button(app)
    start(qtbot, app)
    qtbot.waitUntil(lambda: stop_is_clear(app), timeout=2000)
    assert app.overlay.held
    assert QGuiApplication.focusWindow() is app.window.windowHandle()  # no focus change
    assert app.overlay_visibility.clearance.home == home  # its own place, to come back to


def test_at_launch_the_window_focused_before_the_clearance_is_followed(
    make_app, qtbot, desktop_focus
):
    """run_gui shows the window, which gets the focus, then builds the rest (complete)."""
    app = make_app("--input-file", str(SHORT_CLIP), complete=False)
    focused(qtbot, app)
    app.complete()
    home = over_the_start_button(app)
    start(qtbot, app)
    qtbot.waitUntil(lambda: stop_is_clear(app), timeout=2000)
    assert app.overlay.held
    # The window moved off the overlay's place: it comes back there (the window is followed).
    screen = app.window.screen().availableGeometry()
    frame = app.window.frameGeometry()
    below = home.bottom() + 20 <= screen.bottom() - frame.height()
    app.window.move(frame.x(), home.bottom() + 20 if below else home.top() - 20 - frame.height())
    assert not app.window.frameGeometry().intersects(home)
    qtbot.waitUntil(lambda: not app.overlay.held, timeout=2000)
    assert app.overlay.geometry() == home and app.overlay.isVisible()


def test_after_stepping_aside_it_comes_back_to_where_the_user_has_it_now(qtbot) -> None:
    # Coming back once left that place behind as "where the app put it meanwhile":
    # dragged elsewhere later, the next step aside brought it back to the old place.
    from captioner.ui.overlay import CaptionOverlay

    overlay = CaptionOverlay()
    qtbot.addWidget(overlay)
    overlay.show()
    qtbot.waitExposed(overlay)
    first = QRect(overlay.geometry())
    overlay.hold(first.translated(0, -200))
    overlay.release(first)
    assert overlay.geometry() == first
    dragged = first.translated(50, -100)
    overlay.move(dragged.topLeft())  # the user drags it
    qtbot.waitUntil(lambda: overlay.geometry() == dragged)
    overlay.hold(dragged.translated(0, -200))
    overlay.release(dragged)
    assert overlay.geometry() == dragged


def test_an_overlay_with_no_room_beside_the_window_in_use_says_where_it_went(
    make_app, qtbot, desktop_focus, monkeypatch
):
    """A window as tall as the screen leaves the overlay no room above or below it.

    The overlay then steps out of sight while the window is in use: people took the
    vanished overlay for captions that had stopped, so the status bar says why.
    """
    app = make_app("--input-file", str(SHORT_CLIP))
    area = app.window.screen().availableGeometry()
    app.window.setGeometry(area.adjusted(0, 40, 0, -10))  # the frame's title bar aside
    focused(qtbot, app)
    over_the_start_button(app)
    away = app.overlay_visibility.away_label
    heard = record_announcements(monkeypatch, captioner.ui.overlay_visibility)
    assert not away.isVisible()
    start(qtbot, app)
    qtbot.waitUntil(lambda: app.overlay.held and not app.overlay.isVisible(), timeout=2000)
    qtbot.waitUntil(away.isVisible, timeout=2000)  # after "Listening", which clears messages
    assert away.text().startswith("Overlay out of the way")
    # Screen-reader users hear it too, once (a status bar's label is not read when shown).
    polite = QAccessible.AnnouncementPoliteness.Polite
    assert [(text.split(".")[0], politeness) for text, politeness in heard] == [
        (away.text(), polite)
    ]
    assert "back when you switch to another app" in heard[0][0]
    # Another app takes the focus: the overlay is back, and the message gone.
    QGuiApplication.instance().focusWindowChanged.emit(None)  # as the desktop would
    qtbot.waitUntil(lambda: app.overlay.isVisible(), timeout=2000)
    assert not away.isVisible()
    assert len(heard) == 1  # its going is not announced: the captions are back on screen


@pytest.fixture
def main_sheet(qapp) -> Iterator[None]:
    """The app's style sheet, as ``run_gui`` sets it (``make_app`` builds the app without it)."""
    from captioner.ui.resources import read_text

    qapp.setStyleSheet(read_text("main.qss"))
    yield
    qapp.setStyleSheet("")


def _separated(label) -> bool:
    """A line of the palette's mid colour down the label's left edge, set off from the text."""
    image = label.grab().toImage()
    mid = label.palette().mid().color().name()
    return any(
        all(image.pixelColor(x, y).name() == mid for y in range(image.height()))
        for x in range(min(4, image.width()))
    )


def test_a_notice_is_not_cut_for_the_overlay_note_which_comes_back_after_it(
    make_app, qtbot, desktop_focus, monkeypatch, main_sheet
):
    """Seen under Xvfb in a call: at 820 px the bar read "Listening · microphone lost
    Overlay out of the way while you use Captioner Lost the audio device “usbheadset”: the
    audio st…": three messages run together, and the news cut to make room for the note."""
    app = make_app("--input-file", str(SHORT_CLIP))
    area = app.window.screen().availableGeometry()
    app.window.setGeometry(QRect(area.x(), area.y() + 40, 820, area.height() - 50))
    focused(qtbot, app)
    over_the_start_button(app)
    away = app.overlay_visibility.away_label
    heard = record_announcements(monkeypatch, captioner.ui.overlay_visibility)
    start(qtbot, app)
    qtbot.waitUntil(away.isVisible, timeout=2000)
    assert _separated(away)  # set apart from the status line

    qtbot.waitUntil(lambda: app.window.status_text().startswith("Listening"), timeout=RUN_BOUND_MS)
    service = app.service_status
    notice = service.notice
    news = "Lost the audio device “usbheadset”: it is not connected now (unplugged?)."
    wide = notice.fontMetrics().horizontalAdvance(news)
    # A window with room for the notice alone, not for the note beside it.
    beside = app.window.status_line.sizeHint().width() + away.sizeHint().width() // 2 + 40
    app.window.resize(max(beside + wide, app.window.minimumSizeHint().width()), app.window.height())
    room = app.window.statusBar().width() - app.window.status_line.sizeHint().width()
    assert wide < room - 20 < wide + away.sizeHint().width()
    service.show_notice(news, "")
    qtbot.waitUntil(lambda: notice.isVisible() and not away.isVisible(), timeout=2000)
    qtbot.waitUntil(lambda: notice.width() >= wide, timeout=2000)  # whole, not "…"
    assert _separated(notice)

    service._notice_timer.timeout.emit()  # its 15 s are up
    qtbot.waitUntil(lambda: away.isVisible() and not notice.isVisible(), timeout=2000)
    assert len(heard) == 1  # the note was said once; making way and coming back say nothing
    # The user switches to another app: the overlay is back, the note gone for good.
    QGuiApplication.instance().focusWindowChanged.emit(None)
    qtbot.waitUntil(lambda: app.overlay.isVisible(), timeout=2000)
    service.show_notice(news, "")
    service._notice_timer.timeout.emit()
    assert not away.isVisible()
