"""A PortAudio device that goes away mid-run (Windows, macOS, raw ALSA) is found again.

Before, only what the sound server records by name came back; a USB headset
on Windows that dropped for a moment ended the run, even once it was back.
PortAudio lists devices once, so finding it means listing them again
(Pa_Terminate + Pa_Initialize), which frees every open stream: the fake below
records any stream still open when that happens.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from captioner.audio.call_revive import SideReviver
from captioner.audio.devices import InputDevice, list_input_devices, rescan
from captioner.audio.errors import AudioError
from captioner.audio.found_again import find_again, portaudio_device, rescanning_opener
from captioner.audio.returning_capture import ReturningCapture, live_capture
from captioner.audio.sides import MIC
from captioner.audio.source import DeviceSource
from captioner.audio.system import SystemAudioDevice
from tests.audio.fake_sd import FakeSoundDevice, Scenario, device
from tests.audio.test_call_revive import FakeWatch
from tests.audio.test_call_sources import tone
from tests.audio.test_pulse_unplugged import live_call

HEADSET = device("USB Headset", inputs=1, rate=16000.0)
OTHER = device("Built-in Microphone", inputs=1, rate=16000.0)


@dataclass
class ReplugSoundDevice(FakeSoundDevice):
    """A fake PortAudio that can be listed again, and says what re-listing freed."""

    plugged_next: list[dict[str, Any]] | None = None  # what the next Pa_Initialize finds
    relisted: int = 0
    freed_open: list[int] = field(default_factory=list)  # devices of streams freed while open

    def _terminate(self) -> None:
        self.freed_open += [s.device for s in self.streams if not s.closed]

    def _initialize(self) -> None:
        self.relisted += 1
        if self.plugged_next is not None:
            self.devices, self.plugged_next = self.plugged_next, None


def named(sd: FakeSoundDevice, name: str) -> InputDevice:
    return next(d for d in list_input_devices(sd) if d.name == name)


def started_capture(
    device: InputDevice, make: Callable[[InputDevice], Any], sd: Any = None
) -> tuple[ReturningCapture, list[str]]:
    """A one-source run's capture of ``device``, started, and what it says (lost, back)."""
    said: list[str] = []
    capture = live_capture(device, make, sd=sd)
    assert isinstance(capture, ReturningCapture)
    capture.watch(
        on_source_lost=lambda _side, text: said.append(text),
        on_source_back=lambda _side, text: said.append(text),
    )
    return capture, said


def read_for(capture: Any, seconds: float) -> list[bytes]:
    got: list[bytes] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        chunk = capture.read(0.05)
        assert chunk != b"", "the run ended"
        if chunk:
            got.append(chunk)
    return got


def test_a_headset_back_under_another_number_is_captioned_again_in_the_same_run() -> None:
    # Plugged in, then pulled out after 10 blocks; while out, PortAudio lists only the other mic.
    sd = ReplugSoundDevice(
        devices=[OTHER, HEADSET], native=True, scenario=Scenario(blocks=10, interval=0.05)
    )
    capture, said = started_capture(
        named(sd, "USB Headset"), lambda d: DeviceSource(d, sd=sd), sd=sd
    )
    try:
        capture.open()
        sd.plugged_next = [OTHER]  # unplugged: the first try after the loss finds nothing
        read_for(capture, 1.2)
        assert len(said) == 1 and said[0].startswith("Waiting up to 2 minutes for “USB Headset”")
        assert sd.relisted >= 1  # looked for, not there
        sd.scenario = Scenario(interval=0.05)  # plugged back, first in the list this time
        sd.plugged_next = [HEADSET, OTHER]
        deadline = time.monotonic() + 10
        while len(said) < 2 and time.monotonic() < deadline:  # the reviver tries every 3 s
            read_for(capture, 0.2)
        assert said[1:] == ["“USB Headset” is back: captioning it again."]
        assert any(c != bytes(len(c)) for c in read_for(capture, 0.5)), "no sound after it"
        assert sd.streams[-1].device == 0 and not sd.streams[-1].closed  # its new number
        assert sd.freed_open == [], "devices were listed again with a stream open"
    finally:
        capture.close()
    assert all(s.closed for s in sd.streams)


