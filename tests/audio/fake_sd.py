"""A stand-in for the ``sounddevice`` module, injected through ``sd=``.

Its RawInputStream calls the callback from its own thread, like PortAudio's
audio thread, so DeviceSource's threading is exercised for real; the
``scenario`` decides what the "hardware" does (deliver, vanish, stall).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np


class PortAudioError(Exception):
    pass


@dataclass
class Status:
    input_overflow: bool = False

    def __bool__(self) -> bool:
        return self.input_overflow


def device(
    name: str,
    inputs: int = 2,
    outputs: int = 0,
    rate: float = 48000.0,
    hostapi: int = 0,
) -> dict[str, Any]:
    return {
        "name": name,
        "hostapi": hostapi,
        "max_input_channels": inputs,
        "max_output_channels": outputs,
        "default_samplerate": rate,
    }


@dataclass
class Scenario:
    """What the fake hardware does once a stream starts."""

    blocks: int | None = None  # deliver this many blocks, then `after`; None = forever
    after: str = "vanish"  # "vanish" (finished_callback), "inactive", or "stall"
    interval: float = 0.002  # seconds between callbacks (faster than real time)
    signal: Callable[[int, int, int], np.ndarray] | None = None  # (block_no, frames, ch)
    overflow_every: int = 0  # report PortAudio input_overflow on every n-th block


@dataclass
class FakeSoundDevice:
    """Module-like object: query_devices, query_hostapis, default, InputStream, …"""

    devices: list[dict[str, Any]] = field(default_factory=list)
    hostapis: list[dict[str, Any]] = field(default_factory=lambda: [{"name": "ALSA"}])
    default_input: int = -1
    rates: dict[int, set[int]] = field(default_factory=dict)  # accepted rates per device
    # Also takes mono int16 at 16 kHz, as the ALSA "pulse" device does (PulseAudio converts).
    native: bool = False
    query_error: str | None = None
    open_error: str | None = None
    start_error: str | None = None
    scenario: Scenario = field(default_factory=Scenario)
    streams: list[FakeInputStream] = field(default_factory=list)

    PortAudioError = PortAudioError

    def __post_init__(self) -> None:
        self.default = SimpleNamespace(device=[self.default_input, -1])

    def query_devices(self, device: Any = None, kind: str | None = None) -> Any:
        if self.query_error:
            raise PortAudioError(self.query_error)
        listed = [{**d, "index": i} for i, d in enumerate(self.devices)]
        if kind == "input":
            if self.default_input < 0:
                raise PortAudioError("Error querying device -1")
            return listed[self.default_input]
        return listed

    def query_hostapis(self) -> tuple[dict[str, Any], ...]:
        if self.query_error:
            raise PortAudioError(self.query_error)
        return tuple(self.hostapis)

    def check_input_settings(
        self, device: int, samplerate: float, channels: int, dtype: str
    ) -> None:
        if dtype == "int16" and not (self.native and channels == 1 and samplerate == 16000):
            raise PortAudioError("Sample format not supported [PaErrorCode -9994]")
        accepted = self.rates.get(device, {round(self.devices[device]["default_samplerate"])})
        if round(samplerate) not in accepted:
            raise PortAudioError("Invalid sample rate [PaErrorCode -9997]")

    def RawInputStream(self, **kwargs: Any) -> FakeInputStream:
        if self.open_error:
            raise PortAudioError(self.open_error)
        stream = FakeInputStream(self, **kwargs)
        self.streams.append(stream)
        return stream


class FakeInputStream:
    def __init__(
        self,
        sd: FakeSoundDevice,
        *,
        device: int,
        samplerate: float,
        channels: int,
        dtype: str,
        blocksize: int,
        callback: Callable[..., None],
        finished_callback: Callable[[], None],
    ) -> None:
        assert dtype in ("float32", "int16")
        self.dtype = dtype
        self.sd = sd
        self.device = device
        self.samplerate = samplerate
        self.channels = channels
        self.blocksize = blocksize
        self.callback = callback
        self.finished_callback = finished_callback
        self.active = False
        self.closed = False
        self.delivered = 0
        self.callback_seconds: list[float] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._finished_once = threading.Lock()
        self._finished = False

    def start(self) -> None:
        if self.sd.start_error:
            raise PortAudioError(self.sd.start_error)
        self.active = True
        self._thread = threading.Thread(target=self._run, name="fake-portaudio", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        scenario = self.sd.scenario
        n = 0
        while not self._stop.is_set() and (scenario.blocks is None or n < scenario.blocks):
            if scenario.signal is not None:
                block = scenario.signal(n, self.blocksize, self.channels)
            else:
                block = np.full((self.blocksize, self.channels), 0.1, np.float32)
            every = scenario.overflow_every
            status = Status(input_overflow=bool(every) and n % every == every - 1)
            began = time.perf_counter()
            if self.dtype == "int16":
                block = np.clip(np.rint(np.asarray(block) * 32768), -32768, 32767).astype("<i2")
            # Like sounddevice's RawInputStream: a buffer of interleaved samples.
            self.callback(
                memoryview(np.ascontiguousarray(block).astype(self.dtype, copy=False).tobytes()),
                self.blocksize,
                None,
                status,
            )
            self.callback_seconds.append(time.perf_counter() - began)
            n += 1
            self.delivered = n
            if scenario.interval:
                self._stop.wait(scenario.interval)
        if self._stop.is_set():
            return
        if scenario.after == "vanish":
            self.active = False
            self._finish()
        elif scenario.after == "inactive":
            self.active = False
        # "stall": stays active, delivers nothing

    def _finish(self) -> None:
        with self._finished_once:
            if self._finished:
                return
            self._finished = True
        self.finished_callback()

    def join(self, timeout: float = 5.0) -> bool:
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    def abort(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)
        if self.active:
            self.active = False
            self._finish()

    stop = abort

    def close(self) -> None:
        self.abort()
        self.closed = True
