"""On X11 without a compositor, Settings ▸ Captions… says the background cannot be see-through.

Found on Xvfb with openbox and no compositor: the overlay's background was drawn
solid (black, square corners) and Background opacity changed nothing that shows
through, yet nothing said so.  A compositing manager owns ``_NET_WM_CM_S0``
(xcompmgr here); without one the opacity row says why, and once one runs the
dialog, opened again, says nothing more.

Then the colours: without a compositor X shows the box as its colour darkened
towards black, whatever is behind it (white at 20 % is #333333 on screen), yet the
captions and the contrast warning reckoned with a see-through box: black captions
chosen on a white box turned down to 20 % stayed black on that #333333 (1.7:1), the
"Them" speaker dark brown, no warning; a rounded box's corners showed black.

A real X server in a subprocess, as the app runs on a desktop (the test session
itself is offscreen, where there is no compositor to ask about).
"""

from __future__ import annotations

import ast
import contextlib
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor

from captioner.core.settings import Key, Settings
from captioner.ui import contrast, overlay_notes
from captioner.ui.overlay_style import MIN_CONTRAST, OverlayStyle, contrast_ratio, speaker_palette
from tests.xvfb import app_env, private_xvfb, spawn_python

WAIT_S = 20.0

# The app under test: a caption overlay, and Settings ▸ Captions… opened anew (the one
# before closed) by open_dialog(); each test's obey() answers a line it is sent.
HEAD = """
import sys
from PySide6.QtCore import QSettings, QSocketNotifier
from PySide6.QtWidgets import QApplication, QLabel
from captioner.core.settings import Settings
from captioner.ui import x11_compositor
from captioner.ui.overlay import CaptionOverlay
from captioner.ui.overlay_settings import OverlaySettingsDialog
from captioner.ui.overlay_style import speaker_palette
app = QApplication(sys.argv)
settings = Settings(QSettings(sys.argv[1], QSettings.Format.IniFormat))
overlay = CaptionOverlay(settings)
dialogs = []

def open_dialog():
    for old in dialogs:
        old.reject()
    dialog = OverlaySettingsDialog(overlay, settings)
    dialogs.append(dialog)
    dialog.show()
    app.processEvents()
    return dialog
"""
TAIL = """
notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
notifier.activated.connect(obey)
print("ready", flush=True)
app.exec()
"""

# At each line: the dialog opened anew, and what its opacity row shows.
APP = (
    HEAD
    + """
def obey():
    sys.stdin.readline()
    dialog = open_dialog()
    note = dialog.findChild(QLabel, "opacityNote")
    shown = note.text() if note is not None and note.isVisibleTo(dialog) else ""
    print(repr((shown, dialog.opacity.toolTip(), dialog.opacity.isEnabled())), flush=True)
"""
    + TAIL
)


