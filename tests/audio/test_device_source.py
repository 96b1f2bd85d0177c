"""DeviceSource against a fake PortAudio whose callback runs on its own thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import ClassVar

import numpy as np
import pytest

from captioner.audio.convert import CHUNK_BYTES
from captioner.audio.devices import InputDevice, list_input_devices
from captioner.audio.errors import AudioError
from captioner.audio.source import DeviceSource
from captioner.audio.stall_watch import FREEZE_SLACK_S
from tests.audio.fake_sd import FakeSoundDevice, Scenario, device
from tests.audio.helpers import pcm_to_float


def make_sd(rate: float = 48000.0, inputs: int = 2, **kwargs) -> FakeSoundDevice:
    return FakeSoundDevice(devices=[device("Fake Mic", inputs=inputs, rate=rate)], **kwargs)


def mic(sd: FakeSoundDevice) -> InputDevice:
    (found,) = list_input_devices(sd)
    return found


@pytest.fixture
def sources() -> Iterator[list[DeviceSource]]:
    """Close every source a test made, even when it failed half-way."""
    made: list[DeviceSource] = []
    yield made
    for source in made:
        source.close()


def open_source(sd: FakeSoundDevice, sources: list[DeviceSource], **kwargs) -> DeviceSource:
    source = DeviceSource(mic(sd), sd=sd, **kwargs)
    sources.append(source)
    source.open()
    return source


def read_chunks(source: DeviceSource, count: int, timeout: float = 2.0) -> list[bytes]:
    chunks = []
    deadline = time.monotonic() + timeout
    while len(chunks) < count:
        assert time.monotonic() < deadline, f"only {len(chunks)} chunks arrived"
        chunk = source.read(0.5)
        if chunk:
            chunks.append(chunk)
    return chunks


def test_opens_at_16k_when_supported(sources) -> None:
    sd = make_sd(rates={0: {16000, 48000}})
    source = open_source(sd, sources)
    (stream,) = sd.streams
    assert (stream.samplerate, stream.channels, stream.device) == (16000, 2, 0)
    assert stream.blocksize == 800
    assert source.samplerate == 16000
    chunks = read_chunks(source, 10)
    assert all(len(c) == CHUNK_BYTES for c in chunks)
    assert set(np.frombuffer(b"".join(chunks), "<i2").tolist()) == {round(0.1 * 32768)}
    assert source.level == pytest.approx(0.1, rel=1e-3)
    assert source.level_dbfs == pytest.approx(-20.0, abs=0.01)


def test_a_device_that_gives_16k_mono_samples_is_read_as_they_come(sources) -> None:
    # PulseAudio and PipeWire convert themselves: no downmix or resampling here, no numpy.
    sd = make_sd(rates={0: {16000, 48000}}, native=True)

    def ramp(n: int, frames: int, channels: int) -> np.ndarray:
        values = ((np.arange(frames) + n * frames) % 200 - 100) / 1000
        return np.repeat(values[:, None], channels, axis=1).astype(np.float32)

    sd.scenario = Scenario(signal=ramp)
    source = open_source(sd, sources)
    (stream,) = sd.streams
    assert (stream.samplerate, stream.channels, stream.dtype) == (16000, 1, "int16")
    assert (source.samplerate, source.channels) == (16000, 1)
    chunks = read_chunks(source, 10)
    assert all(len(c) == CHUNK_BYTES for c in chunks)
    samples = np.frombuffer(b"".join(chunks), "<i2")
    expected = np.rint(((np.arange(len(samples)) % 200 - 100) / 1000) * 32768)
    assert np.array_equal(samples, expected)  # every sample, in order, unchanged
    rms = float(np.sqrt(np.mean((expected[-800:] / 32768) ** 2)))
    assert source.level == pytest.approx(rms, rel=1e-6)


def test_falls_back_to_the_native_rate_and_resamples(sources) -> None:
    sd = make_sd(rate=44100.0, inputs=1)

    def tone(n: int, frames: int, channels: int) -> np.ndarray:
        t = (np.arange(frames) + n * frames) / 44100
        return np.repeat((0.5 * np.sin(2 * np.pi * 1000 * t))[:, None], channels, axis=1).astype(
            np.float32
        )

    sd.scenario = Scenario(signal=tone)
    source = open_source(sd, sources)
    (stream,) = sd.streams
    assert (stream.samplerate, stream.channels, stream.blocksize) == (44100, 1, 2205)
    chunks = read_chunks(source, 20)
    assert all(len(c) == CHUNK_BYTES for c in chunks)
    out = pcm_to_float(b"".join(chunks))[1600:]
    spectrum = np.abs(np.fft.rfft(out * np.hanning(len(out))))
    assert abs(np.fft.rfftfreq(len(out), 1 / 16000)[np.argmax(spectrum)] - 1000) < 20


def test_channels_capped_at_two(sources) -> None:
    sd = make_sd(inputs=32)
    open_source(sd, sources)
    assert sd.streams[0].channels == 2


def test_open_failure_names_the_device() -> None:
    sd = make_sd(open_error="Error opening InputStream: Device unavailable [PaErrorCode -9985]")
    source = DeviceSource(mic(sd), sd=sd)
    with pytest.raises(AudioError) as excinfo:
        source.open()
    assert str(excinfo.value) == (
        "Cannot open “Fake Mic”: Error opening InputStream: Device unavailable [PaErrorCode -9985]."
    )
    source.close()


def test_start_failure_closes_the_stream_and_names_the_device() -> None:
    sd = make_sd(start_error="Error starting stream: Unanticipated host error")
    source = DeviceSource(mic(sd), sd=sd)
    with pytest.raises(AudioError, match=r"^Cannot open “Fake Mic”: Error starting stream"):
        source.open()
    assert sd.streams[0].closed


def test_vanished_device_raises_after_queued_audio(sources) -> None:
    sd = make_sd(rates={0: {16000}}, scenario=Scenario(blocks=5, after="vanish"))
    source = open_source(sd, sources)
    assert sd.streams[0].join()
    assert len(read_chunks(source, 5)) == 5  # what was captured is still delivered
    with pytest.raises(AudioError) as excinfo:
        source.read(1.0)
    assert str(excinfo.value).startswith("Lost the audio device “Fake Mic”: ")
    with pytest.raises(AudioError, match="Lost the audio device"):
        source.read(0.0)  # and it stays lost


def test_inactive_stream_is_a_lost_device(sources) -> None:
    sd = make_sd(rates={0: {16000}}, scenario=Scenario(blocks=2, after="inactive"))
    source = open_source(sd, sources)
    sd.streams[0].join()
    read_chunks(source, 2)
    with pytest.raises(AudioError, match=r"Lost the audio device “Fake Mic”: .*no longer running"):
        source.read(1.0)


def test_stalled_device_is_a_lost_device(sources) -> None:
    sd = make_sd(rates={0: {16000}}, scenario=Scenario(blocks=1, after="stall"))
    source = open_source(sd, sources, stall_seconds=0.3)
    read_chunks(source, 1)
    assert source.read(0.1) is None  # a short gap is just a timeout
    began = time.monotonic()
    with pytest.raises(AudioError, match="Lost the audio device “Fake Mic”: no audio arrived for"):
        for _ in range(20):
            source.read(0.1)
    assert time.monotonic() - began < 1.0


def test_an_app_that_stood_still_gives_the_device_its_start_grace_again(sources) -> None:
    # After a suspend (or SIGSTOP, a paused VM) the reader woke with its deadline long past
    # and checked before the capture thread had pushed a block again: every resume ended
    # the run with "Lost the audio device … no audio arrived for 3 seconds".
    sd = make_sd(rates={0: {16000}}, scenario=Scenario(blocks=1, after="stall"))
    source = open_source(sd, sources, stall_seconds=0.2, start_seconds=0.6)
    read_chunks(source, 1)
    assert source.read(0.05) is None  # a look, then the app stands still
    time.sleep(0.2 + FREEZE_SLACK_S + 0.3)
    assert source.read(0.05) is None  # not lost at once: a device waking up may take time
    began = time.monotonic()
    with pytest.raises(AudioError, match=r"no audio arrived for 0\.6 seconds"):
        for _ in range(40):  # but a device that stays silent is still found lost
            source.read(0.1)
    assert time.monotonic() - began < 2.0


def test_device_that_never_starts_is_a_lost_device(sources) -> None:
    sd = make_sd(rates={0: {16000}}, scenario=Scenario(blocks=0, after="stall"))
    source = open_source(sd, sources, stall_seconds=0.1, start_seconds=0.4)
    assert source.read(0.2) is None  # the first block gets the longer grace period
    with pytest.raises(AudioError, match=r"no audio arrived for 0\.4 seconds"):
        source.read(1.0)


def test_timeout_returns_none(sources) -> None:
    sd = make_sd(rates={0: {16000}}, scenario=Scenario(blocks=0, after="stall"))
    source = open_source(sd, sources)
    began = time.monotonic()
    assert source.read(0.15) is None
    assert 0.14 <= time.monotonic() - began < 0.5
    assert source.read(0) is None


def test_overflow_drops_blocks_without_blocking_the_callback(sources) -> None:
    sd = make_sd(rates={0: {16000}}, scenario=Scenario(blocks=60, interval=0, overflow_every=10))
    source = open_source(sd, sources, queue_seconds=0.2)  # room for 4 blocks
    stream = sd.streams[0]
    assert stream.join(2.0), "the callback blocked"
    assert stream.delivered == 60
    assert source.overflows == 56
    assert source.xruns == 6
    assert max(stream.callback_seconds) < 0.05
    # The queued audio is still readable; then the device counts as gone.
    assert len(read_chunks(source, 4)) == 4
    with pytest.raises(AudioError):
        source.read(0.5)


def test_close_is_idempotent_and_ends_the_stream(sources) -> None:
    sd = make_sd(rates={0: {16000}})
    source = open_source(sd, sources)
    read_chunks(source, 2)
    source.close()
    source.close()
    assert sd.streams[0].closed
    assert source.read(0.1) == b""  # our own close is not a lost device


def test_close_before_open_and_read_before_open() -> None:
    sd = make_sd()
    source = DeviceSource(mic(sd), sd=sd)
    with pytest.raises(RuntimeError):
        source.read(0.1)
    source.close()
    assert source.read(0.1) == b""


def test_close_from_another_thread_unblocks_read(sources) -> None:
    import threading

    sd = make_sd(rates={0: {16000}}, scenario=Scenario(blocks=0, after="stall"))
    source = open_source(sd, sources)
    timer = threading.Timer(0.2, source.close)
    timer.start()
    began = time.monotonic()
    assert source.read(5.0) == b""
    assert time.monotonic() - began < 1.0
    timer.join()


def test_reopen_after_close(sources) -> None:
    sd = make_sd(rates={0: {16000}})
    source = open_source(sd, sources)
    read_chunks(source, 1)
    source.close()
    source.open()
    assert len(read_chunks(source, 2)) == 2
    assert len(sd.streams) == 2


def test_context_manager(sources) -> None:
    sd = make_sd(rates={0: {16000}})
    with DeviceSource(mic(sd), sd=sd) as source:
        assert read_chunks(source, 1)
    assert sd.streams[0].closed


class FakePulseStream:
    """Stands in for pulse_record.PulseRecordStream: ``blocks`` delivered on its own thread."""

    made: ClassVar[list[FakePulseStream]] = []
    blocks: ClassVar[list[bytes]] = []

    def __init__(self, *, callback, finished_callback, **_kwargs) -> None:  # type: ignore[no-untyped-def]
        self._callback = callback
        self.active = False
        self.delivered = threading.Event()
        FakePulseStream.made.append(self)

    def start(self) -> None:
        self.active = True
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        for block in self.blocks:
            self._callback(block, len(block) // 2, None, None)
        self.delivered.set()

    def abort(self) -> None:
        self.active = False

    close = abort


def test_sound_server_chunks_are_pushed_in_order_and_the_level_is_the_last_blocks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """push_to: each chunk handed over on the capture thread, none queued for read(), and
    the meter's level that of the newest block (measured when looked at, issue 14)."""
    from captioner.audio import pulse_record

    rng = np.random.default_rng(7)
    blocks = [
        (rng.standard_normal(800) * scale).clip(-32768, 32767).astype("<i2").tobytes()
        for scale in (100, 3000, 800, 12000, 50)
    ]
    monkeypatch.setattr(FakePulseStream, "blocks", blocks)
    monkeypatch.setattr(FakePulseStream, "made", [])
    monkeypatch.setattr(pulse_record, "library", lambda: object())
    monkeypatch.setattr(pulse_record, "PulseRecordStream", FakePulseStream)
    device = InputDevice(
        index=-1, name="pulse", host_api="", max_input_channels=1, default_samplerate=16000.0
    )
    source = DeviceSource(device)
    pushed: list[bytes] = []
    source.push_to(pushed.append)
    source.open()
    try:
        assert source.pushing
        (stream,) = FakePulseStream.made
        assert stream.delivered.wait(5)
        assert pushed == blocks  # 50 ms blocks are the chunks, in order
        assert source.read(0.2) is None  # nothing left queued for a reader
        last = np.frombuffer(blocks[-1], "<i2").astype(np.float64) / 32768
        assert source.level == pytest.approx(float(np.sqrt(np.mean(last**2))), rel=1e-9)
        assert source.level_dbfs == pytest.approx(20 * np.log10(source.level))
    finally:
        source.close()
