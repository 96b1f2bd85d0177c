"""Real PulseAudio: when system audio follows a new default output, the app says so at once.

"System audio — Speakers — default" follows the desktop's default output: a
call moved to a Bluetooth headset mid-call goes on being captioned from the
headset.  But the picker, locked during the run, went on saying "Speakers"
until Stop, nothing said where the captions came from now, and after Stop the
look for inputs selected the speakers again (the remembered name), which no
longer follow anything.  Now the locked picker names the headset at once, a
notice says so (to screen readers too), and the headset stays picked after Stop.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QComboBox

import captioner.ui.input_in_use
from captioner.audio import pulse_lib
from captioner.audio.sides import SYSTEM
from captioner.core.settings import Key
from tests.announced import Announcement, record_announcements
from tests.pulse import PulseServer

pytestmark = [pytest.mark.pulse, pytest.mark.slow, pytest.mark.sound_servers]

WAIT_MS = 20000
LISTENING_MS = 60000  # the offline model loads first


@pytest.fixture
def outputs(pulse_server: PulseServer) -> Iterator[tuple[str, str]]:
    """Two outputs, the laptop's speakers (the default) and a headset; all undone after."""
    if not pulse_lib.available():
        pytest.skip("libpulse is not installed")
    with pulse_server.two_outputs("captioner_laptop_speakers", "captioner_bt_headset") as pair:
        yield pair


@pytest.fixture
def heard(monkeypatch) -> list[Announcement]:
    """What the app announced to screen readers from the module under test."""
    return record_announcements(monkeypatch, captioner.ui.input_in_use)


def labels(picker: QComboBox) -> list[str]:
    return [picker.itemText(i) for i in range(picker.count())]


def pick_monitor(picker: QComboBox, monitor: str) -> None:
    """The user picks the system audio that records ``monitor``."""
    for index in range(picker.count()):
        data = picker.itemData(index)
        if getattr(getattr(data, "system", data), "monitor", None) == monitor:
            picker.setCurrentIndex(index)
            return
    raise AssertionError(f"{monitor} is not offered: {labels(picker)}")


def watched(app, qtbot) -> None:
    """Look for inputs again when devices change (as run_gui has it): the look after Stop."""
    qtbot.waitUntil(lambda: not app.inputs.loading, timeout=WAIT_MS)
    app.inputs.watch_devices()
    watch = app.inputs.device_changes.watch
    assert watch is not None and watch.watching.wait(WAIT_MS / 1000)


def follow_to_the_headset(app, qtbot, pulse_server, picker, speakers, headset, heard) -> None:
    """Start on the speakers' "— default", then the call moves to the headset."""
    pick_monitor(picker, f"{speakers}.monitor")
    assert picker.currentText() == f"System audio — {speakers} — default"
    app.start_captioning()
    qtbot.waitUntil(lambda: "Listening" in app.window.status_text(), timeout=LISTENING_MS)
    assert not picker.isEnabled()  # locked during the run
    pulse_server.set_default_sink(headset)  # the desktop makes the headset the default

    followed = f"System audio — {headset} — default"
    qtbot.waitUntil(lambda: picker.currentText() == followed, timeout=WAIT_MS)
    said = f"Following the new default output: “{headset}”."
    notice = app.service_status.notice
    assert (notice.isVisible(), notice.text()) == (True, said)
    assert heard == [(said, QAccessible.AnnouncementPoliteness.Polite)]
    assert said not in app.window.status_text()  # the status line goes on saying the run's state
    assert app.controller.running

    app.controller.stop()
    qtbot.waitUntil(lambda: not app.controller.running, timeout=WAIT_MS)
    # The look after Stop lists the speakers again, no longer the default: the
    # headset, followed, stays the pick (the next Start records it).
    qtbot.waitUntil(lambda: f"System audio — {speakers}" in labels(picker), timeout=WAIT_MS)
    assert picker.currentText() == followed
    assert len(heard) == 1


def test_the_input_picker_names_the_new_default_output_as_the_run_follows_it(
    make_app, qtbot, pulse_server: PulseServer, outputs, heard
) -> None:
    speakers, headset = outputs
    app = make_app("--engine", "offline")
    watched(app, qtbot)
    picker = app.window.input_combo
    follow_to_the_headset(app, qtbot, pulse_server, picker, speakers, headset, heard)
    assert picker.currentData().system.monitor == f"{headset}.monitor"
    assert app.prefs.get(Key.DEVICE_NAME) == f"System audio — {headset}"


def test_in_call_mode_the_system_audio_picker_names_the_new_default_output(
    make_app, qtbot, pulse_server: PulseServer, pulse_headset: str, outputs, heard
) -> None:
    speakers, headset = outputs
    app = make_app("--engine", "offline", "--call-mode", "--device", "test usb")
    watched(app, qtbot)
    picker = app.window.call_panel.pickers[SYSTEM]
    follow_to_the_headset(app, qtbot, pulse_server, picker, speakers, headset, heard)
    assert picker.currentData().monitor == f"{headset}.monitor"
    assert app.prefs.get(Key.CALL_SYSTEM_SOURCE) == f"System audio — {headset}"


def test_system_audio_back_after_its_recording_was_dropped_still_follows_the_default(
    make_app, qtbot, pulse_server: PulseServer, outputs, heard
) -> None:
    """The sound server drops the app's recording mid-run (a mixer, a server hiccup):
    the run waits and records again, from a new stream. Before, the picker stopped
    following the default output from then on: it named the speakers while the
    captions came from the headset."""
    speakers, headset = outputs
    app = make_app("--engine", "offline")
    watched(app, qtbot)
    picker = app.window.input_combo
    pick_monitor(picker, f"{speakers}.monitor")
    app.start_captioning()
    qtbot.waitUntil(lambda: "Listening" in app.window.status_text(), timeout=LISTENING_MS)
    # Every status said, not only the one shown when looked at: the monitor is still
    # there, so "lost" may last only as long as one reopening (a few ms).
    seen: list[str] = []
    app.controller.statusChanged.connect(lambda text, _error: seen.append(text))

    assert pulse_server.drop_recordings() >= 1
    # PulseAudio ends the stream; PipeWire stops feeding it, a stall the app notices in 3 s.
    qtbot.waitUntil(lambda: any("system audio lost" in text for text in seen), timeout=WAIT_MS)
    lost = next(i for i, text in enumerate(seen) if "system audio lost" in text)
    qtbot.waitUntil(
        lambda: any(t.startswith("Listening") and "lost" not in t for t in seen[lost:]),
        timeout=WAIT_MS,
    )
    assert app.controller.running

    pulse_server.set_default_sink(headset)
    followed = f"System audio — {headset} — default"
    qtbot.waitUntil(lambda: picker.currentText() == followed, timeout=WAIT_MS)
    assert heard == [
        (
            f"Following the new default output: “{headset}”.",
            QAccessible.AnnouncementPoliteness.Polite,
        )
    ]
    app.controller.stop()
    qtbot.waitUntil(lambda: not app.controller.running, timeout=WAIT_MS)
