"""A one-source run's device away for a moment: the run waits for it, then goes on.

Before, a Bluetooth headset dropping for two seconds ended the run ("Lost the
audio device …"), and Start began a new session.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from captioner.audio.early_capture import EarlyCapture
from captioner.audio.errors import AudioError
from captioner.audio.pcm import CHUNK_BYTES
from captioner.audio.returning_capture import WAIT_S, ReturningCapture
from captioner.audio.sides import MIC
from tests.audio.test_call_sources import ScriptedSource, tone

SILENCE = bytes(CHUNK_BYTES)
UNPLUGGED = AudioError("Lost the audio device “Headset”: unplugged.")


class StubReviver:
    """Stands for SideReviver: the test says when the device is back."""

    def __init__(self, capture: ReturningCapture) -> None:
        capture.awaits = lambda _side: True
        self.lost_sides: list[str] = []
        self.closed = False

    def lost(self, side: str, _message: str = "") -> None:
        self.lost_sides.append(side)

    def close(self) -> None:
        self.closed = True


class Said:
    def __init__(self, capture: ReturningCapture) -> None:
        self.lost: list[str] = []
        self.back: list[str] = []
        capture.watch(
            on_source_lost=lambda _side, text: self.lost.append(text),
            on_source_back=lambda _side, text: self.back.append(text),
        )


def started(*items: object) -> EarlyCapture:
    capture = EarlyCapture(ScriptedSource("Headset", list(items)))
    capture.start()
    capture.open()
    return capture


def returning(first: EarlyCapture, wait_s: float = WAIT_S) -> tuple[ReturningCapture, StubReviver]:
    revivers: list[StubReviver] = []

    def make(capture: ReturningCapture) -> StubReviver:
        revivers.append(StubReviver(capture))
        return revivers[-1]

    capture = ReturningCapture(first, lambda: None, wait_s=wait_s, reviver=make)  # type: ignore[arg-type]
    return capture, revivers[0]


def read_until(capture: ReturningCapture, done: Callable[[list[bytes]], bool]) -> list[bytes]:
    chunks: list[bytes] = []
    deadline = time.monotonic() + 10
    while not done(chunks):
        assert time.monotonic() < deadline, f"timed out after {len(chunks)} chunks"
        chunk = capture.read(0.1)
        if chunk == b"":
            break
        if chunk is not None:
            chunks.append(chunk)
    return chunks


def test_the_run_waits_with_silence_and_goes_on_with_the_device_back() -> None:
    capture, reviver = returning(started(tone(1), tone(2), UNPLUGGED))
    said = Said(capture)
    capture.open()
    before = read_until(capture, lambda got: len(got) >= 6)
    assert before[:2] == [tone(1), tone(2)] and set(before[2:]) == {SILENCE}
    assert said.lost == [
        "Waiting up to 2 minutes for “Headset” to come back. "
        "Lost the audio device “Headset”: unplugged."
    ]
    assert reviver.lost_sides == [MIC] and capture.lost_message() is not None
    assert capture.level == 0.0

    assert capture.restore(MIC, started(tone(7), tone(8)))
    after = read_until(capture, lambda _got: False)  # to its end
    assert [c for c in after if c != SILENCE] == [tone(7), tone(8)]
    assert said.back == ["“Headset” is back: captioning it again."]
    assert capture.lost_message() is None
    capture.close()
    assert reviver.closed


def test_silence_while_away_is_paced_in_real_time() -> None:
    """The engine's clock (and the cloud session) goes on at the speed of the wall clock."""
    capture, _ = returning(started(UNPLUGGED))
    capture.open()
    began = time.monotonic()
    got = read_until(capture, lambda got: time.monotonic() - began >= 1.0)
    capture.close()
    assert set(got) == {SILENCE} and 17 <= len(got) <= 23  # 20 chunks of 50 ms a second


def test_a_device_not_back_in_time_ends_the_run_with_its_own_error() -> None:
    capture, _ = returning(started(tone(1), UNPLUGGED), wait_s=0.3)
    capture.open()
    with pytest.raises(AudioError, match="unplugged"):
        read_until(capture, lambda _got: False)
    assert not capture.restore(MIC, late := started(tone(9)))  # too late: let go
    assert late.read(0.5) == b""  # closed
    capture.close()


def test_forwarded_chunks_go_on_across_the_device_away_and_back() -> None:
    """The cloud host's path: chunks are sent from the capture thread, not read."""
    capture, _ = returning(started(tone(1), tone(2), UNPLUGGED))
    sent: list[bytes] = []
    ended = threading.Event()
    capture.open()
    capture.forward(sent.append, ended.set)
    deadline = time.monotonic() + 10
    while len(sent) < 6:
        assert time.monotonic() < deadline and capture.read(0.0) is None
        time.sleep(0.02)
    assert sent[:2] == [tone(1), tone(2)] and set(sent[2:6]) == {SILENCE}
    assert not ended.is_set()
    capture.restore(MIC, started(tone(7), tone(8)))
    assert ended.wait(5)  # the new device's input ended (its list ran out)
    assert [c for c in sent if c != SILENCE] == [tone(1), tone(2), tone(7), tone(8)]
    assert capture.read(0.0) == b""
    capture.close()


def test_forwarded_and_not_back_in_time_ends_with_the_devices_error() -> None:
    capture, _ = returning(started(UNPLUGGED), wait_s=0.3)
    ended = threading.Event()
    capture.open()
    capture.forward(lambda _chunk: None, ended.set)
    assert ended.wait(5)
    with pytest.raises(AudioError, match="unplugged"):
        capture.read(0.0)
    capture.close()


def test_a_plain_end_of_input_is_not_waited_for() -> None:
    capture, reviver = returning(started(tone(1)))
    capture.open()
    assert read_until(capture, lambda _got: False) == [tone(1)]
    assert reviver.lost_sides == []
    capture.close()


def test_a_device_that_keeps_failing_once_back_ends_the_run_without_the_long_wait() -> None:
    """A headset that opens but fails at once, again and again, is given up on: the
    run ends with the device's own error then, not after two minutes of silence."""
    from captioner.audio.call_revive import SideReviver
    from tests.audio.test_call_revive import FakeWatch

    def flapping() -> ScriptedSource:
        return ScriptedSource("Headset", [tone(1), UNPLUGGED])

    first = EarlyCapture(flapping())
    first.start()
    capture = ReturningCapture(
        first,
        flapping,
        reviver=lambda me: SideReviver(me, {MIC: flapping}, retry_s=0.02, make_watch=FakeWatch),
    )
    said = Said(capture)
    capture.open()
    began = time.monotonic()
    with pytest.raises(AudioError, match="unplugged"):
        read_until(capture, lambda _got: False)
    capture.close()
    assert time.monotonic() - began < 10  # not WAIT_S
    assert len(said.lost) == 3 and len(said.back) == 3