def test_devices_are_not_listed_again_while_a_stream_is_open() -> None:
    """Pa_Terminate would free the open stream under its owner (a crash at its close)."""
    sd = ReplugSoundDevice(devices=[HEADSET], native=True, scenario=Scenario(interval=0.05))
    source = DeviceSource(named(sd, "USB Headset"), sd=sd)
    source.open()
    try:
        assert rescan(sd) is False and sd.relisted == 0
    finally:
        source.close()
    assert rescan(sd) is True and sd.relisted == 1 and sd.freed_open == []


def test_a_device_that_fails_to_start_is_not_counted_open() -> None:
    sd = ReplugSoundDevice(devices=[HEADSET], native=True, start_error="Device unavailable")
    with pytest.raises(AudioError):
        DeviceSource(named(sd, "USB Headset"), sd=sd).open()
    assert rescan(sd) is True


def test_found_again_by_name_and_host_api_preferring_its_old_number() -> None:
    sd = FakeSoundDevice(
        devices=[device("Mic"), device("Mic", hostapi=1), device("Mic", hostapi=1)],
        hostapis=[{"name": "MME"}, {"name": "Windows WASAPI"}],
    )
    listed = list_input_devices(sd)
    assert find_again(listed[2], listed).index == 2  # two identical: the same one
    assert find_again(listed[2], listed[:2]).index == 1  # its number gone: the other one
    with pytest.raises(AudioError, match="not connected now"):
        find_again(listed[1], listed[:1])  # same name, another host API: not it


def test_windows_loopback_system_audio_is_found_again_too() -> None:
    sd = ReplugSoundDevice(devices=[device("Speakers [Loopback]")])
    loopback = list_input_devices(sd)[0]
    system = SystemAudioDevice("System audio — Speakers", "Speakers", "wasapi", device=loopback)
    sd.plugged_next = [OTHER, device("Speakers [Loopback]")]  # back, under another number
    opener = rescanning_opener(system, lambda item: item.make_source(sd=sd), sd=sd)
    assert opener is not None
    source = opener()
    assert sd.relisted == 1
    source.open()
    try:
        assert sd.streams[-1].device == 1 and source.name == "System audio — Speakers"
    finally:
        source.close()


def test_what_the_sound_server_records_by_name_is_not_relisted() -> None:
    monitor = SystemAudioDevice("System audio — Speakers", "Speakers", "pulse", monitor="s.monitor")
    named_source = InputDevice(-1, "USB Headset", "PulseAudio", 1, 16000.0, pulse_source="usb")
    assert portaudio_device(monitor) is None and portaudio_device(named_source) is None
    assert portaudio_device(InputDevice(3, "hw:1", "ALSA", 2, 48000.0)) is not None


def test_a_start_after_the_devices_were_listed_again_opens_the_device_picked() -> None:
    """The picker listed the headset as number 1; a reviver re-listed PortAudio's devices
    since (the headset came back first in the list): Start must not open number 1, now
    the built-in microphone."""
    sd = ReplugSoundDevice(devices=[OTHER, HEADSET], native=True, scenario=Scenario(interval=0.05))
    picked = named(sd, "USB Headset")
    sd.plugged_next = [HEADSET, OTHER]
    assert rescan(sd)
    source = DeviceSource(picked, sd=sd)
    source.open()
    try:
        assert sd.streams[-1].device == 0 and source.device.name == "USB Headset"
    finally:
        source.close()


def test_a_start_of_a_device_no_longer_listed_says_so_and_opens_no_other() -> None:
    """The headset was picked as number 1, then unplugged while a reviver re-listed the
    devices: number 1 is now another microphone.  Start says the headset is not there;
    before, it captioned that other microphone under the headset's name."""
    sd = ReplugSoundDevice(devices=[OTHER, HEADSET], native=True, scenario=Scenario(interval=0.05))
    picked = named(sd, "USB Headset")
    sd.plugged_next = [OTHER, device("Line In", inputs=1, rate=16000.0)]
    assert rescan(sd)
    with pytest.raises(AudioError, match="Cannot open “USB Headset”: it is not connected now"):
        DeviceSource(picked, sd=sd).open()
    assert sd.streams == []


