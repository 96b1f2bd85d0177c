"""Settings are written off the GUI thread; a stuck or failing disk never freezes the window.

The app's settings used to be a QSettings on the GUI thread, which wrote its
file from that thread's event loop after every change (a lock file, a
temporary file, fdatasync, a rename).  Here the disk is made to stall the
way a slow network home directory does: QSettings takes ``<file>.lock``
before it writes, and a FIFO in its place makes that wait until the test
lets it go.  A failing disk is a settings folder that has become a file.
"""

from __future__ import annotations

import configparser
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QPoint, QRect, QSettings, Qt, QTimer
from PySide6.QtWidgets import QCheckBox

from captioner.core.settings import Key

# Lets a stuck write go after a while, from another process: before the fix the
# thread that waited was the GUI thread, which runs the test itself.
RESCUE = """
import os, sys, time
time.sleep(float(sys.argv[2]))
try:
    fd = os.open(sys.argv[1], os.O_WRONLY | os.O_NONBLOCK)
except OSError:
    fd = None
try:
    os.unlink(sys.argv[1])
except OSError:
    pass
if fd is not None:
    os.close(fd)
"""


@contextlib.contextmanager
def stuck_disk(settings_file: Path, rescue_after_s: float = 5.0) -> Iterator[Callable[[], None]]:
    """Writing ``settings_file`` waits until the ``release`` given here is called.

    QSettings finds a lock file there, reads it to see whether it is stale,
    and opening a FIFO for reading waits for a writer.  ``release`` opens it
    and removes it, so the next attempt takes the lock.
    """
    fifo = str(settings_file) + ".lock"
    os.mkfifo(fifo)
    rescue = subprocess.Popen([sys.executable, "-c", RESCUE, fifo, str(rescue_after_s)])

    def release() -> None:
        try:
            fd: int | None = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except FileNotFoundError:
            return
        except OSError:  # nobody is waiting on it
            fd = None
        with contextlib.suppress(FileNotFoundError):
            os.unlink(fifo)
        if fd is not None:
            os.close(fd)

    try:
        yield release
    finally:
        release()
        rescue.kill()
        rescue.wait()


def on_disk(settings_file: Path) -> dict[str, str]:
    """What the file says, as ``group/key: text`` (``General`` keys without a group).

    Qt writes a key's deeper levels with backslashes (``[overlay]`` ``geometry\\HDMI-1``).
    """
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(settings_file, encoding="utf-8")
    return {
        (key if section == "General" else f"{section}/{key}").replace("\\", "/"): value
        for section in parser.sections()
        for key, value in parser.items(section)
    }


