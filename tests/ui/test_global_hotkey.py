"""The system-wide unlock shortcut on a real X server (Xvfb), pressed by xdotool."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator

import pytest

from captioner.ui.global_hotkey import GlobalHotkey
from captioner.ui.xcb_grab import KeyGrabber
from tests.xvfb import private_xvfb


@pytest.fixture
def x_display() -> Iterator[str]:
    with private_xvfb(needs=("xdotool",)) as (name, _server):
        yield name


def test_the_shortcut_works_whichever_window_has_focus(qtbot, x_display: str, capfd) -> None:
    hotkey = GlobalHotkey(x_display)
    assert hotkey.start(), hotkey.problem
    try:
        with qtbot.waitSignal(hotkey.activated, timeout=5000):
            subprocess.run(
                ["xdotool", "key", "ctrl+alt+shift+l"],
                env={**os.environ, "DISPLAY": x_display},
                check=True,
            )
        other = GlobalHotkey(x_display)  # a second app cannot take the same keys
        capfd.readouterr()
        assert not other.start()
        assert "already taken" in other.problem
        # Said once, in the app's words: python-xlib's own "X protocol error:
        # <class 'Xlib.error.BadAccess'>…" (four of them) is not printed as well.
        assert "X protocol error" not in capfd.readouterr().err
    finally:
        hotkey.stop()


def press(display: str, *keys: str) -> None:
    subprocess.run(["xdotool", "key", *keys], env={**os.environ, "DISPLAY": display}, check=True)


def test_the_shortcut_works_with_numlock_and_capslock_on_and_is_let_go_at_stop(
    qtbot, x_display: str
) -> None:
    """X counts NumLock and CapsLock as modifiers: a grab of Ctrl+Alt+Shift+L alone is
    not pressed while either is on (most laptops start with NumLock on).  And once the
    app stops, the combination is free again for other applications."""
    # Another client of the display for the whole test, as a desktop has (the app's own Qt
    # among them): Xvfb resets when its last client leaves, and refuses connections meanwhile.
    desktop = KeyGrabber(x_display)
    hotkey = GlobalHotkey(x_display)
    try:
        assert hotkey.start(), hotkey.problem
        for lock in ("Num_Lock", "Caps_Lock"):
            press(x_display, lock)
            with qtbot.waitSignal(hotkey.activated, timeout=5000):
                press(x_display, "ctrl+alt+shift+l")
            press(x_display, lock)
        hotkey.stop()
        after = GlobalHotkey(x_display)
        assert after.start(), after.problem
        after.stop()
    finally:
        hotkey.stop()
        desktop.close()


def test_the_grab_waits_on_the_x_server_off_the_gui_thread_and_stop_lets_go(
    qtbot, x_display: str, monkeypatch
) -> None:
    """The app grabs with ``start_soon``: connecting and the five round trips of the grab
    run on the listener thread (an ``ssh -X`` display answers each after a network
    round trip, and the window would freeze meanwhile); the answer comes back on the
    GUI thread.  A stop while the grab is still under way leaves the keys free."""
    import captioner.ui.global_hotkey as global_hotkey

    connected_on: list[threading.Thread] = []

    class Watched(KeyGrabber):
        def __init__(self, name: str | None = None) -> None:
            connected_on.append(threading.current_thread())
            super().__init__(name)

    monkeypatch.setattr(global_hotkey, "KeyGrabber", Watched)
    desktop = KeyGrabber(x_display)  # Xvfb resets when its last client leaves
    answers: list[tuple[bool, threading.Thread]] = []
    hotkey = GlobalHotkey(x_display)
    try:
        hotkey.start_soon(lambda ok: answers.append((ok, threading.current_thread())))
        qtbot.waitUntil(lambda: bool(answers), timeout=5000)
        assert answers == [(True, threading.main_thread())]
        assert connected_on and threading.main_thread() not in connected_on
        with qtbot.waitSignal(hotkey.activated, timeout=5000):
            press(x_display, "ctrl+alt+shift+l")
        hotkey.stop()
        # Stopped at once, before its grab can have been answered: the keys stay free.
        early = GlobalHotkey(x_display)
        early.start_soon(lambda ok: answers.append((ok, threading.current_thread())))
        early.stop()
        after = GlobalHotkey(x_display)
        assert after.start(), after.problem
        after.stop()
        nowhere: list[bool] = []
        missing = GlobalHotkey(":999")
        missing.start_soon(nowhere.append)
        qtbot.waitUntil(lambda: bool(nowhere), timeout=5000)
        assert nowhere == [False] and "No X display" in missing.problem
    finally:
        hotkey.stop()
        desktop.close()


def test_without_an_x_server_it_says_why() -> None:
    hotkey = GlobalHotkey(":999")
    assert not hotkey.start()
    assert "No X display" in hotkey.problem


def test_the_x_server_going_away_ends_the_listener_quietly(monkeypatch) -> None:
    # The desktop session ends under the app: no thread traceback, and quitting still works.
    crashes: list[threading.ExceptHookArgs] = []
    monkeypatch.setattr(threading, "excepthook", crashes.append)
    with private_xvfb(needs=("xdotool",)) as (name, server):
        hotkey = GlobalHotkey(name)
        assert hotkey.start(), hotkey.problem
        listener = hotkey._thread
        assert listener is not None
        server.kill()
        server.wait(5)
        listener.join(5)
        assert not listener.is_alive()
        hotkey.stop()
    assert crashes == []
