"""A call side whose device went away comes back: CallSources.restore and SideReviver.

The user's case: a Bluetooth headset drops for two seconds mid-call.  Before,
"You" was not captioned again until Stop and Start.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from captioner.audio.call import MIC, SYSTEM, CallSources
from captioner.audio.call_frames import split_frame
from captioner.audio.call_revive import SideReviver, reopens_by_name
from captioner.audio.convert import CHUNK_BYTES
from captioner.audio.devices import InputDevice
from captioner.audio.errors import AudioError
from captioner.audio.system import SystemAudioDevice
from tests.audio.test_call_sources import ScriptedSource, read_all, tone

SILENCE = bytes(CHUNK_BYTES)
UNPLUGGED = AudioError("Lost the audio device “Headset”: unplugged.")


def test_a_restored_side_is_framed_again_and_said_to_be_back() -> None:
    said: list[tuple[str, str, str]] = []
    system = ScriptedSource("Speakers", [tone(20 + i) for i in range(6)])
    sources = CallSources(
        ScriptedSource("Headset", [tone(1), UNPLUGGED]),
        system,
        on_source_lost=lambda side, text: said.append(("lost", side, text)),
    )
    sources.watch(on_source_back=lambda side, text: said.append(("back", side, text)))
    sources.open()
    frames = [sources.read(0.0) for _ in range(3)]  # the headset's chunk, then two alone
    assert [split_frame(f)[0] for f in frames if f] == [tone(1), SILENCE, SILENCE]
    assert sources.lost_message(MIC) is not None and not sources.active(MIC)

    again = ScriptedSource("Headset", [tone(7), tone(8), tone(9)])
    assert sources.restore(MIC, again)
    rest = read_all(sources)
    assert [split_frame(f)[0] for f in rest] == [tone(7), tone(8), tone(9)]
    assert [split_frame(f)[1] for f in rest] == [tone(23), tone(24), tone(25)]
    assert sources.lost_message(MIC) is None
    assert said[-1] == ("back", MIC, "“Headset” is back: captioning the microphone again.")
    assert [kind for kind, _, _ in said] == ["lost", "back"]


def test_a_side_that_is_not_lost_keeps_its_source_and_a_closed_call_takes_none() -> None:
    mic = ScriptedSource("Headset", [tone(1), tone(2)])
    sources = CallSources(mic, ScriptedSource("Speakers", [tone(11), tone(12)]))
    sources.open()
    stray = ScriptedSource("Other", [tone(5)])
    assert sources.restore(MIC, stray)
    assert [split_frame(f)[0] for f in read_all(sources)] == [tone(1), tone(2)]
    assert stray.closed and sources.source(MIC) is mic

    first, second = ScriptedSource("Headset", [tone(3)]), ScriptedSource("Headset", [tone(4)])
    assert sources.restore(MIC, first) and sources.restore(MIC, second)
    assert first.closed and not second.closed  # the newer one waits; the other let go

    sources.close()
    assert second.closed
    late = ScriptedSource("Headset", [tone(3)])
    assert not sources.restore(MIC, late)
    assert late.closed


def test_only_what_the_sound_server_records_by_name_is_reopened_mid_call() -> None:
    """Re-finding a re-plugged PortAudio device re-initialises PortAudio, closing the
    other side's stream: only sound-server sources come back by themselves."""
    usb = InputDevice(3, "USB Headset", "ALSA", 1, 48000.0, pulse_source="alsa_input.usb")
    assert reopens_by_name(usb)
    assert not reopens_by_name(InputDevice(3, "hw:1,0", "ALSA", 1, 48000.0))
    monitor = SystemAudioDevice("System audio — Speakers", "Speakers", "pulse", "speakers.monitor")
    assert reopens_by_name(monitor)
    assert not reopens_by_name(
        SystemAudioDevice(name="Stereo Mix", output="Speakers", backend="wasapi")
    )


class FakeWatch:
    """The device watch: the test says when devices changed."""

    def __init__(self, on_change: Callable[[], None]) -> None:
        self.on_change = on_change
        self.started = self.closed = False

    def start(self) -> None:
        self.started = True

    def close(self, timeout: float = 1.0) -> None:
        self.closed = True


