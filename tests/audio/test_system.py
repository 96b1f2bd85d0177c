"""System-audio sources: pactl parsing, loopback inputs, and a real PulseAudio daemon."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence

import pytest

from captioner.audio.devices import InputDevice
from captioner.audio.pulse_sources import parse_sources_text
from captioner.audio.system import (
    LINUX_HELP,
    MACOS_HELP_URL,
    SYSTEM_AUDIO_PREFIX,
    PulseMonitorSource,
    default_system_source,
    help_text,
    help_url,
    list_loopback_inputs,
    list_system_sources,
)
from tests.pulse import PulseServer, play_wav

SOURCES_JSON = json.dumps(
    [
        {
            "index": 0,
            "name": "alsa_output.pci-0000_00_1f.3.analog-stereo.monitor",
            "description": "Monitor of Built-in Audio Analog Stereo",
            "monitor_source": "alsa_output.pci-0000_00_1f.3.analog-stereo",
            "properties": {"device.class": "monitor"},
        },
        {
            "index": 1,
            "name": "alsa_input.pci-0000_00_1f.3.analog-stereo",
            "description": "Built-in Audio Analog Stereo",
            "monitor_source": "n/a",
            "properties": {"device.class": "sound"},
        },
        {
            "index": 2,
            "name": "bluez_output.AA_BB.1.monitor",
            "description": "Monitor of WH-1000XM4",
            "monitor_source": "bluez_output.AA_BB.1",
            "properties": {"device.class": "monitor"},
        },
    ]
)
SINKS_JSON = json.dumps(
    [
        {
            "name": "alsa_output.pci-0000_00_1f.3.analog-stereo",
            "description": "Built-in Audio Analog Stereo",
        },
        {"name": "bluez_output.AA_BB.1", "description": "WH-1000XM4"},
    ]
)
SOURCES_TEXT = """Source #0
\tState: SUSPENDED
\tName: alsa_output.pci-0000_00_1f.3.analog-stereo.monitor
\tDescription: Monitor of Built-in Audio Analog Stereo
\tDriver: module-alsa-card.c
\tMonitor of Sink: alsa_output.pci-0000_00_1f.3.analog-stereo
\tProperties:
\t\tdevice.description = "Monitor of Built-in Audio Analog Stereo"
\t\tdevice.class = "monitor"

