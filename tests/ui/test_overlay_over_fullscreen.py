"""On X11 the caption overlay stays above a full-screen window (a video, a presentation).

Found on Xvfb with openbox: the overlay was a "keep above" window, and window
managers (openbox, KWin) put the active full-screen window above those, so the
captions vanished the moment a video went full screen, which is when people
watching it need them.  The overlay now bypasses the window manager (an
override-redirect window), and moves and resizes itself.

Real X server, real window manager, two processes as on a desktop: the video
(a red full-screen window, activated by a click) and the app's overlay.  The
screen's pixels say which is on top.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QWidget

from captioner.ui import platform_caps
from tests.ui.test_overlay import make_overlay
from tests.xvfb import app_env, private_xvfb, spawn_python

WAIT_S = 20.0

VIDEO = """
import sys
from PySide6.QtWidgets import QApplication, QWidget

class Video(QWidget):
    def mousePressEvent(self, event):
        at = event.globalPosition().toPoint()
        print("pressed", at.x(), at.y(), flush=True)

app = QApplication(sys.argv)
video = Video()
video.setWindowTitle("VIDEO")
video.setStyleSheet("background: #ff0000")
video.showFullScreen()
print("shown", flush=True)
app.exec()
"""

# A screen locker's window: override-redirect, over the whole screen, mapped last.
LOCKER = """
import sys
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication(sys.argv)
lock = QWidget(None, Qt.WindowType.X11BypassWindowManagerHint | Qt.WindowType.FramelessWindowHint)
lock.setStyleSheet("background: #00ff00")
lock.setGeometry(0, 0, 1280, 800)
lock.show()
print("shown", flush=True)
app.exec()
"""

# An ordinary window under the captions: managed, neither full screen nor on top.
DESK = """
import sys
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication(sys.argv)
desk = QWidget()
desk.setStyleSheet("background: #00ff00")
desk.setGeometry(0, 0, 1280, 800)
desk.show()
print("shown", flush=True)
app.exec()
"""

OVERLAY = """
import sys
from PySide6.QtCore import QSettings, QSocketNotifier
from PySide6.QtWidgets import QApplication
from captioner.core.settings import Settings
from captioner.ui.overlay import CaptionOverlay
app = QApplication(sys.argv)
overlay = CaptionOverlay(Settings(QSettings(sys.argv[1], QSettings.Format.IniFormat)))
overlay.show()
overlay.set_partial("Captions over the video")
g = overlay.geometry()
print(g.x(), g.y(), g.width(), g.height(), flush=True)

def obey():  # "lock"/"unlock" as the tray menu or the shortcut would; "say WORDS": a caption
    command = sys.stdin.readline().strip()
    if command.startswith("say "):
        overlay.set_partial(command[4:])
    else:
        overlay.set_locked(command == "lock")
    print(command, flush=True)

notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
notifier.activated.connect(obey)
app.exec()
"""


@pytest.fixture(scope="module")
def desktop() -> Iterator[dict[str, str]]:
    """A private X server with a window manager (openbox, or ``$CAPTIONER_TEST_WM``)."""
    wm = os.environ.get("CAPTIONER_TEST_WM", "openbox")  # metacity: GNOME's stacking
    with private_xvfb("1280x800", needs=(wm, "xdotool")) as (display, _server):
        env = app_env(display)
        if os.environ.get(platform_caps.MANAGED_ENV):  # the window manager's way, to compare
            env[platform_caps.MANAGED_ENV] = "1"
        manager = subprocess.Popen(
            [wm], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            yield env
        finally:
            manager.terminate()
            manager.wait(10)


def share_of(env: dict[str, str], rect: QRect, colour: tuple[int, int, int]) -> float:
    """The share of pixels of exactly ``colour`` (red, green, blue) on screen in ``rect``."""
    from Xlib import X, display

    screen = display.Display(env["DISPLAY"])
    try:
        root = screen.screen().root
        image = root.get_image(
            rect.x(), rect.y(), rect.width(), rect.height(), X.ZPixmap, 0xFFFFFFFF
        )
        data = image.data  # BGRX
        red, green, blue = colour
        hits = sum(
            1
            for i in range(0, len(data), 4)
            if abs(data[i] - blue) < 16
            and abs(data[i + 1] - green) < 16
            and abs(data[i + 2] - red) < 16
        )
        return hits / max(1, len(data) // 4)
    finally:
        screen.close()


def red_share(env: dict[str, str], rect: QRect) -> float:
    return share_of(env, rect, (255, 0, 0))  # the video


def green_share(env: dict[str, str], rect: QRect) -> float:
    return share_of(env, rect, (0, 255, 0))  # the screen locker


def active_title(env: dict[str, str]) -> str | None:
    """The name of the window the window manager says is active (_NET_ACTIVE_WINDOW)."""
    from Xlib import X, display

    screen = display.Display(env["DISPLAY"])
    try:
        root = screen.screen().root
        active = root.get_full_property(screen.intern_atom("_NET_ACTIVE_WINDOW"), X.AnyPropertyType)
        if active is None or not active.value or not active.value[0]:
            return None
        window = screen.create_resource_object("window", active.value[0])
        name = window.get_full_property(screen.intern_atom("_NET_WM_NAME"), X.AnyPropertyType)
        return name.value.decode() if name is not None and name.value else window.get_wm_name()
    finally:
        screen.close()


def wait_until(condition, message: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.05)


def line(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    return proc.stdout.readline().strip()


def tell(proc: subprocess.Popen[str], command: str) -> None:
    """Send the overlay a command and wait until it has carried it out."""
    assert proc.stdin is not None
    proc.stdin.write(command + "\n")
    proc.stdin.flush()
    assert line(proc) == command


def click(env: dict[str, str], at: QPoint) -> None:
    subprocess.run(
        ["xdotool", "mousemove", str(at.x()), str(at.y()), "click", "1"], env=env, check=True
    )


@pytest.fixture
def on_screen(desktop: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """Starts the desktop's programs; each is killed after the test."""
    procs: list[subprocess.Popen[str]] = []

    def start(code: str, *args: str) -> subprocess.Popen[str]:
        proc = spawn_python(desktop, code, *args)
        procs.append(proc)
        return proc

    yield start
    for proc in reversed(procs):
        proc.kill()
        proc.communicate(timeout=10)


def show_overlay(start: Callable[..., Any], tmp_path: Path) -> tuple[Any, QRect]:
    overlay = start(OVERLAY, str(tmp_path / "settings.ini"))
    x, y, width, height = map(int, line(overlay).split())
    rect = QRect(x, y, width, height).intersected(QRect(0, 0, 1280, 800))
    assert not rect.isEmpty()
    return overlay, rect


def play_full_screen(start: Callable[..., Any], desktop: dict[str, str]) -> Any:
    """The video goes full screen and the viewer clicks it: the window manager raises it."""
    video = start(VIDEO)
    assert line(video) == "shown"
    top = QRect(0, 0, 1280, 40)  # where the overlay is not
    wait_until(lambda: red_share(desktop, top) >= 0.99, "the video never showed")
    click(desktop, QPoint(640, 20))
    wait_until(lambda: active_title(desktop) == "VIDEO", "the video never became active")
    assert line(video) == "pressed 640 20"
    return video


def test_captions_stay_above_a_video_gone_full_screen(
    desktop: dict[str, str], on_screen, tmp_path: Path
) -> None:
    _overlay, rect = show_overlay(on_screen, tmp_path)
    play_full_screen(on_screen, desktop)  # after the captions, as when a video goes full screen
    # Restacked by now; the overlay may still be repainting the part it got back.
    wait_until(
        lambda: red_share(desktop, rect) < 0.5,
        f"the overlay is under the video ({red_share(desktop, rect):.0%} of its place is red)",
    )