class Headset:
    """Opens only once it is "plugged in"; each open is a new source, as a device's is."""

    def __init__(self) -> None:
        self.plugged = threading.Event()
        self.opened: list[ScriptedSource] = []

    def __call__(self) -> ScriptedSource:
        plugged = self.plugged.is_set()

        class Source(ScriptedSource):
            def open(self) -> None:
                if not plugged:
                    raise AudioError("Cannot open “Headset”: it is not connected now.")
                super().open()

        source = Source("Headset", [tone(40 + i) for i in range(3)])
        self.opened.append(source)
        return source


def _until(condition: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_the_reviver_opens_the_side_again_when_the_devices_change() -> None:
    backs: list[str] = []
    sources = CallSources(
        ScriptedSource("Headset", [tone(1), UNPLUGGED]),
        ScriptedSource("Speakers", [tone(20 + i) for i in range(400)]),
    )
    sources.watch(on_source_back=lambda side, _text: backs.append(side))
    headset, watches = Headset(), []

    def make_watch(on_change: Callable[[], None]) -> FakeWatch:
        watches.append(FakeWatch(on_change))
        return watches[-1]

    reviver = SideReviver(sources, {MIC: headset}, retry_s=60.0, make_watch=make_watch)
    sources.watch(on_source_lost=reviver.lost)
    told: list[str] = []
    sources.watch(on_source_lost=lambda _side, text: told.append(text))
    sources.open()
    for _ in range(3):
        sources.read(0.0)
    assert told == [
        "Lost the audio device “Headset”: unplugged. "
        "Captioning continues for the system audio only until it is back."
    ]
    _until(lambda: len(headset.opened) == 1)  # tried at once: still unplugged
    assert watches and watches[0].started

    headset.plugged.set()
    watches[0].on_change()  # the sound server: a source came
    _until(lambda: len(headset.opened) == 2)
    heard: list[bytes] = []
    deadline = time.monotonic() + 10
    while len(heard) < 20 and time.monotonic() < deadline:
        if frame := sources.read(0.05):
            heard.append(split_frame(frame)[0])
    assert backs == [MIC]
    assert [chunk for chunk in heard if chunk != SILENCE] == [tone(40), tone(41), tone(42)]
    _until(lambda: watches[0].closed)  # nothing is lost any more: no watch kept open
    reviver.close()
    sources.close()


def test_the_reviver_tries_again_later_without_a_device_watch() -> None:
    """No sound-server events (none came, or the device was announced before it could
    record): the attempts go on every retry_s."""
    sources = CallSources(
        ScriptedSource("Headset", [UNPLUGGED]),
        ScriptedSource("Speakers", [tone(20 + i) for i in range(400)]),
    )
    headset = Headset()

    def no_watch(on_change: Callable[[], None]) -> FakeWatch:
        raise OSError("no libpulse")

    reviver = SideReviver(sources, {MIC: headset}, retry_s=0.05, make_watch=no_watch)
    sources.watch(on_source_lost=reviver.lost)
    sources.open()
    sources.read(0.0)
    _until(lambda: len(headset.opened) >= 2)
    headset.plugged.set()
    _until(lambda: sources.read(0.0) is not None and sources.lost_message(MIC) is None)
    reviver.close()
    sources.close()


def test_a_side_that_cannot_come_back_is_not_tried_and_the_run_end_stops_the_attempts() -> None:
    sources = CallSources(
        ScriptedSource("Headset", [UNPLUGGED]),
        ScriptedSource("Speakers", [UNPLUGGED]),
    )
    headset = Headset()
    reviver = SideReviver(sources, {MIC: headset}, retry_s=0.05, make_watch=FakeWatch)
    sources.watch(on_source_lost=reviver.lost)
    reviver.lost(SYSTEM)  # no opener for it: a PortAudio device
    reviver.lost(MIC)
    _until(lambda: len(headset.opened) >= 2)
    assert all(s.name == "Headset" for s in headset.opened)
    sources.close()
    time.sleep(0.2)
    tried = len(headset.opened)
    time.sleep(0.3)
    assert len(headset.opened) == tried  # the call is over: no more attempts


class Restorable:
    """Stands for CallSources: counts what is put back."""

    def __init__(self) -> None:
        self.awaits: Callable[[str], bool] = lambda _side: False  # the reviver's
        self.closed = False
        self.restored: list[object] = []

    def restore(self, side: str, source: object) -> bool:
        self.restored.append(source)
        return True


def test_a_device_that_fails_each_time_it_is_back_is_left_lost_after_a_few_tries() -> None:
    """A device that opens but never delivers (a hung driver) must not say "lost",
    then "back", every few seconds for the rest of the call."""
    sources, headset = Restorable(), Headset()
    headset.plugged.set()
    reviver = SideReviver(sources, {MIC: headset}, retry_s=60.0, make_watch=FakeWatch)
    for expected in (1, 2, 3):
        assert sources.awaits(MIC)
        reviver.lost(MIC)  # lost again right after it was put back
        _until(lambda n=expected: len(sources.restored) == n)
    assert not sources.awaits(MIC)  # what its next loss says must not promise a return
    reviver.lost(MIC)
    time.sleep(0.3)
    assert len(sources.restored) == 3 and len(headset.opened) == 3
    reviver.close()
    for capture in sources.restored:
        capture.close()  # type: ignore[attr-defined]


def test_the_call_stops_promising_a_side_back_once_its_device_keeps_failing() -> None:
    """The message a user reads when a flapping headset is given up on must not say
    "until it is back": nothing will bring it back until Stop and Start."""
    said: list[str] = []

    def flapping() -> ScriptedSource:  # opens, delivers a moment, fails
        return ScriptedSource("Headset", [tone(1), UNPLUGGED])

    speakers = ScriptedSource("Speakers", [tone(20)] * 2000)
    sources = CallSources(
        flapping(), speakers, on_source_lost=lambda _side, text: said.append(text)
    )
    reviver = SideReviver(sources, {MIC: flapping}, retry_s=0.02, make_watch=FakeWatch)
    sources.watch(on_source_lost=reviver.lost)
    sources.open()
    deadline = time.monotonic() + 10
    while len(said) < 4 and time.monotonic() < deadline:
        sources.read(0.01)
    time.sleep(0.2)  # were it still tried, it would be back and lost again by now
    for _ in range(20):
        sources.read(0.01)
    sources.close()
    reviver.close()
    assert len(said) == 4, said
    assert all(text.endswith("for the system audio only until it is back.") for text in said[:3])
    assert said[3].endswith("for the system audio only."), said[3]


def test_both_sides_gone_at_once_wait_with_silence_and_come_back() -> None:
    """A sound server restarting takes both sides at once: the call waits (paced
    silence keeps the engine's clock and the session going) instead of ending."""
    said: list[str] = []
    mic = ScriptedSource("Headset", [tone(1), UNPLUGGED])
    system = ScriptedSource("Speakers", [tone(21), AudioError("Lost “Speakers”.")])
    sources = CallSources(mic, system, on_source_lost=lambda _side, text: said.append(text))
    headset, speakers = Headset(), Headset()
    reviver = SideReviver(
        sources, {MIC: headset, SYSTEM: speakers}, retry_s=0.05, make_watch=FakeWatch
    )
    sources.watch(on_source_lost=reviver.lost)
    sources.open()
    frames: list[bytes] = []
    began = time.monotonic()
    while time.monotonic() - began < 1.0:
        frame = sources.read(0.1)
        assert frame != b"", "the call ended"
        if frame is not None:
            frames.append(frame)
    assert split_frame(frames[0]) == (tone(1), tone(21))
    silent = frames[1:]
    assert set(silent) == {SILENCE + SILENCE} and 15 <= len(silent) <= 24  # ~20 a second
    assert said[-1].endswith("Waiting up to 2 minutes for the call's audio."), said
    headset.plugged.set()
    speakers.plugged.set()
    back = []
    deadline = time.monotonic() + 10
    while len(back) < 3:
        assert time.monotonic() < deadline, "not back"
        frame = sources.read(0.1)
        if frame and frame != SILENCE + SILENCE:
            back.append(split_frame(frame)[0])
    assert back == [tone(40), tone(41), tone(42)]
    reviver.close()
    sources.close()


def test_both_sides_gone_too_long_end_the_call_with_their_errors() -> None:
    sources = CallSources(
        ScriptedSource("Headset", [UNPLUGGED]),
        ScriptedSource("Speakers", [AudioError("Lost “Speakers”.")]),
        away_s=0.3,
    )
    reviver = SideReviver(sources, {MIC: Headset()}, retry_s=0.05, make_watch=FakeWatch)
    sources.watch(on_source_lost=reviver.lost)
    sources.open()
    began = time.monotonic()
    try:
        while True:
            assert sources.read(0.1) != b""
            assert time.monotonic() - began < 10
    except AudioError as exc:
        assert "unplugged" in str(exc) and "Speakers" in str(exc)
    finally:
        reviver.close()
        sources.close()
    assert time.monotonic() - began >= 0.3
