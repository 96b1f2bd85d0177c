"""One scan of every input: microphones by their real names, system audio, and --device."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest

from captioner.audio.errors import AudioError
from captioner.audio.inventory import find_input, format_inventory, scan_inputs
from captioner.audio.system import SystemAudioDevice
from tests.audio.fake_sd import FakeSoundDevice, device

SOURCES = [
    {
        "name": "alsa_output.pci-0000_00_1f.3.analog-stereo.monitor",
        "description": "Monitor of Built-in Audio Analog Stereo",
        "monitor_source": "alsa_output.pci-0000_00_1f.3.analog-stereo",
    },
    {
        "name": "alsa_input.pci-0000_00_1f.3.analog-stereo",
        "description": "Built-in Audio Analog Stereo",
        "monitor_source": "n/a",
    },
    {
        "name": "alsa_input.usb-Logitech_USB_Headset-00.mono-fallback",
        "description": "USB Headset",
        "monitor_source": "n/a",
    },
    {
        "name": "bluez_output.AA_BB.1.monitor",
        "description": "Monitor of WH-1000XM4",
        "monitor_source": "bluez_output.AA_BB.1",
    },
]
INFO = (
    "Server Name: PulseAudio (on PipeWire 1.0.5)\n"
    "Default Sink: alsa_output.pci-0000_00_1f.3.analog-stereo\n"
    "Default Source: alsa_input.usb-Logitech_USB_Headset-00.mono-fallback\n"
)


def pactl(outputs: dict[tuple[str, ...], str]):
    calls: list[tuple[str, ...]] = []

    def run(args: Sequence[str]) -> str | None:
        calls.append(tuple(args))
        return outputs.get(tuple(args))

    run.calls = calls  # type: ignore[attr-defined]
    return run


def portaudio() -> FakeSoundDevice:
    """What PortAudio shows on such a desktop: the card, and the sound server's two devices."""
    return FakeSoundDevice(
        devices=[
            device("HDA Intel PCH: ALC3246 Analog (hw:0,0)", inputs=2, rate=44100.0),
            device("pulse", inputs=32, rate=44100.0),
            device("default", inputs=32, rate=44100.0),
        ],
        default_input=2,
    )


@pytest.fixture
def sound_server():
    return pactl(
        {("pactl", "-f", "json", "list", "sources"): json.dumps(SOURCES), ("pactl", "info"): INFO}
    )


@pytest.fixture
def inventory(sound_server):
    return scan_inputs(sd=portaudio(), run=sound_server, platform="linux")


def test_microphones_are_named_by_the_sound_server_with_its_default_first(inventory) -> None:
    names = [d.name for d in inventory.devices]
    assert names[:2] == ["USB Headset", "Built-in Audio Analog Stereo"]
    headset = inventory.devices[0]
    assert headset.is_default and headset.label == "USB Headset — default"
    assert headset.pulse_source == "alsa_input.usb-Logitech_USB_Headset-00.mono-fallback"
    assert headset.index == 1  # recorded through PortAudio's "pulse" device
    # PortAudio's own devices are still there, but its "default" is no longer the default.
    assert "pulse" in names and "default" in names
    assert [d.name for d in inventory.devices if d.is_default] == ["USB Headset"]
    # Monitors are system audio, never microphones.
    assert not any("Monitor" in name for name in names)
    assert [s.name for s in inventory.systems] == [
        "System audio — Built-in Audio Analog Stereo",
        "System audio — WH-1000XM4",
    ]
    assert inventory.systems[0].is_default


def test_one_scan_asks_the_sound_server_twice(inventory, sound_server) -> None:
    """A slow pactl (a busy PipeWire) costs per call: sources and info, nothing more."""
    assert sound_server.calls == [("pactl", "-f", "json", "list", "sources"), ("pactl", "info")]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("usb", "USB Headset"),
        ("built-in audio analog stereo", "Built-in Audio Analog Stereo"),  # exact beats partial
        ("System audio", "System audio — Built-in Audio Analog Stereo"),  # the default output
        ("wh-1000", "System audio — WH-1000XM4"),
        ("0", "HDA Intel PCH: ALC3246 Analog (hw:0,0)"),
        ("pulse", "pulse"),
    ],
)
def test_device_accepts_part_of_any_name_in_any_case(inventory, spec: str, expected: str) -> None:
    assert find_input(spec, inventory).name == expected


def test_device_that_names_nothing_or_too_much_says_what_exists(inventory) -> None:
    with pytest.raises(AudioError) as nothing:
        find_input("Blue Yeti", inventory)
    assert "USB Headset" in str(nothing.value) and "System audio — WH-1000XM4" in str(nothing.value)
    with pytest.raises(AudioError, match="more than one"):
        find_input("a", inventory)


def test_list_devices_text_names_microphones_system_audio_and_portaudio(inventory) -> None:
    text = format_inventory(inventory)
    assert "* USB Headset" in text
    assert "  Built-in Audio Analog Stereo" in text
    assert "* System audio — Built-in Audio Analog Stereo" in text
    assert '--device "System audio"' in text
    assert "0  HDA Intel PCH: ALC3246 Analog (hw:0,0)  (ALSA), 2 ch, 44100 Hz" in text


def test_without_the_alsa_pulse_device_named_sources_are_not_offered() -> None:
    """They are recorded through it: listing what cannot open would only disappoint."""
    sd = FakeSoundDevice(devices=[device("hw:0,0")], default_input=0)
    run = pactl(
        {("pactl", "-f", "json", "list", "sources"): json.dumps(SOURCES), ("pactl", "info"): INFO}
    )
    found = scan_inputs(sd=sd, run=run, platform="linux")
    assert [d.name for d in found.devices] == ["hw:0,0"]
    assert found.devices[0].is_default
    assert len(found.systems) == 2


def test_a_broken_portaudio_and_no_pactl_are_problems_in_words_not_exceptions() -> None:
    sd = FakeSoundDevice(query_error="PortAudio not initialized")
    found = scan_inputs(sd=sd, run=pactl({}), platform="linux")
    assert found.devices == [] and found.systems == []
    assert found.problems and "Cannot list audio devices" in found.problems[0]
    assert "No audio inputs found." in format_inventory(found)


def test_windows_offers_loopback_inputs_as_system_audio() -> None:
    sd = FakeSoundDevice(
        devices=[device("Microphone (Realtek)"), device("Speakers (Realtek) [Loopback]")],
        hostapis=[{"name": "Windows WASAPI"}],
        default_input=0,
    )
    found = scan_inputs(sd=sd, run=pactl({}), platform="win32")
    assert isinstance(find_input("system audio", found), SystemAudioDevice)
    assert find_input("system audio", found).name == "System audio — Speakers (Realtek)"
