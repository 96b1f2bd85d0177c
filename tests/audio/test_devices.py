"""Device listing and lookup, against a fake sounddevice module."""

from __future__ import annotations

import pytest

from captioner.audio.devices import (
    InputDevice,
    find_device,
    list_input_devices,
)
from captioner.audio.errors import AudioError
from tests.audio.fake_sd import FakeSoundDevice, device


@pytest.fixture
def sd() -> FakeSoundDevice:
    return FakeSoundDevice(
        devices=[
            device("HDA Intel PCH: ALC3246 Analog (hw:0,0)", inputs=2, outputs=2),
            device("HDMI 0", inputs=0, outputs=8),
            device("USB Headset Mic", inputs=1, rate=44100.0, hostapi=1),
            device("pulse", inputs=32, outputs=32, rate=44100.0),
            device("pulse monitor", inputs=2),
            device("default", inputs=32, outputs=32, rate=44100.0),
        ],
        hostapis=[{"name": "ALSA"}, {"name": "JACK Audio Connection Kit"}],
        default_input=5,
    )


def test_lists_only_inputs_and_marks_the_default(sd: FakeSoundDevice) -> None:
    devices = list_input_devices(sd)
    assert [d.index for d in devices] == [0, 2, 3, 4, 5]
    usb = devices[1]
    assert usb == InputDevice(
        index=2,
        name="USB Headset Mic",
        host_api="JACK Audio Connection Kit",
        max_input_channels=1,
        default_samplerate=44100.0,
        is_default=False,
    )
    assert [d.name for d in devices if d.is_default] == ["default"]
    assert devices[-1].label == "default (ALSA) — default"
    assert usb.label == "USB Headset Mic (JACK Audio Connection Kit)"


def test_default_falls_back_to_query_by_kind(sd: FakeSoundDevice) -> None:
    sd.default.device = [-1, -1]
    sd.default_input = 2
    assert [d.index for d in list_input_devices(sd) if d.is_default] == [2]


def test_no_default_input_is_fine(sd: FakeSoundDevice) -> None:
    sd.default.device = [-1, -1]
    sd.default_input = -1
    assert not any(d.is_default for d in list_input_devices(sd))


def test_portaudio_failure_becomes_a_plain_audio_error() -> None:
    sd = FakeSoundDevice(query_error="Error querying device -1")
    with pytest.raises(AudioError, match=r"^Cannot list audio devices: Error querying device -1"):
        list_input_devices(sd)


@pytest.mark.parametrize(
    ("spec", "index"),
    [
        (2, 2),
        ("3", 3),
        (" 0 ", 0),
        ("usb", 2),
        ("HEADSET", 2),
        ("pulse", 3),  # exact name beats the substring match "pulse monitor"
        ("PULSE MONITOR", 4),
        ("alc3246", 0),
    ],
)
def test_find_device(sd: FakeSoundDevice, spec: str | int, index: int) -> None:
    assert find_device(spec, list_input_devices(sd)).index == index


def test_unknown_index_lists_devices(sd: FakeSoundDevice) -> None:
    with pytest.raises(AudioError) as excinfo:
        find_device(1, list_input_devices(sd))  # HDMI: an output, not an input
    message = str(excinfo.value)
    assert "no audio input device number 1" in message
    assert "2: USB Headset Mic" in message and "3: pulse" in message


def test_unknown_name_lists_devices(sd: FakeSoundDevice) -> None:
    with pytest.raises(AudioError) as excinfo:
        find_device("Blue Yeti", list_input_devices(sd))
    message = str(excinfo.value)
    assert message.startswith("No audio input device matches “Blue Yeti”.")
    assert "Available input devices: 0: HDA Intel" in message


def test_ambiguous_name_lists_the_candidates(sd: FakeSoundDevice) -> None:
    with pytest.raises(AudioError) as excinfo:
        find_device("u", list_input_devices(sd))
    message = str(excinfo.value)
    assert "matches more than one" in message
    assert "2: USB Headset Mic" in message and "4: pulse monitor" in message


def test_empty_spec_and_empty_list() -> None:
    with pytest.raises(AudioError, match="No audio input devices are available"):
        find_device("mic", [])
    with pytest.raises(AudioError, match="No audio input device was named"):
        find_device("  ", [])