Source #1
\tState: RUNNING
\tName: alsa_input.pci-0000_00_1f.3.analog-stereo
\tDescription: Built-in Audio Analog Stereo
\tMonitor of Sink: n/a
\tProperties:
\t\tdevice.class = "sound"
"""
SINKS_TEXT = """Sink #0
\tName: alsa_output.pci-0000_00_1f.3.analog-stereo
\tDescription: Built-in Audio Analog Stereo
"""


def runner(outputs: dict[tuple[str, ...], str | None]):
    calls: list[tuple[str, ...]] = []

    def run(args: Sequence[str]) -> str | None:
        calls.append(tuple(args))
        return outputs.get(tuple(args))

    run.calls = calls  # type: ignore[attr-defined]
    return run


def test_pactl_json_lists_every_monitor_named_after_its_output_with_the_default_first() -> None:
    run = runner(
        {
            ("pactl", "-f", "json", "list", "sources"): SOURCES_JSON,
            ("pactl", "-f", "json", "list", "sinks"): SINKS_JSON,
            ("pactl", "info"): "Server Name: PulseAudio (on PipeWire 1.0.5)\n"
            "Default Sink: bluez_output.AA_BB.1\n"
            "Default Source: alsa_input.pci-0000_00_1f.3.analog-stereo\n",
        }
    )
    found = list_system_sources(platform="linux", run=run)
    assert [d.name for d in found] == [
        "System audio — WH-1000XM4",
        "System audio — Built-in Audio Analog Stereo",
    ]
    assert [d.is_default for d in found] == [True, False]
    assert found[0].monitor == "bluez_output.AA_BB.1.monitor"
    assert found[0].label == "System audio — WH-1000XM4 — default"
    assert default_system_source(found) is found[0]
    assert isinstance(found[0].make_source(), PulseMonitorSource)


def test_pactl_text_output_is_parsed_when_json_is_unsupported() -> None:
    """pactl < 15 has neither -f json nor get-default-sink: text and `pactl info`."""
    run = runner(
        {
            ("pactl", "list", "sources"): SOURCES_TEXT,
            ("pactl", "list", "sinks"): SINKS_TEXT,
            ("pactl", "info"): "Server Name: pulseaudio\nDefault Sink: "
            "alsa_output.pci-0000_00_1f.3.analog-stereo\nDefault Source: x\n",
        }
    )
    found = list_system_sources(platform="linux", run=run)
    assert [(d.name, d.monitor, d.is_default) for d in found] == [
        (
            "System audio — Built-in Audio Analog Stereo",
            "alsa_output.pci-0000_00_1f.3.analog-stereo.monitor",
            True,
        )
    ]


def test_text_parser_ignores_non_monitors_and_nested_properties() -> None:
    sources = parse_sources_text(SOURCES_TEXT)
    assert [s.monitor_of_sink for s in sources] == [
        "alsa_output.pci-0000_00_1f.3.analog-stereo",
        None,
    ]


def test_without_a_sound_server_there_are_no_system_sources_and_the_help_says_why() -> None:
    assert list_system_sources(platform="linux", run=runner({})) == []
    assert "pipewire-pulse" in help_text("linux") and help_text("linux") == LINUX_HELP


def _device(index: int, name: str, api: str) -> InputDevice:
    return InputDevice(index, name, api, 2, 48000.0)


def test_windows_lists_wasapi_loopback_devices_and_stereo_mix_once() -> None:
    devices = [
        _device(0, "Microphone (Realtek Audio)", "MME"),
        _device(1, "Stereo Mix (Realtek Audio)", "MME"),
        _device(2, "Stereo Mix (Realtek Audio)", "Windows WASAPI"),
        _device(3, "Speakers (Realtek Audio) [Loopback]", "Windows WASAPI"),
    ]
    found = list_loopback_inputs(devices, "win32")
    assert [(d.name, d.device.index) for d in found] == [  # type: ignore[union-attr]
        ("System audio — Stereo Mix (Realtek Audio)", 2),
        ("System audio — Speakers (Realtek Audio)", 3),
    ]
    assert found[0].is_default
    assert found[1].make_source().name == "System audio — Speakers (Realtek Audio)"


def test_macos_offers_loopback_drivers_with_a_help_link() -> None:
    devices = [
        _device(0, "MacBook Pro Microphone", "Core Audio"),
        _device(1, "BlackHole 2ch", "Core Audio"),
    ]
    found = list_system_sources(platform="darwin", devices=devices)
    assert [d.name for d in found] == ["System audio — BlackHole 2ch"]
    assert help_url("darwin") == MACOS_HELP_URL and MACOS_HELP_URL in help_text("darwin")


@pytest.mark.pulse
@pytest.mark.sound_servers
def test_real_daemon_lists_both_null_sink_monitors_and_marks_the_default(
    pulse_server: PulseServer,
) -> None:
    first = pulse_server.create_sink()
    second = pulse_server.create_sink()
    try:
        pulse_server.pactl("set-default-sink", second)
        found = list_system_sources(platform="linux")
        by_monitor = {d.monitor: d for d in found}
        assert {f"{first}.monitor", f"{second}.monitor"} <= set(by_monitor)
        assert by_monitor[f"{second}.monitor"].is_default
        assert not by_monitor[f"{first}.monitor"].is_default
        assert by_monitor[f"{first}.monitor"].name == SYSTEM_AUDIO_PREFIX + first
        assert found[0].monitor == f"{second}.monitor"
    finally:
        pulse_server.pactl("set-default-sink", pulse_server.sink)
        pulse_server.remove_sink(first)
        pulse_server.remove_sink(second)


@pytest.mark.pulse
@pytest.mark.slow
@pytest.mark.sound_servers
def test_a_monitor_opens_through_the_pulse_device_and_leaves_the_environment_alone(
    pulse_server: PulseServer, pulse_sink: str
) -> None:
    from tests.audio.helpers import CLIP_0890

    before = os.environ.get("PULSE_SOURCE")
    entry = next(
        d for d in list_system_sources(platform="linux") if d.monitor == f"{pulse_sink}.monitor"
    )
    source = entry.make_source()
    source.open()
    try:
        assert os.environ.get("PULSE_SOURCE") == before
        player = play_wav(CLIP_0890, pulse_sink)
        loud = 0
        done = threading.Event()
        for _ in range(200):
            chunk = source.read(1.0)
            if chunk and source.level > 0.01:
                loud += 1
            if loud >= 10:
                done.set()
                break
        player.communicate(timeout=30)
        assert done.is_set(), "the monitor never heard the clip"
    finally:
        source.close()


def test_two_identical_headsets_are_told_apart_the_same_way_at_every_scan() -> None:
    # Two "Jabra EVOLVE 20" (a pair bought together) showed as two entries of the same
    # name, and a pick is remembered by name: the second could never be picked again.
    from captioner.audio.inventory import named_pulse_inputs
    from captioner.audio.pulse_sources import read_pulse
    from captioner.audio.system import pulse_monitors

    def source(name: str, description: str, monitor: str = "n/a") -> dict:
        return {"name": name, "description": description, "monitor_source": monitor}

    jabra = "Jabra EVOLVE 20 Mono"
    listed = [
        source("alsa_input.usb-Jabra_B-00.mono", jabra),
        source("alsa_output.usb-Jabra_B-00.monitor", "Monitor of " + jabra, "alsa_output.B"),
        source("alsa_input.usb-Jabra_A-00.mono", jabra),
        source("alsa_output.usb-Jabra_A-00.monitor", "Monitor of " + jabra, "alsa_output.A"),
    ]
    seen = []
    for order in (listed, listed[::-1]):  # the server may list them in any order
        snapshot = read_pulse(
            runner({("pactl", "-f", "json", "list", "sources"): json.dumps(order)})
        )
        assert snapshot is not None
        mics = {d.pulse_source: d.name for d in named_pulse_inputs(snapshot)}
        outputs = {d.monitor: d.name for d in pulse_monitors(snapshot)}
        seen.append((mics, outputs))
    assert seen[0] == seen[1]
    mics, outputs = seen[0]
    assert mics == {
        "alsa_input.usb-Jabra_A-00.mono": jabra,
        "alsa_input.usb-Jabra_B-00.mono": jabra + " (2)",
    }
    assert outputs == {
        "alsa_output.usb-Jabra_A-00.monitor": SYSTEM_AUDIO_PREFIX + jabra,
        "alsa_output.usb-Jabra_B-00.monitor": SYSTEM_AUDIO_PREFIX + jabra + " (2)",
    }
