"""Where the sound server lists every input, PortAudio is left alone (issue 14: ~18 MB idle).

The inputs are the sound server's sources, recorded with libpulse;
PortAudio (and the ALSA plugins it loads) is asked only when something wanted
is not among them, and a source found this way still opens through PortAudio's
"pulse" device where libpulse cannot record it.
"""

from __future__ import annotations

import json

import pytest

from captioner.audio import inventory as inventory_module
from captioner.audio import pulse_record
from captioner.audio.devices import NOT_LISTED, InputDevice
from captioner.audio.errors import AudioError
from captioner.audio.inventory import find_input, scan_inputs
from captioner.audio.source import DeviceSource
from captioner.audio.system import SystemAudioDevice
from tests.audio.fake_sd import FakeSoundDevice, Scenario, device
from tests.audio.test_inventory import INFO, SOURCES, pactl, portaudio

MONITOR_DEFAULT_INFO = INFO.replace(
    "Default Source: alsa_input.usb-Logitech_USB_Headset-00.mono-fallback",
    "Default Source: bluez_output.AA_BB.1.monitor",
)


def server(info: str = INFO):
    return pactl(
        {("pactl", "-f", "json", "list", "sources"): json.dumps(SOURCES), ("pactl", "info"): info}
    )


@pytest.fixture
def portaudio_asked(monkeypatch: pytest.MonkeyPatch) -> list[FakeSoundDevice]:
    """libpulse is there; PortAudio, if loaded at all, is the desktop's fake one."""
    loaded: list[FakeSoundDevice] = []

    def load() -> FakeSoundDevice:
        loaded.append(portaudio())
        return loaded[-1]

    monkeypatch.setattr(pulse_record, "available", lambda: True)
    monkeypatch.setattr(inventory_module, "load_sounddevice", load)
    return loaded


def test_the_sound_servers_sources_are_the_whole_list_and_portaudio_is_not_loaded(
    portaudio_asked: list[FakeSoundDevice],
) -> None:
    found = scan_inputs(run=server(), platform="linux")
    assert portaudio_asked == []
    assert [d.name for d in found.devices] == ["USB Headset", "Built-in Audio Analog Stereo"]
    assert found.devices[0].is_default and found.devices[0].label == "USB Headset — default"
    assert all(d.index == NOT_LISTED and d.pulse_source for d in found.devices)
    assert [s.name for s in found.systems] == [
        "System audio — Built-in Audio Analog Stereo",
        "System audio — WH-1000XM4",
    ]
    assert not found.problems


@pytest.mark.parametrize(
    ("info", "expected"),
    [(INFO, "USB Headset"), (MONITOR_DEFAULT_INFO, "System audio — WH-1000XM4")],
)
def test_device_pulse_or_default_still_means_the_servers_default_source(
    portaudio_asked: list[FakeSoundDevice], info: str, expected: str
) -> None:
    """What PortAudio's "pulse" and "default" devices would have recorded."""
    found = scan_inputs(run=server(info), platform="linux", wanted=["pulse"])
    assert portaudio_asked == []
    assert find_input("pulse", found).name == expected
    assert find_input("Default", found).name == expected


@pytest.mark.parametrize("wanted", ["0", "HDA Intel", "hw:0,0"])
def test_a_wanted_input_only_portaudio_has_brings_portaudio_in(
    portaudio_asked: list[FakeSoundDevice], wanted: str
) -> None:
    found = scan_inputs(run=server(), platform="linux", wanted=["USB Headset", wanted])
    assert len(portaudio_asked) == 1
    assert find_input(wanted, found).name == "HDA Intel PCH: ALC3246 Analog (hw:0,0)"
    assert find_input("USB Headset", found).pulse_source  # type: ignore[union-attr]
    # With PortAudio listed, its own "pulse" device is what --device pulse means.
    assert find_input("pulse", found).name == "pulse"


def test_without_libpulse_or_a_sound_server_portaudio_is_asked(
    monkeypatch: pytest.MonkeyPatch, portaudio_asked: list[FakeSoundDevice]
) -> None:
    scan_inputs(run=pactl({}), platform="linux")
    assert len(portaudio_asked) == 1
    monkeypatch.setattr(pulse_record, "available", lambda: False)
    found = scan_inputs(run=server(), platform="linux")
    assert len(portaudio_asked) == 2
    headset = find_input("USB Headset", found)
    assert isinstance(headset, InputDevice) and headset.index == 1  # PortAudio's "pulse"


def test_list_devices_always_shows_portaudio_too(
    portaudio_asked: list[FakeSoundDevice],
) -> None:
    found = scan_inputs(run=server(), platform="linux", portaudio=True)
    assert len(portaudio_asked) == 1
    assert "HDA Intel PCH: ALC3246 Analog (hw:0,0)" in [d.name for d in found.devices]


def test_a_source_found_without_portaudio_opens_through_its_pulse_device_if_it_must() -> None:
    """libpulse missing at open time: PortAudio's "pulse" device, PULSE_SOURCE set."""
    headset = scan_inputs(run=server(), platform="linux", portaudio=False).devices[0]
    sd = portaudio()
    sd.scenario = Scenario(blocks=None)
    source = DeviceSource(headset, sd=sd)
    source.open()
    try:
        assert source.read(2.0) is not None
        assert sd.streams[0].device == 1  # "pulse"
        assert source.device.pulse_source == headset.pulse_source
    finally:
        source.close()


def test_no_way_to_record_the_sound_server_says_what_to_install() -> None:
    headset = scan_inputs(run=server(), platform="linux", portaudio=False).devices[0]
    source = DeviceSource(headset, sd=FakeSoundDevice(devices=[device("hw:0,0")]))
    with pytest.raises(AudioError, match=r"Cannot open “USB Headset”.*libpulse0"):
        source.open()


def test_system_audio_found_without_portaudio_is_a_monitor_choice(
    portaudio_asked: list[FakeSoundDevice],
) -> None:
    found = scan_inputs(run=server(), platform="linux")
    chosen = find_input("system audio", found)
    assert isinstance(chosen, SystemAudioDevice)
    assert chosen.monitor == "alsa_output.pci-0000_00_1f.3.analog-stereo.monitor"