def click(qtbot, box: QCheckBox) -> None:
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(6, box.height() // 2))


@pytest.fixture
def open_store(qtbot) -> Iterator:
    from captioner.ui.settings_store import WriteBehindSettings

    made: list[WriteBehindSettings] = []

    def make(path: Path, **options) -> WriteBehindSettings:
        store = WriteBehindSettings(
            lambda: QSettings(str(path), QSettings.Format.IniFormat), **options
        )
        made.append(store)
        return store

    yield make
    for store in made:
        store.close()


def test_a_change_is_written_off_the_gui_thread_which_goes_on_while_the_disk_is_stuck(
    make_app, qtbot, tmp_path
) -> None:
    app = make_app()
    app.settings.sync()  # what start-up wrote is on disk
    box = app.window.overlay_check
    assert box.isChecked()
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    with stuck_disk(tmp_path / "settings.ini") as release:
        click(qtbot, box)  # View: the caption overlay off
        clicked = time.monotonic()
        qtbot.wait(1000)  # the write is due after 200 ms of quiet
        timer.stop()
        while_stuck = on_disk(tmp_path / "settings.ini")
        release()
    after = [tick for tick in ticks if tick > clicked]
    longest = max(b - a for a, b in zip([clicked, *after], after, strict=False))
    assert longest < 0.5, f"the GUI thread stood still for {longest:.1f} s"
    assert while_stuck.get("overlay/visible") != "false"  # the write was stuck meanwhile…
    assert app.prefs.get(Key.OVERLAY_VISIBLE) is False  # …and the app had the value
    assert app.settings.sync()
    assert on_disk(tmp_path / "settings.ini")["overlay/visible"] == "false"


def test_a_failed_write_is_said_once_and_the_values_are_kept_and_written_once_it_can(
    make_app, qtbot, tmp_path
) -> None:
    folder, away = tmp_path / "config", tmp_path / "away"
    folder.mkdir()
    ini = folder / "settings.ini"
    app = make_app(settings_file=ini)
    app.settings.sync()
    folder.rename(away)
    folder.write_text("")  # the settings folder is gone; a file has its name
    box = app.window.overlay_check
    click(qtbot, box)
    qtbot.waitUntil(lambda: "Settings could not be saved" in app.window.status_text(), timeout=5000)
    assert str(ini) in app.window.status_detail()  # which file, and why: in the tooltip
    assert app.prefs.get(Key.OVERLAY_VISIBLE) is False  # the app goes on with its values
    app.prefs.set(Key.OVERLAY_FONT_SIZE, 30)
    app.window.show_status("Ready")
    click(qtbot, box)
    assert not app.settings.sync()  # still failing: said false, and logged
    qtbot.wait(100)  # a second report would have reached the window by now
    assert app.window.status_text() == "Ready"  # said once
    assert app.prefs.get(Key.OVERLAY_FONT_SIZE) == 30 and app.prefs.get(Key.OVERLAY_VISIBLE)
    folder.unlink()
    away.rename(folder)
    click(qtbot, box)
    assert app.settings.sync()
    kept = on_disk(ini)  # the change made while it failed too
    assert kept["overlay/visible"] == "false" and kept["overlay/font_size"] == "30"


def test_a_change_made_just_before_quitting_is_on_disk_after_the_quit(
    make_app, qtbot, tmp_path
) -> None:
    app = make_app()
    click(qtbot, app.window.overlay_check)
    with qtbot.waitSignal(app.quitFinished, timeout=15000):
        app.request_quit()  # at once: the change has not rested yet
    assert app.settings.close()  # what run_gui does once the loop has ended
    kept = on_disk(tmp_path / "settings.ini")
    assert kept["overlay/visible"] == "false"
    assert kept["window/geometry"].startswith("@ByteArray(")  # saved as the window hid


VALUES = {
    "flag": True,
    "size": 22,
    "name": "Ana, Bo",
    "overlay/geometry/HDMI-1": QRect(10, 20, 300, 40),
    "window/geometry": QByteArray(b"\x01\xd9\xd0\xcb\x00(\x00)"),
    "list": ["a", "b"],
}


def test_reads_give_what_qsettings_gives_in_the_same_process(open_store, tmp_path) -> None:
    store = open_store(tmp_path / "a.ini")
    plain = QSettings(str(tmp_path / "b.ini"), QSettings.Format.IniFormat)
    for key, value in VALUES.items():
        store.setValue(key, value)
        plain.setValue(key, value)
    for key in [*VALUES, "/overlay//geometry/HDMI-1/", "missing"]:
        got, want = store.value(key, "default"), plain.value(key, "default")
        assert (type(got), got) == (type(want), want), key
        assert store.contains(key) == plain.contains(key)
    store.value("overlay/geometry/HDMI-1").moveTo(0, 0)  # a copy, as QSettings hands out
    assert store.value("overlay/geometry/HDMI-1") == QRect(10, 20, 300, 40)
    assert store.allKeys() == sorted(plain.allKeys())
    assert store.fileName() == str(tmp_path / "a.ini")
    assert store.close()
    plain.sync()
    del plain
    again = open_store(tmp_path / "a.ini")
    plain = QSettings(str(tmp_path / "b.ini"), QSettings.Format.IniFormat)
    for key in VALUES:
        got, want = again.value(key), plain.value(key)
        assert (type(got), got) == (type(want), want), key


def test_a_burst_of_changes_is_one_write_in_order_the_last_change_winning(
    open_store, qtbot, tmp_path
) -> None:
    ini = tmp_path / "s.ini"
    store = open_store(ini)
    for x in range(30):  # a drag
        store.setValue("overlay/geometry/HDMI-1", QRect(x, 0, 300, 40))
    store.setValue("old/a", 1)
    store.setValue("old/b", 2)
    store.remove("old")  # removes the keys under it, as QSettings does
    store.setValue("old/b", 3)  # after the removal: kept
    assert store.handed_over == 0 and not ini.exists()  # the GUI thread wrote nothing
    qtbot.waitUntil(lambda: store.handed_over == 1, timeout=2000)
    assert store.sync() and store.handed_over == 1
    assert on_disk(ini) == {"overlay/geometry/HDMI-1": "@Rect(29 0 300 40)", "old/b": "3"}
    assert not store.contains("old/a") and store.value("old/b") == 3


def test_sync_waits_for_a_stuck_disk_only_so_long_and_close_ends_the_writer(
    open_store, tmp_path
) -> None:
    ini = tmp_path / "s.ini"
    store = open_store(ini)
    store.setValue("a", 1)
    assert store.sync()
    with stuck_disk(ini) as release:
        store.setValue("a", 2)
        began = time.monotonic()
        assert not store.sync(0.3)  # the quit path's wait is bounded
        assert time.monotonic() - began < 1.5
        assert on_disk(ini)["a"] == "1" and store.value("a") == 2
        release()
        assert store.sync()
    assert on_disk(ini)["a"] == "2"
    writer = store._thread
    assert writer.is_alive() and writer.name == "settings-writer"
    assert store.close()
    assert not writer.is_alive()
