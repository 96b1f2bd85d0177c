"""Real PulseAudio: "System audio — … — default" follows the default output during a run.

The user captions the default output ("Speakers"), plugs in headphones as the
echo hint asks, and the desktop makes them the default: the call's audio plays
there now.  The monitor of Speakers then gave digital silence, no error, the
status "Listening", and no captions.  The default output's choice now moves to
the new default's monitor (a removed default likewise); any other output's
choice stays on its output, and is lost with it.
"""

from __future__ import annotations

import itertools
import logging
import time
import wave
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from captioner.audio.devices import sound_server_input
from captioner.audio.errors import AudioError
from captioner.audio.pulse_monitor import SYSTEM_AUDIO_PREFIX
from captioner.audio.source import DeviceSource
from captioner.audio.system import SystemAudioDevice, list_system_sources
from tests.audio.helpers import CLIP_0890
from tests.audio.test_pulse_capture import envelope, find_lag, overlap
from tests.audio.test_pulse_unplugged import APP_STALL_SECONDS, live_call
from tests.pulse import PulseServer, playing

pytestmark = [pytest.mark.pulse, pytest.mark.slow, pytest.mark.sound_servers]

RATE = 16000
SWITCH_LOG = "System audio follows the default output"


@pytest.fixture
def outputs(pulse_server: PulseServer) -> Iterator[tuple[str, str]]:
    """Two outputs, "speakers" (made the default) and "headphones"; all undone after."""
    with pulse_server.two_outputs() as pair:
        yield pair


def choice_for(sink: str) -> SystemAudioDevice:
    """The picker's system-audio choice for ``sink`` (a fresh scan, as at Start)."""
    return next(s for s in list_system_sources() if s.monitor == f"{sink}.monitor")


class Capture:
    """A source opened with its chunks pushed (as the app has them), each with when it came."""

    def __init__(self, source: Any) -> None:
        self.source = source
        self.pushed: list[tuple[float, bytes]] = []
        source.push_to(lambda chunk: self.pushed.append((time.monotonic(), chunk)))
        source.open()
        self.flows_after(0.0)

    def flows_after(self, moment: float, timeout: float = 10.0) -> None:
        """Read (watching for errors) until a chunk came after ``moment``."""
        deadline = time.monotonic() + timeout
        while not any(at > moment for at, _ in self.pushed):
            assert time.monotonic() < deadline, "no audio"
            self.source.read(0.1)

    def play(self, sink: str, tail_s: float = 0.5) -> AudioError | None:
        """Play the clip into ``sink``, reading on; the error read() raised, if any."""
        try:
            with playing(CLIP_0890, sink) as player:
                deadline = time.monotonic() + 30
                while player.poll() is None and time.monotonic() < deadline:
                    self.source.read(0.2)
            ended = time.monotonic()
            while time.monotonic() - ended < tail_s:
                self.source.read(0.2)
        except AudioError as exc:
            return exc
        return None

    def since(self, moment: float) -> list[bytes]:
        return [chunk for at, chunk in self.pushed if at >= moment]


def samples(chunks: list[bytes]) -> np.ndarray:
    return np.frombuffer(b"".join(chunks), "<i2").astype(np.float32) / 32768


