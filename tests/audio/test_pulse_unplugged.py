"""Real PulseAudio: a source unplugged mid-capture ends the capture, never moves it.

A movable recording stream (libpulse-simple's) was moved by the server to its
default source about 1.4 s after the picked one went away, under the 3 s
stall check: a USB headset unplugged went on being captioned from the laptop's
microphone, "System audio" captioned the user's own voice, and nothing said so.
Here the server has another microphone as its default, speech is played into
it from the moment of the removal, and the app's own stall limit is kept.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from captioner.audio.call import CallSources
from captioner.audio.call_frames import split_frame
from captioner.audio.devices import sound_server_input
from captioner.audio.early_capture import EarlyCapture
from captioner.audio.errors import AudioError
from captioner.audio.pulse_monitor import PulseMonitorSource
from captioner.audio.source import DeviceSource
from captioner.engines.base import AudioSource
from tests.audio.helpers import CLIP_0890
from tests.pulse import PulseServer, playing

pytestmark = [pytest.mark.pulse, pytest.mark.slow, pytest.mark.sound_servers]

# The app's own: a move (~1.4 s) came well inside it, so the stall check never saw one.
APP_STALL_SECONDS = 3.0


@pytest.fixture
def room(pulse_server: PulseServer) -> Iterator[str]:
    """A second microphone, made the server's default source (as a laptop's built-in one
    is); yields the sink it hears (what is played there, it hears); all undone after."""
    sink = pulse_server.create_sink()
    built_in = pulse_server.create_microphone("Built-in Microphone", hears=sink)
    pulse_server.set_default_source(built_in)
    try:
        yield sink
    finally:
        pulse_server.set_default_source(pulse_server.monitor)
        pulse_server.remove_sink(built_in)
        pulse_server.remove_sink(sink)


def unplug_while_capturing(
    source: Any, unplug: Callable[[], None], room: str
) -> tuple[AudioError | None, float, list[bytes]]:
    """Capture (chunks pushed, as the app has them), unplug, and speak into the room:
    the error read() raised (None: none within 10 s), when, and the chunks pushed after."""
    pushed: list[tuple[float, bytes]] = []
    source.push_to(lambda chunk: pushed.append((time.monotonic(), chunk)))
    source.open()
    error: AudioError | None = None
    try:
        deadline = time.monotonic() + 10
        while not pushed:
            assert time.monotonic() < deadline, "no audio from the picked source"
            source.read(0.1)
        with playing(CLIP_0890, room):
            unplugged = time.monotonic()
            unplug()
            try:
                while time.monotonic() - unplugged < 10:
                    source.read(0.5)
            except AudioError as exc:
                error = exc
            lost_after = time.monotonic() - unplugged
            time.sleep(2.0)  # whatever a stream moved meanwhile would still hand on
    finally:
        source.close()
    return error, lost_after, [chunk for at, chunk in pushed if at >= unplugged]


@dataclass
class LiveCall:
    """Call mode over two real captures: what each side was lost with, and heard."""

    sources: CallSources
    lost: list[tuple[str, str]] = field(default_factory=list)
    you: list[bytes] = field(default_factory=list)
    them: list[bytes] = field(default_factory=list)

    def read_while(self, going: Callable[[], bool]) -> None:
        """Read frames while ``going()``, each side's half kept in ``you`` / ``them``."""
        while going():
            if frame := self.sources.read(0.5):
                mic, system = split_frame(frame)
                self.you.append(mic)
                self.them.append(system)


@contextmanager
def live_call(mic: AudioSource, system: AudioSource) -> Iterator[LiveCall]:
    """Both captures started and opened as call mode does, and read for a first second
    (not kept); closed on the way out."""
    lost: list[tuple[str, str]] = []
    sources = CallSources(
        EarlyCapture(mic),
        EarlyCapture(system),
        on_source_lost=lambda side, message: lost.append((side, message)),
    )
    try:
        for side in (sources.source("mic"), sources.source("system")):
            side.start()
        sources.open()
        began = time.monotonic()
        while time.monotonic() - began < 1.0:
            sources.read(0.5)
        yield LiveCall(sources, lost)
    finally:
        sources.close()


def loudest(chunks: list[bytes]) -> float:
    if not chunks:
        return 0.0
    return float(np.max(np.abs(np.frombuffer(b"".join(chunks), "<i2")))) / 32768


def test_an_unplugged_microphone_is_a_lost_device_not_the_default_one(pulse_server, room):
    headset_out = pulse_server.create_sink()
    headset = pulse_server.create_microphone("USB Headset Microphone", hears=headset_out)
    source = DeviceSource(
        sound_server_input(headset, "USB Headset Microphone"), stall_seconds=APP_STALL_SECONDS
    )
    try:
        error, lost_after, after = unplug_while_capturing(
            source, lambda: pulse_server.remove_sink(headset), room
        )
    finally:
        pulse_server.remove_sink(headset)
        pulse_server.remove_sink(headset_out)
    heard = loudest(after)
    assert heard < 1e-3, f"the default microphone was captured (peak {heard:.2f})"
    assert error is not None, "no error: capture went on after the microphone was unplugged"
    assert str(error).startswith("Lost the audio device “USB Headset Microphone”")
    assert lost_after < APP_STALL_SECONDS  # the stream's end, not a stall, says so


