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
from captioner.audio.pulse_record import PulseRecordStream
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


def dropped_mid_run(app, qtbot, pulse_server: PulseServer, speakers: str) -> list[str]:
    """A run on the speakers' "— default" whose recording the server ends once audio has
    come (a mixer's "kill", a server hiccup); every status said from then on (one may
    last only as long as a reopening: a few ms)."""
    watched(app, qtbot)
    pick_monitor(app.window.input_combo, f"{speakers}.monitor")
    app.start_captioning()
    qtbot.waitUntil(lambda: "Listening" in app.window.status_text(), timeout=LISTENING_MS)
    qtbot.wait(1000)  # a monitor gives audio (silence at least) from the start
    seen: list[str] = []
    app.controller.statusChanged.connect(lambda text, _error: seen.append(text))
    assert pulse_server.drop_recordings() >= 1
    return seen


def still_follows(app, qtbot, pulse_server: PulseServer, headset: str, heard) -> None:
    assert app.controller.running
    picker = app.window.input_combo
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


def test_a_recording_the_server_ends_mid_run_goes_on_unsaid_and_still_follows(
    make_app, qtbot, pulse_server: PulseServer, outputs, heard
) -> None:
    """The output is still there and still the default: its monitor is recorded again at
    once.  Before, the app noticed only when no audio had come for 3 s, then said "system
    audio lost" for as long as opening the same monitor again took."""
    speakers, headset = outputs
    app = make_app("--engine", "offline")
    seen = dropped_mid_run(app, qtbot, pulse_server, speakers)
    qtbot.wait(4000)  # past the stall check's 3 s
    assert not any("lost" in text for text in seen), seen
    assert "Listening" in app.window.status_text()
    still_follows(app, qtbot, pulse_server, headset, heard)


def test_system_audio_back_after_its_recording_was_dropped_still_follows_the_default(
    make_app, qtbot, pulse_server: PulseServer, outputs, heard, monkeypatch
) -> None:
    """A recording that cannot be made again at once (a new stream the server ends before
    it gives audio, as when its output is going) is lost, waited for, and opened again:
    the run records from a new source.  Before, the picker stopped following the default
    output from then on: it named the speakers while the captions came from the headset."""
    monkeypatch.setattr(PulseRecordStream, "_record_again", lambda _stream, _source: None)
    speakers, headset = outputs
    app = make_app("--engine", "offline")
    seen = dropped_mid_run(app, qtbot, pulse_server, speakers)
    # Not recorded again: no audio comes, a stall the app notices in 3 s.
    qtbot.waitUntil(lambda: any("system audio lost" in text for text in seen), timeout=WAIT_MS)
    lost = next(i for i, text in enumerate(seen) if "system audio lost" in text)
    qtbot.waitUntil(
        lambda: any(t.startswith("Listening") and "lost" not in t for t in seen[lost:]),
        timeout=WAIT_MS,
    )
    still_follows(app, qtbot, pulse_server, headset, heard)
