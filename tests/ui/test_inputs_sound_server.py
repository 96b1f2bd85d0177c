"""The picker on a desktop whose sound server lists every input (issue 14).

The sound server's sources are offered without initialising PortAudio; a pick
only PortAudio knows (an ALSA card chosen by a user of an earlier version, or
``--device 0``) is still found and selected, because the scan is told what
is wanted.
"""

from __future__ import annotations

import json
import sys

import pytest
from PySide6.QtCore import QSettings

from captioner.audio import inventory, pulse_sources
from captioner.core.settings import Key, Settings
from tests.audio import test_inventory_server_only
from tests.audio.fake_sd import FakeSoundDevice
from tests.audio.test_inventory import INFO, SOURCES, pactl

# The fixture: libpulse is there, PortAudio (if loaded) is the desktop's fake one.
portaudio_asked = test_inventory_server_only.portaudio_asked
CARD = "HDA Intel PCH: ALC3246 Analog (hw:0,0)"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a Linux desktop")


@pytest.fixture
def desktop(portaudio_asked, monkeypatch: pytest.MonkeyPatch) -> list[FakeSoundDevice]:
    """PipeWire with a headset and a built-in microphone; PortAudio if anyone loads it."""
    server = pactl(
        {("pactl", "-f", "json", "list", "sources"): json.dumps(SOURCES), ("pactl", "info"): INFO}
    )
    monkeypatch.setattr(inventory, "read_pulse", lambda _run: pulse_sources.read_pulse(server))
    return portaudio_asked


def texts(app) -> list[str]:
    combo = app.window.input_combo
    return [combo.itemText(i) for i in range(combo.count())]


def test_the_sound_servers_inputs_are_offered_without_portaudio(make_app, desktop) -> None:
    app = make_app()
    assert texts(app) == [
        "USB Headset — default",
        "Built-in Audio Analog Stereo",
        "System audio — Built-in Audio Analog Stereo — default",
        "System audio — WH-1000XM4",
    ]
    assert app.window.selected_input().label == "USB Headset — default"
    app.inputs.rescan()  # ⟳ looks again, still without PortAudio
    assert desktop == []


def test_a_remembered_card_only_portaudio_lists_is_still_chosen(
    make_app, desktop, tmp_path
) -> None:
    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    Settings(store).set(Key.DEVICE_NAME, CARD)  # picked with an earlier version
    store.sync()
    app = make_app()
    assert app.window.selected_input().device.name == CARD
    assert len(desktop) == 1


def test_device_by_number_is_a_portaudio_device(make_app, desktop) -> None:
    app = make_app("--device", "0")
    assert app.window.selected_input().device.name == CARD
    assert len(desktop) == 1


def launched_remembering(make_app, tmp_path, name: str):
    """The app launched with ``name`` remembered as the input picked last time."""
    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    Settings(store).set(Key.DEVICE_NAME, name)
    store.sync()
    return make_app()


def test_a_remembered_input_that_is_not_connected_is_said_with_what_is_used_instead(
    make_app, desktop, tmp_path
) -> None:
    # The headset was left at the office: captioning another microphone without a word
    # (with --start, at once) is what a user must not have to find out from the captions.
    app = launched_remembering(make_app, tmp_path, "Jabra Evolve2 65")
    assert app.window.selected_input().label == "USB Headset — default"
    assert app.window.status_text() == (
        "“Jabra Evolve2 65” is not connected: using USB Headset — default."
    )
    # A run's states ("Connecting…", "Listening", at once with --start) go on saying it…
    assert app.controller.status_note == "“Jabra Evolve2 65” not connected"
    app.window.input_combo.setCurrentIndex(1)  # …until the user picks an input
    assert app.controller.status_note == ""


def test_a_remembered_input_that_is_there_is_chosen_without_a_word(
    make_app, desktop, tmp_path
) -> None:
    app = launched_remembering(make_app, tmp_path, "Built-in Audio Analog Stereo")
    assert app.window.selected_input().label == "Built-in Audio Analog Stereo"
    assert "not connected" not in app.window.status_text()
