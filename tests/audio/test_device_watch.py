"""Real PulseAudio: the app hears of devices plugged in and out, and of a new default.

Before, the input picker kept the devices it found at launch: a USB headset
plugged in later was not there until the user found the ⟳ button, and one
unplugged stayed listed.  The watch is told by the sound server itself.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from captioner.audio import pulse_lib
from captioner.audio.device_watch import DeviceWatch, matters
from tests.pulse import PulseServer

pytestmark = [pytest.mark.pulse]

WAIT_S = 10.0


class Calls:
    """``on_change`` for a watch: counts calls, each tagged with what the test was doing."""

    def __init__(self) -> None:
        self.phase = "start"
        self.phases: list[str] = []
        self.came = threading.Event()

    def __call__(self) -> None:
        self.phases.append(self.phase)
        self.came.set()

    def expect(self, phase: str) -> None:
        self.came.clear()
        self.phase = phase

    def wait(self) -> bool:
        return self.came.wait(WAIT_S)


@pytest.fixture
def watched(pulse_server: PulseServer) -> Iterator[Calls]:
    if not pulse_lib.available():
        pytest.skip("libpulse is not installed")
    calls = Calls()
    watch = DeviceWatch(calls)
    watch.start()
    try:
        assert watch.watching.wait(WAIT_S), "the watch never subscribed to the sound server"
        yield calls
    finally:
        watch.close()


def test_a_device_plugged_in_then_out_is_reported(
    watched: Calls, pulse_server: PulseServer
) -> None:
    watched.expect("plugged in")
    headset = pulse_server.create_sink()
    try:
        assert watched.wait(), "a new output (and its monitor) was never reported"
    finally:
        watched.expect("unplugged")
        pulse_server.remove_sink(headset)
    assert watched.wait(), "an output removed was never reported"


def test_a_new_default_output_is_reported(watched: Calls, pulse_server: PulseServer) -> None:
    headphones = pulse_server.create_sink()
    try:
        assert watched.wait()
        watched.expect("default changed")
        pulse_server.set_default_sink(headphones)
        assert watched.wait(), "the desktop's new default output was never reported"
    finally:
        pulse_server.set_default_sink(pulse_server.sink)
        pulse_server.remove_sink(headphones)


def test_volume_changes_are_not_device_changes(watched: Calls, pulse_server: PulseServer) -> None:
    """Each volume key press changes a sink: re-scanning for it would be pure waste."""
    watched.expect("volume")
    for percent in ("40%", "60%", "80%", "100%"):
        pulse_server.pactl("set-sink-volume", pulse_server.sink, percent)
        pulse_server.pactl("set-source-mute", pulse_server.monitor, "toggle")
    pulse_server.pactl("set-source-mute", pulse_server.monitor, "0")
    watched.expect("plugged in")  # a real change after them: its report comes after theirs
    headset = pulse_server.create_sink()
    try:
        assert watched.wait()
    finally:
        pulse_server.remove_sink(headset)
    assert "volume" not in watched.phases, watched.phases


def test_without_a_sound_server_the_watch_just_ends(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path}/no-such-server")
    calls = Calls()
    watch = DeviceWatch(calls)
    watch.start()
    assert watch._thread is not None
    watch._thread.join(WAIT_S)  # by itself: no server, nothing to wait for
    assert not watch._thread.is_alive()
    assert calls.phases == []
    watch.close()


def test_which_events_matter() -> None:
    sink, source, server = 0x0000, 0x0001, 0x0007
    new, change, remove = 0x0000, 0x0010, 0x0020
    assert matters(sink | new) and matters(source | remove) and matters(server | change)
    assert not matters(sink | change) and not matters(source | change)
    assert not matters(0x0002 | new)  # a sink input (a stream being played): not a device