def test_a_removed_output_is_a_lost_system_audio_not_the_default_microphone(pulse_server, room):
    headset_out = pulse_server.create_sink()
    source = PulseMonitorSource(
        f"{headset_out}.monitor", name="System audio — Headset", stall_seconds=APP_STALL_SECONDS
    )
    try:
        error, lost_after, after = unplug_while_capturing(
            source, lambda: pulse_server.remove_sink(headset_out), room
        )
    finally:
        pulse_server.remove_sink(headset_out)
    heard = loudest(after)
    assert heard < 1e-3, f"the default microphone was captured as system audio (peak {heard:.2f})"
    assert error is not None, "no error: capture went on after the output was removed"
    assert str(error).startswith("Lost the audio device “System audio — Headset”")
    assert lost_after < APP_STALL_SECONDS


def test_call_mode_stops_only_the_side_whose_output_was_removed(pulse_server, room):
    """The headset whose output is "Them" goes away while the user talks into the laptop's
    microphone ("You"): "Them" is said lost, and never becomes a copy of "You" (it did:
    correlation 1.0, every word the user said captioned twice)."""
    headset_out = pulse_server.create_sink()
    built_in = pulse_server.pactl("get-default-source").strip()
    try:
        with live_call(
            DeviceSource(sound_server_input(built_in, "Built-in Microphone")),
            PulseMonitorSource(f"{headset_out}.monitor", name="System audio — Headset"),
        ) as call:
            pulse_server.remove_sink(headset_out)
            with playing(CLIP_0890, room):  # the user speaks
                began = time.monotonic()
                call.read_while(lambda: time.monotonic() - began < 6)
    finally:
        pulse_server.remove_sink(headset_out)
    assert loudest(call.you) > 0.05, "the microphone side heard nothing"
    heard = loudest(call.them)
    assert heard < 1e-3, f"the microphone was captured as the other party (peak {heard:.2f})"
    assert [side for side, _ in call.lost] == ["system"]
    assert call.lost[0][1].startswith("Lost the audio device “System audio — Headset”")


def test_the_servers_default_follows_a_new_default_when_its_microphone_goes(pulse_server, room):
    """``--device pulse`` asks for whatever the server's default is: when the default
    microphone is unplugged, the stream goes on from the new default, no error."""
    built_in = pulse_server.pactl("get-default-source").strip()  # the room's (fixture)
    headset_out = pulse_server.create_sink()
    headset = pulse_server.create_microphone("USB Headset Microphone", hears=headset_out)
    pulse_server.set_default_source(headset)
    source = DeviceSource(sound_server_input("", "pulse"), stall_seconds=APP_STALL_SECONDS)

    def unplug() -> None:
        pulse_server.remove_sink(headset)
        pulse_server.set_default_source(built_in)

    try:
        error, _, after = unplug_while_capturing(source, unplug, room)
    finally:
        pulse_server.remove_sink(headset)
        pulse_server.remove_sink(headset_out)
    assert error is None, error
    assert loudest(after) > 0.05, "nothing heard from the new default microphone"


@pytest.mark.parametrize("asked", ["by name", "the server's default"])
def test_a_microphone_whose_recording_the_server_ends_goes_on_at_once(
    pulse_server, room, asked, caplog
):
    """A mixer's "kill", or a server hiccup, ends the recording of a microphone that is
    still there.  The stall check noticed it 3 s later, then the app's wait for a lost
    device opened it again: "lost", then "back" (said to screen readers too), for nothing.
    Unplugged, it is still lost at once (the tests above)."""
    headset_out = pulse_server.create_sink()
    headset = pulse_server.create_microphone("USB Headset Microphone", hears=headset_out)
    pulse_server.set_default_source(headset)
    named = asked == "by name"
    device = sound_server_input(headset, "USB Headset Microphone") if named else None
    source = DeviceSource(
        device or sound_server_input("", "pulse"), stall_seconds=APP_STALL_SECONDS
    )
    caplog.set_level(logging.INFO, logger="captioner.audio.pulse_record")
    pushed: list[tuple[float, bytes]] = []
    source.push_to(lambda chunk: pushed.append((time.monotonic(), chunk)))
    try:
        source.open()
        deadline = time.monotonic() + 10
        while not pushed or time.monotonic() - pushed[0][0] < 0.5:
            assert time.monotonic() < deadline, "no audio from the microphone"
            source.read(0.1)
        dropped = time.monotonic()
        assert pulse_server.drop_recordings() >= 1
        while time.monotonic() < dropped + APP_STALL_SECONDS + 1.0:
            source.read(0.1)  # raises if it counts as lost
        times = [at for at, _ in pushed if at >= dropped - 0.2] + [time.monotonic()]
        gap = max(b - a for a, b in itertools.pairwise(times))
        # The stall check said "lost" after 3 s; a new stream's first audio may take ~1-2 s.
        assert gap < APP_STALL_SECONDS, f"no audio for {gap:.2f} s after the recording ended"
        assert "again: the sound server ended its stream" in caplog.text
        spoke = time.monotonic()
        with playing(CLIP_0890, headset_out):  # the user speaks into the same microphone
            while time.monotonic() - spoke < 3.0:
                source.read(0.2)
        assert loudest([chunk for at, chunk in pushed if at >= spoke]) > 0.05
    finally:
        source.close()
        pulse_server.set_default_source(pulse_server.monitor)
        pulse_server.remove_sink(headset)
        pulse_server.remove_sink(headset_out)