def reference() -> np.ndarray:
    with wave.open(str(CLIP_0890), "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768


def assert_the_whole_clip_once(captured: np.ndarray) -> None:
    """The clip is in ``captured``, all of it, once, in order (no audio twice, none lost)."""
    loudest = float(np.max(np.abs(captured))) if captured.size else 0.0
    assert loudest > 0.05, f"the clip was not heard (peak {loudest:.3f})"
    clip = reference()
    lag = find_lag(clip, captured)
    ref_part, cap_part = overlap(clip, captured, lag)
    assert len(ref_part) > 0.9 * len(clip), f"most of the clip is missing (lag {lag})"
    corr = float(np.corrcoef(envelope(ref_part), envelope(cap_part))[0, 1])
    assert corr > 0.8, f"envelope correlation {corr:.2f} at lag {lag / 16:.0f} ms"


def test_the_default_output_is_followed_to_headphones_made_the_default(
    pulse_server, outputs, caplog
):
    speakers, headphones = outputs
    choice = choice_for(speakers)
    assert choice.is_default
    caplog.set_level(logging.INFO, logger="captioner.audio.pulse_record")
    capture = Capture(choice.make_source())
    try:
        named_before = capture.source.name
        switched = time.monotonic()
        pulse_server.set_default_sink(headphones)  # plugged in; the call's audio goes there
        capture.flows_after(switched + 0.1)  # from the headphones' monitor, after a gap
        played = time.monotonic()
        error = capture.play(headphones)
        ended = time.monotonic()
    finally:
        capture.source.close()
    assert error is None, error
    # Named after what it records now (a later "Lost the audio device …" names it).
    assert (named_before, capture.source.name) == (
        choice.name,
        f"{SYSTEM_AUDIO_PREFIX}{headphones}",
    )
    captured = samples(capture.since(played))
    assert_the_whole_clip_once(captured)
    # One stream at a time: no more audio than time went by (two would double it).
    assert len(captured) / RATE < ended - played + 0.3
    switches = [r.getMessage() for r in caplog.records if SWITCH_LOG in r.getMessage()]
    assert switches == [f"{SWITCH_LOG}: now “{headphones}” ({headphones}.monitor)"]


def test_a_removed_default_output_is_followed_to_the_new_default(pulse_server, outputs):
    _speakers, headphones = outputs
    pulse_server.set_default_sink(headphones)
    choice = choice_for(headphones)
    assert choice.is_default
    capture = Capture(choice.make_source())
    try:
        removed = time.monotonic()
        pulse_server.remove_sink(headphones)  # unplugged: the server picks another default
        now_default = pulse_server.default_sink()
        assert now_default != headphones
        capture.flows_after(removed + 0.1)
        played = time.monotonic()
        error = capture.play(now_default)
    finally:
        capture.source.close()
    assert error is None, error
    assert_the_whole_clip_once(samples(capture.since(played)))


def test_a_default_output_gone_before_opening_records_the_new_default(pulse_server, outputs):
    """The choice was scanned while the headphones were the default; they are gone when
    it opens (the sound server restarted, a run re-opening its system audio): what the
    default output plays now is captioned, and the source is named after it. Before,
    opening failed ("not connected"), and a call waiting for its system audio waited in vain."""
    _speakers, headphones = outputs
    pulse_server.set_default_sink(headphones)
    choice = choice_for(headphones)
    assert choice.is_default
    pulse_server.remove_sink(headphones)
    now_default = pulse_server.default_sink()
    assert now_default != headphones
    capture = Capture(choice.make_source())
    try:
        played = time.monotonic()
        error = capture.play(now_default)
    finally:
        capture.source.close()
    assert error is None, error
    assert capture.source.name == f"{SYSTEM_AUDIO_PREFIX}{now_default}"
    assert_the_whole_clip_once(samples(capture.since(played)))


def test_an_output_that_is_not_the_default_is_not_followed(pulse_server, outputs, caplog):
    """Chosen by name, it stays that output's: a new default is not heard, and its
    removal is a lost device (as for a microphone unplugged)."""
    _speakers, headphones = outputs
    choice = choice_for(headphones)
    assert not choice.is_default
    caplog.set_level(logging.INFO, logger="captioner.audio.pulse_record")
    capture = Capture(choice.make_source())
    try:
        pulse_server.set_default_sink(pulse_server.sink)
        played = time.monotonic()
        error = capture.play(pulse_server.sink)
        heard = float(np.max(np.abs(samples(capture.since(played)))))
        pulse_server.remove_sink(headphones)
        lost: AudioError | None = None
        deadline = time.monotonic() + 10
        while lost is None and time.monotonic() < deadline:
            try:
                capture.source.read(0.5)
            except AudioError as exc:
                lost = exc
    finally:
        capture.source.close()
    assert error is None, error
    assert heard < 1e-3, f"the new default output was captured (peak {heard:.2f})"
    assert not [r for r in caplog.records if SWITCH_LOG in r.getMessage()]
    assert lost is not None, "no error: capture went on after the output was removed"
    assert str(lost).startswith(f"Lost the audio device “{choice.name}”")


def test_call_mode_keeps_them_in_step_with_you_across_a_switch(pulse_server, outputs):
    """A microphone beside the headphones hears what they play; "Them" follows the
    default output there mid-clip.  After the switch both sides hold the same audio at
    the same place in the frames (lined up by when it was heard), and "Them" stays on."""
    speakers, headphones = outputs
    room = pulse_server.create_microphone("Room microphone", hears=headphones)
    try:
        with (
            live_call(
                DeviceSource(sound_server_input(room, "Room microphone")),
                choice_for(speakers).make_source(),
            ) as call,
            playing(CLIP_0890, headphones) as player,
        ):  # the call already plays there
            time.sleep(1.0)
            pulse_server.set_default_sink(headphones)  # and now the desktop says so
            deadline = time.monotonic() + 30
            call.read_while(lambda: player.poll() is None and time.monotonic() < deadline)
    finally:
        pulse_server.remove_sink(room)
    assert not call.lost, call.lost
    mic, system = samples(call.you), samples(call.them)
    start = int(np.argmax(np.abs(system) > 1e-3))  # the first audio "Them" heard after it
    assert np.max(np.abs(system)) > 0.05, "nothing heard from the headphones"
    lag = find_lag(mic[start:], system[start:]) / RATE
    # Off by the gap (0.6-2 s on PulseAudio) before "Them" bridged it.  PulseAudio's two
    # streams deliver their 50 ms blocks in step (measured: 0-2 ms).  PipeWire's do not:
    # each stream's blocks have their own phase (up to 50 ms apart), and its remap source,
    # this test's microphone, adds 0 or 43 ms of its own even with no switch (measured:
    # -11 to 66 ms after one).
    limit = 0.06 if pulse_server.kind == "pulseaudio" else 0.1
    assert abs(lag) < limit, f"“Them” is {lag * 1000:.0f} ms off “You” after the switch"


def test_a_recording_the_server_ends_goes_on_at_once_from_the_same_output(
    pulse_server, outputs, caplog
):
    """A mixer's "kill", or a server hiccup, ends the recording of the default output
    while that output is still there and still the default.  That was noticed only when
    no audio had come for 3 s: a gap in the captions, then "system audio lost" for a
    moment while the same monitor was opened again."""
    speakers, _ = outputs
    choice = choice_for(speakers)
    caplog.set_level(logging.INFO, logger="captioner.audio.pulse_record")
    capture = Capture(choice.make_source())
    try:
        capture.flows_after(time.monotonic() + 0.5)  # recording for a while
        dropped = time.monotonic()
        assert pulse_server.drop_recordings() >= 1
        while time.monotonic() < dropped + APP_STALL_SECONDS + 1.0:
            capture.source.read(0.1)  # raises if the source counts as lost
        times = [at for at, _ in capture.pushed if at >= dropped - 0.2] + [time.monotonic()]
        gap = max(b - a for a, b in itertools.pairwise(times))
        # The stall check said "lost" after 3 s; a new stream's first audio may take ~1-2 s.
        assert gap < APP_STALL_SECONDS, f"no audio for {gap:.2f} s after the recording ended"
        assert "again: the sound server ended its stream" in caplog.text
        assert capture.source.name == choice.name  # the same output, not another
        played = time.monotonic()
        assert capture.play(speakers) is None
        assert_the_whole_clip_once(samples(capture.since(played)))
    finally:
        capture.source.close()