@pytest.fixture
def desktop() -> Iterator[dict[str, str]]:
    """A private X server with a window manager (openbox) and, as yet, no compositor."""
    with private_xvfb("1024x768", needs=("openbox", "xcompmgr")) as (display, _server):
        env = app_env(display)
        manager = subprocess.Popen(
            ["openbox"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            yield env
        finally:
            manager.terminate()
            manager.wait(10)


def compositing(env: dict[str, str]) -> bool:
    """Whether a compositing manager owns screen 0's ``_NET_WM_CM_S0`` (asked independently)."""
    from Xlib import X, display

    screen = display.Display(env["DISPLAY"])
    try:
        return screen.get_selection_owner(screen.intern_atom("_NET_WM_CM_S0")) != X.NONE
    finally:
        screen.close()


def ask(app: subprocess.Popen[str], command: str) -> Any:
    """What the app answers to ``command`` (one line, a Python literal)."""
    assert app.stdin is not None and app.stdout is not None
    app.stdin.write(command + "\n")
    app.stdin.flush()
    return ast.literal_eval(app.stdout.readline())


@contextlib.contextmanager
def compositor(env: dict[str, str]) -> Iterator[None]:
    """xcompmgr running (it owns ``_NET_WM_CM_S0`` once this enters), ended afterwards."""
    manager = subprocess.Popen(
        ["xcompmgr"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + WAIT_S
        while not compositing(env):
            assert time.monotonic() < deadline, "xcompmgr never claimed _NET_WM_CM_S0"
            time.sleep(0.05)
        yield
    finally:
        manager.terminate()
        manager.wait(10)


def test_the_opacity_row_says_a_compositor_is_needed_until_one_runs(
    desktop: dict[str, str], tmp_path: Path
) -> None:
    app = spawn_python(desktop, APP, str(tmp_path / "settings.ini"))
    try:
        assert app.stdout is not None and app.stdout.readline().strip() == "ready"
        assert not compositing(desktop)
        note, tip, enabled = ask(app, "open")
        assert "No compositor is running" in note, "no compositor, yet the row said nothing"
        assert tip == note  # for the mouse too
        assert enabled  # a lower opacity still darkens the background there

        with compositor(desktop):
            # The same app, the dialog opened again once the user has started a compositor.
            assert ask(app, "open") == ("", "", True)
    finally:
        app.kill()
        _, errors = app.communicate(timeout=10)
    assert "Traceback" not in errors, errors


# The overlay as it starts (sample captions on), and Settings ▸ Captions… at each "open":
# where the box is, the colours its captions are painted in, the contrast warning shown.
COLOURS_APP = (
    HEAD
    + """
overlay.set_sample(True)
overlay.show()

def report(warning):
    while not (overlay.windowHandle() and overlay.windowHandle().isExposed()):
        app.processEvents()
    overlay.repaint()
    x11_compositor.compositor_missing()  # a round trip: the X server has the paint
    g = overlay.geometry()
    colours = [c.name() for c in speaker_palette(overlay.style_settings)]
    print(repr(((g.x(), g.y(), g.width(), g.height()), colours, warning)), flush=True)

def obey():
    if sys.stdin.readline().strip() != "open":
        report("")
        return
    dialog = open_dialog()
    note = dialog.findChild(QLabel, "contrastNote")
    report(note.text() if note.isVisibleTo(dialog) else "")
"""
    + TAIL
)


def screen_colours(env: dict[str, str], x: int, y: int, width: int, height: int) -> set[str]:
    """The colours on screen in that rectangle, as "#rrggbb" (read back from the X server)."""
    from Xlib import X, display

    screen = display.Display(env["DISPLAY"])
    try:
        data = screen.screen().root.get_image(x, y, width, height, X.ZPixmap, 0xFFFFFFFF).data
    finally:
        screen.close()
    return {f"#{data[i + 2]:02x}{data[i + 1]:02x}{data[i]:02x}" for i in range(0, len(data), 4)}


def box_colour(env: dict[str, str], rect: tuple[int, int, int, int]) -> str:
    """The colour the box shows in its left margin (captions start 16 px in), once painted."""
    x, y, _width, height = rect
    deadline = time.monotonic() + WAIT_S
    while len(shown := screen_colours(env, x + 2, y + height // 4, 8, height // 2)) != 1:
        assert time.monotonic() < deadline, f"the box never showed one colour: {shown}"
        time.sleep(0.05)
    return shown.pop()


def test_captions_on_a_turned_down_light_box_read_on_the_grey_it_really_shows(
    desktop: dict[str, str], tmp_path: Path
) -> None:
    """Black on white at 20 %: without a compositor a #333333 box, so light captions."""
    path = tmp_path / "settings.ini"
    settings = Settings(QSettings(str(path), QSettings.Format.IniFormat))
    settings.set(Key.OVERLAY_BACKGROUND_COLOR, "#ffffff")
    settings.set(Key.OVERLAY_OPACITY, 20)
    settings.set(Key.OVERLAY_TEXT_COLOR, "#000000")
    settings.store.sync()
    app = spawn_python(desktop, COLOURS_APP, str(path))
    try:
        assert app.stdout is not None and app.stdout.readline().strip() == "ready"
        assert not compositing(desktop)
        rect, colours, _ = ask(app, "look")  # as the app starts, before any dialog
        box = box_colour(desktop, rect)
        assert box == "#333333", "X showed the box otherwise than white over black"
        for colour in colours:  # the caption colour, then each speaker's
            ratio = contrast_ratio(QColor(colour), QColor(box))
            assert ratio >= MIN_CONTRAST, f"{colour} on the {box} box on screen: {ratio:.1f}:1"
        x, y, _, _ = rect
        assert screen_colours(desktop, x, y, 2, 2) == {box}, "the box's corners showed black"

        _, colours_then, warning = ask(app, "open")
        assert "#333333" in warning, f"the warning did not judge the box on screen: {warning!r}"
        assert f"shown in {colours[0]}" in warning  # and says what the captions show
        assert colours_then == colours  # opening the dialog changed nothing

        with compositor(desktop):
            # See-through now: what is behind is not known, and nothing is said about #333333.
            _, _, warning = ask(app, "open")
            assert "#333333" not in warning
    finally:
        app.kill()
        _, errors = app.communicate(timeout=10)
    assert "Traceback" not in errors, errors


def test_a_half_white_box_is_judged_as_the_grey_it_shows_without_a_compositor() -> None:
    """Dark grey on white at 50 %: 7:1 as picked, 1.8:1 on the #808080 X shows without one."""
    half_white, grey = QColor(255, 255, 255, 128), QColor("#595959")
    assert overlay_notes.contrast_warning(grey, half_white, solid=False) == ""  # as before
    warning = overlay_notes.contrast_warning(grey, half_white, solid=True)
    assert "#808080" in warning and "1.8:1" in warning and "shown in #000000" in warning
    style = OverlayStyle(text_color=QColor("#000000"), background=half_white, solid=True)
    for colour in speaker_palette(style):  # the hues too, and the line still being spoken
        assert contrast_ratio(colour, QColor("#808080")) >= MIN_CONTRAST
        dimmed = style.in_progress(colour)  # translucent: measured as blended on the box
        assert contrast.contrast_ratio(dimmed, QColor("#808080")) >= MIN_CONTRAST