def test_a_locked_overlay_lets_clicks_through_to_the_video_and_stays_on_top(
    desktop: dict[str, str], on_screen, tmp_path: Path
) -> None:
    overlay, rect = show_overlay(on_screen, tmp_path)
    video = play_full_screen(on_screen, desktop)
    centre = rect.center()
    click(desktop, centre)  # on the captions: the overlay's (a drag would start there)
    click(desktop, QPoint(640, 30))
    assert line(video) == "pressed 640 30", "a click on the captions reached the video"
    tell(overlay, "lock")
    click(desktop, centre)
    assert line(video) == f"pressed {centre.x()} {centre.y()}", "the lock let no click through"
    assert red_share(desktop, rect) < 0.5, "locking sent the captions under the video"
    tell(overlay, "unlock")  # the way back: the captions take clicks again
    click(desktop, centre)
    click(desktop, QPoint(640, 30))
    assert line(video) == "pressed 640 30", "after unlocking, a click still went through"


def test_a_fade_or_lock_never_brings_captions_over_a_screen_locker(
    desktop: dict[str, str], on_screen, tmp_path: Path
) -> None:
    """Captions of a meeting must not show on a locked screen.

    Lockers such as i3lock and xscreensaver are override-redirect windows too;
    an overlay that went away and came back at each fade or lock (its input
    flags changed by hiding and showing it) landed on top of them.
    """
    overlay, rect = show_overlay(on_screen, tmp_path)
    locker = on_screen(LOCKER)
    assert line(locker) == "shown"
    green = QRect(rect)

    def covered() -> bool:
        return green_share(desktop, green) > 0.95

    wait_until(covered, "the locker never covered the captions")
    tell(overlay, "lock")  # as a fade to nothing does: clicks pass through
    tell(overlay, "unlock")  # and back, at the next caption
    assert covered(), "the captions came back over the screen locker"


def test_faded_captions_leave_the_screen_even_without_a_compositor(
    desktop: dict[str, str], on_screen, tmp_path: Path
) -> None:
    """Fade out after: N seconds must clear the screen on a bare window manager too.

    Found on Xvfb with openbox and no compositor (xcompmgr killed): the window's
    opacity went to 0, which only a compositor shows, so the last captions stayed
    in full view after a silence, yet clicks on them went to the window below.
    """
    under = on_screen(DESK)  # green, under the captions (and no compositor here)
    assert line(under) == "shown"
    wait_until(lambda: green_share(desktop, QRect(0, 400, 1280, 100)) > 0.99, "no desk")
    (tmp_path / "settings.ini").write_text("[overlay]\nfade_seconds=2\n")
    overlay, rect = show_overlay(on_screen, tmp_path)

    def gone() -> bool:
        return green_share(desktop, rect) > 0.99

    wait_until(gone, f"faded out, yet {1 - green_share(desktop, rect):.0%} of it still shows")
    tell(overlay, "say The next words")  # back at once, in full
    wait_until(lambda: green_share(desktop, rect) < 0.5, "the next words never showed")
    wait_until(gone, "the second silence left the captions on screen")


@pytest.fixture
def bypassing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The overlay as on X11, where no window manager moves or resizes it."""
    monkeypatch.setattr(platform_caps, "current", lambda: platform_caps.X11)


def drag(qtbot, widget: QWidget, start: QPoint, by: QPoint) -> None:
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(widget, start + by)
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=start + by)


def test_without_a_window_manager_the_overlay_moves_and_resizes_itself(
    bypassing: None, qtbot, tmp_path: Path
) -> None:
    overlay = make_overlay(qtbot, tmp_path)
    assert overlay.windowFlags() & Qt.WindowType.X11BypassWindowManagerHint
    before = overlay.geometry()
    middle = QPoint(overlay.width() // 2, overlay.height() // 2)
    drag(qtbot, overlay, middle, QPoint(-40, -30))
    assert overlay.geometry().topLeft() == before.topLeft() + QPoint(-40, -30)
    assert overlay.width() == before.width()
    moved = overlay.geometry()
    drag(qtbot, overlay, QPoint(2, middle.y()), QPoint(-50, 0))  # its left side
    assert overlay.geometry().left() == moved.left() - 50
    assert overlay.geometry().right() == moved.right()