class SoundServerSide:
    """System audio recorded with libpulse (Linux): audio every 50 ms, no PortAudio stream."""

    name = "System audio — Speakers"
    is_system_audio = True

    def open(self) -> None:
        pass

    def read(self, timeout: float) -> bytes:
        time.sleep(min(timeout, 0.05))
        return tone(5)

    def close(self) -> None:
        pass


@contextmanager
def headset_call(sd: ReplugSoundDevice, system: Any) -> Iterator[tuple[Any, SideReviver]]:
    """A call on the fake headset (lost after 2 s) beside ``system``, and its reviver
    (re-listing PortAudio's devices, a try every 0.2 s), told of losses."""
    sd.scenario = Scenario(blocks=40, interval=0.05)
    headset = named(sd, "USB Headset")
    opener = rescanning_opener(headset, lambda d: DeviceSource(d, sd=sd), sd)
    assert opener is not None
    with live_call(DeviceSource(headset, sd=sd), system) as call:
        reviver = SideReviver(
            call.sources, {MIC: opener}, retry_s=0.2, make_watch=FakeWatch, relisting={MIC}
        )
        call.sources.watch(on_source_lost=reviver.lost)
        try:
            yield call, reviver
        finally:
            reviver.close()


def test_a_portaudio_headset_beside_sound_server_system_audio_comes_back_mid_call() -> None:
    """Linux, a raw ALSA headset (PortAudio) in a call whose system audio libpulse records:
    the other side is no PortAudio stream, so the devices can be listed again."""
    sd = ReplugSoundDevice(devices=[OTHER, HEADSET], native=True)
    back = threading.Event()
    with headset_call(sd, SoundServerSide()) as (call, reviver):
        call.sources.watch(on_source_back=lambda _side, _text: back.set())
        sd.plugged_next = [OTHER]  # unplugged: the first look finds only the other mic
        began = time.monotonic()
        call.read_while(lambda: sd.relisted < 1 and time.monotonic() - began < 10)
        assert [side for side, _ in call.lost] == [MIC]
        assert "continues for the system audio only until it is back" in call.lost[0][1]
        assert not back.is_set()
        sd.scenario, sd.plugged_next = Scenario(interval=0.05), [HEADSET, OTHER]  # back
        call.read_while(lambda: not back.is_set() and time.monotonic() - began < 10)
        assert back.is_set(), f"not taken back ({reviver.attempts} tries)"
        call.you.clear()
        call.read_while(lambda: len(call.you) < 10)
        assert any(chunk != bytes(len(chunk)) for chunk in call.you), "nothing heard after"
    assert sd.streams[-1].device == 0  # found under its new number
    assert sd.freed_open == [], "devices were listed again with a stream open"


def test_a_portaudio_side_beside_another_portaudio_stream_is_not_promised_back() -> None:
    """Windows and macOS: both sides are PortAudio streams.  Listing the devices again
    would free the other side's stream, so the lost side is said lost until the next
    Start, and nothing is tried."""
    sd = ReplugSoundDevice(devices=[OTHER, HEADSET], native=True)
    mixer = FakeSoundDevice(devices=[device("Stereo Mix")], native=True)
    mixer.scenario = Scenario(interval=0.05)
    system = DeviceSource(list_input_devices(mixer)[0], sd=mixer)
    with headset_call(sd, system) as (call, reviver):
        began = time.monotonic()
        call.read_while(lambda: not call.lost and time.monotonic() - began < 10)
        assert [side for side, _ in call.lost] == [MIC]
        assert "until it is back" not in call.lost[0][1]
        call.read_while(lambda: time.monotonic() - began < 3)
        assert sd.relisted == 0 and reviver.attempts == 0
    assert sd.freed_open == [] and all(s.closed for s in mixer.streams)


def test_a_device_list_that_fails_does_not_call_the_device_unplugged() -> None:
    """PortAudio cannot list its devices now (a host API error): the picked device is
    opened by its number as before (its own open says what is wrong, if anything),
    not refused as unplugged."""
    sd = ReplugSoundDevice(devices=[HEADSET], native=True, scenario=Scenario(interval=0.05))
    picked = named(sd, "USB Headset")
    sd.query_error = "Unanticipated host error"
    source = DeviceSource(picked, sd=sd)
    source.open()
    try:
        assert sd.streams[-1].device == picked.index and not sd.streams[-1].closed
    finally:
        source.close()
