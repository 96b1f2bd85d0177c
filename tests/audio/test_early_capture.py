"""EarlyCapture: audio heard between Start and the engine being ready is kept, in order."""

from __future__ import annotations

import threading
import time

import pytest

from captioner.audio.convert import CHUNK_BYTES
from captioner.audio.early_capture import EarlyCapture
from captioner.audio.errors import AudioError


def chunk(n: int) -> bytes:
    """A distinct 50 ms chunk per number, so order and losses are visible."""
    return n.to_bytes(2, "little") * (CHUNK_BYTES // 2)


class ScriptedMic:
    """A live source that delivers ``count`` chunks as fast as it is read, then ``after``."""

    def __init__(self, count: int, after: str = "end", open_error: str | None = None) -> None:
        self.name = "Desk mic"
        self.level = 0.0
        self.count = count
        self.after = after
        self.open_error = open_error
        self.opened = threading.Event()
        self.closed = threading.Event()
        self.all_delivered = threading.Event()
        self._next = 0

    def open(self) -> None:
        if self.open_error:
            raise AudioError(self.open_error)
        self.opened.set()

    def read(self, timeout: float) -> bytes | None:
        if self._next < self.count:
            self._next += 1
            self.level = 0.25
            return chunk(self._next - 1)
        self.all_delivered.set()
        if self.after == "lost":
            raise AudioError("Lost the audio device “Desk mic”: unplugged.")
        if self.after == "live":
            self.closed.wait(timeout)  # a device with nothing new yet
            return None
        return b""

    def close(self) -> None:
        self.closed.set()


def read_all(capture: EarlyCapture) -> list[bytes]:
    got = []
    while chunk_ := capture.read(5.0):
        got.append(chunk_)
    return got


def test_capture_starts_at_start_and_the_engine_later_reads_every_chunk_in_order() -> None:
    mic = ScriptedMic(40)
    capture = EarlyCapture(mic)
    capture.start()
    # The engine is still loading: nobody has called open() or read(), yet the device
    # is open and everything it heard is kept.
    assert mic.opened.wait(5)
    assert mic.all_delivered.wait(5)
    assert capture.level == 0.25  # the meter moves before the engine is ready
    capture.open()
    assert read_all(capture) == [chunk(n) for n in range(40)]
    assert capture.read(0.1) == b""  # and the end stays the end
    capture.close()
    assert mic.closed.wait(5)


def test_open_waits_for_the_device_and_raises_its_error() -> None:
    mic = ScriptedMic(0, open_error="Cannot open “Desk mic”: device busy.")
    capture = EarlyCapture(mic)
    capture.start()
    with pytest.raises(AudioError, match="device busy"):
        capture.open()


def test_a_device_lost_mid_run_raises_after_what_it_delivered_was_read() -> None:
    mic = ScriptedMic(5, after="lost")
    capture = EarlyCapture(mic)
    capture.start()
    capture.open()
    got = [capture.read(5.0) for _ in range(5)]
    assert got == [chunk(n) for n in range(5)]
    with pytest.raises(AudioError, match="unplugged"):
        capture.read(5.0)
    assert mic.closed.wait(5)


def test_an_engine_far_behind_loses_only_the_oldest_audio_and_is_told_once() -> None:
    mic = ScriptedMic(30)
    told: list[str] = []
    capture = EarlyCapture(mic, buffer_s=1.0, on_overflow=told.append)  # 20 chunks
    capture.start()
    assert mic.all_delivered.wait(5)
    capture.open()
    assert read_all(capture) == [chunk(n) for n in range(10, 30)]  # the newest 20
    assert capture.dropped == 10
    assert len(told) == 1
    assert "more than 1 s behind “Desk mic”" in told[0] and "dropped" in told[0]


def test_close_before_the_engine_opened_releases_the_device() -> None:
    """A run that fails before its engine opens the source must not keep the mic open."""
    mic = ScriptedMic(3, after="live")
    capture = EarlyCapture(mic)
    capture.start()
    assert mic.all_delivered.wait(5)
    capture.close()
    assert mic.closed.is_set()  # released when close() returns, not some time after
    assert capture.read(0.1) == b""


class PushingMic:
    """A live source that hands its chunks over on a thread of its own (``push_to``).

    Like sound-server capture: ``read`` returns no chunks, only watches for the
    end (``b""``) or the loss of the device.
    """

    def __init__(self, count: int, after: str = "end", interval: float = 0.0) -> None:
        self.name = "Desk mic"
        self.level = 0.0
        self.count, self.after, self.interval = count, after, interval
        self.receive = None
        self.pushed = 0
        self.go = threading.Event()  # the test lets the "hardware" run on
        self.done = threading.Event()
        self.closed = threading.Event()

    def push_to(self, receive) -> None:
        self.receive = receive

    def open(self) -> None:
        assert self.receive is not None, "EarlyCapture asks for pushed chunks before opening"
        threading.Thread(target=self._run, daemon=True).start()

    def push(self, upto: int) -> None:
        while self.pushed < min(upto, self.count) and not self.closed.is_set():
            self.level = 0.25
            self.receive(chunk(self.pushed))
            self.pushed += 1
            if self.interval:
                time.sleep(self.interval)

    def _run(self) -> None:
        self.push(self.count // 2)  # before the reader forwards
        self.go.wait(5)
        self.push(self.count)  # while and after it does
        self.done.set()

    def read(self, timeout: float) -> bytes | None:
        if self.done.is_set():
            if self.after == "lost":
                raise AudioError("Lost the audio device “Desk mic”: unplugged.")
            return b""
        self.closed.wait(min(timeout, 0.01))
        return None

    def close(self) -> None:
        self.closed.set()


@pytest.mark.parametrize("interval", [0.0, 0.0005])
def test_forwarded_chunks_arrive_once_each_in_order_across_the_switch(interval: float) -> None:
    """The backlog first, then each chunk as it comes: none lost, doubled or overtaken.

    The source keeps pushing while the reader switches over (``interval`` 0: as
    fast as it can, so the switch lands in the middle of a burst).
    """
    mic = PushingMic(400, interval=interval)
    capture = EarlyCapture(mic)
    capture.start()
    capture.open()
    deadline = time.monotonic() + 5
    while mic.pushed < 200:
        assert time.monotonic() < deadline, "the source never pushed"
        time.sleep(0.001)
    assert capture.level == 0.25  # the meter moves though nobody reads
    assert capture.buffered_s == pytest.approx(200 * 0.05)
    sent: list[bytes] = []
    mic.go.set()
    capture.forward(sent.append)
    assert mic.done.wait(5)
    assert sent == [chunk(n) for n in range(400)]
    assert capture.read(1.0) == b""  # the reader sees the end, and no chunk
    capture.close()
    assert mic.closed.wait(5)


def test_a_device_lost_while_forwarding_raises_in_read() -> None:
    mic = PushingMic(10, after="lost")
    capture = EarlyCapture(mic)
    capture.start()
    capture.open()
    sent: list[bytes] = []
    capture.forward(sent.append)
    mic.go.set()
    with pytest.raises(AudioError, match="unplugged"):
        while capture.read(1.0) is None:
            pass
    assert sent == [chunk(n) for n in range(10)]


class WakeableMic(PushingMic):
    """A pushing source whose ``read`` sleeps its whole ``timeout`` unless woken (``wake``).

    Like :class:`~captioner.audio.source.DeviceSource` on the sound server: a
    reader that only waits for the end is not woken ten times a second.
    """

    def __init__(self, count: int, after: str = "end", interval: float = 0.0) -> None:
        super().__init__(count, after, interval)
        self.reads = 0
        self._wake = threading.Event()

    def _run(self) -> None:
        super()._run()
        self._wake.set()  # the end (or the loss) wakes the reader, as a stream's end does

    def read(self, timeout: float) -> bytes | None:
        self.reads += 1
        if not self.done.is_set() and self._wake.wait(timeout):
            self._wake.clear()
        return super().read(0.0)

    def wake(self) -> None:
        self._wake.set()


def test_a_forwarding_reader_sleeps_until_the_end_and_is_told_once() -> None:
    """``on_end`` says the end to the reader that forwards: it need not poll ``read``."""
    mic = WakeableMic(30, interval=0.05)  # 1.5 s of live audio
    capture = EarlyCapture(mic)
    capture.start()
    capture.open()
    sent: list[bytes] = []
    ends: list[float] = []
    mic.go.set()
    capture.forward(sent.append, lambda: ends.append(time.monotonic()))
    assert mic.done.wait(5)
    deadline = time.monotonic() + 5
    while not ends:
        assert time.monotonic() < deadline, "the end was never said"
        time.sleep(0.01)
    assert sent == [chunk(n) for n in range(30)]
    assert mic.reads <= 3  # not a read every 100 ms while the audio went on
    assert capture.read(0.0) == b""
    capture.close()
    assert len(ends) == 1
    late: list[int] = []
    capture.forward(sent.append, lambda: late.append(1))  # asked after the end: told at once
    assert late == [1]


def test_close_wakes_a_capture_thread_waiting_on_a_live_source() -> None:
    mic = WakeableMic(10**6, interval=0.05)  # never ends by itself
    capture = EarlyCapture(mic)
    capture.start()
    capture.open()
    capture.forward(lambda _chunk: None)
    mic.go.set()
    time.sleep(0.3)
    began = time.monotonic()
    capture.close()
    assert mic.closed.wait(0)  # the device was released before close() returned
    assert time.monotonic() - began < 2.0  # not after the source's long wait (5 s)
