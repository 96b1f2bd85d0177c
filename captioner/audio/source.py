"""Audio sources engines read from: a capture device (here) or a file (:mod:`.file_source`).

Both implement :class:`captioner.engines.base.AudioSource`: ``open()``, then
``read(timeout)`` returns one 50 ms chunk of 16 kHz mono s16le (exactly
:data:`~captioner.audio.convert.CHUNK_BYTES` bytes), ``b""`` at the end of the
stream and ``None`` when nothing arrived in time; ``close()`` is idempotent.
Failures are :class:`~captioner.audio.errors.AudioError` with a message that
names the device or file, ready to show to the user.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from types import ModuleType
from typing import Any

from captioner.audio.blocks import ConvertedBlocks, NativeBlocks, rms_int16
from captioner.audio.device_open import (
    DEVICE_OPEN_LOCK,
    choose_rate,
    pulse_source_selected,
    takes_native,
)
from captioner.audio.devices import (
    NOT_LISTED,
    InputDevice,
    load_sounddevice,
    portaudio_pulse_device,
    stream_closed,
    stream_opened,
)
from captioner.audio.errors import AudioError, reason
from captioner.audio.found_again import listed_now
from captioner.audio.pcm import CHUNK_MS, TARGET_RATE
from captioner.audio.pulse_monitor import SYSTEM_AUDIO_PREFIX
from captioner.audio.stall_watch import StallWatch

CHUNK_SECONDS = CHUNK_MS / 1000
_POLL_SECONDS = 0.1  # how often a blocked read() wakes to notice a lost device or close()

__all__ = ["CHUNK_SECONDS", "DEVICE_OPEN_LOCK", "DeviceSource", "pulse_source_selected"]


class DeviceSource:
    """Captures from a PortAudio input device.

    Threading: PortAudio calls :meth:`_on_block` on its real-time audio thread,
    where any delay causes dropouts, so that callback only copies the block into
    a bounded queue (dropping and counting it when the queue is full, i.e. when
    the reader has fallen ``queue_seconds`` behind).  Conversion happens in
    :meth:`read` on the engine's thread.

    A device that goes away is noticed three ways, because backends differ:
    PortAudio's ``finished_callback`` fires, the stream turns inactive, or
    blocks simply stop coming (the ALSA "pulse" device does this when its
    PulseAudio source is removed) for ``stall_seconds`` (``start_seconds``
    before the first block).

    :meth:`push_to` hands chunks over from the capture thread itself instead
    (issue 14): each queue between threads costs a wake-up per 50 ms chunk.
    """

    # True when this device records what the computer plays (a loopback input):
    # silence there is normal, while a microphone giving exact zeros is muted.
    is_system_audio = False
    follows_default_output = False  # the default output's monitor: see pulse_record
    # Told (on the capture thread) the output's description and monitor when it followed.
    on_followed: Callable[[str, str], None] | None = None

    def __init__(
        self,
        device: InputDevice,
        *,
        sd: ModuleType | Any | None = None,
        queue_seconds: float = 5.0,
        stall_seconds: float = 3.0,
        start_seconds: float = 10.0,
    ) -> None:
        self.device = device
        self.name = device.name
        self._sd = sd
        self._queue_blocks = max(2, math.ceil(queue_seconds / CHUNK_SECONDS))
        self._stall = StallWatch(stall_seconds, start_seconds)  # see stall_watch
        self._stream: Any = None
        self._queue: queue.Queue[bytes] = queue.Queue(self._queue_blocks)
        self._blocks: NativeBlocks | ConvertedBlocks | None = None
        self._chunks: deque[bytes] = deque()
        self._closing = threading.Event()
        self._finished = threading.Event()
        self._wake = threading.Event()  # see wake(): also set at the end and by close()
        self._lost: str | None = None
        self._overflows = 0
        self._xruns = 0
        self._level = 0.0
        self._level_block: bytes | None = None  # a pushed block not yet measured
        self._push: Callable[[bytes], None] | None = None  # see push_to()
        self._pushing: NativeBlocks | None = None  # this stream's blocks, when pushed
        self.samplerate: int | None = None  # the rate the device actually runs at
        self.channels: int | None = None

    # -- diagnostics -------------------------------------------------------

    @property
    def level(self) -> float:
        """RMS of the most recently read block, 0..1 (linear, full scale = 1).

        A single float attribute written by the reading thread; reading it from
        another thread (a level meter's timer) is atomic in CPython.  Pushed
        blocks (:meth:`push_to`) are measured here, when someone looks, not
        as each arrives.
        """
        block = self._level_block
        if block is not None:
            self._level_block = None
            self._level = rms_int16(block)
        return self._level

    @property
    def level_dbfs(self) -> float:
        """:attr:`level` in dBFS, floored at -100 dB for silence."""
        level = self.level
        return 20.0 * math.log10(level) if level > 1e-5 else -100.0

    @property
    def overflows(self) -> int:
        """Blocks dropped because the reader fell behind by more than the queue holds."""
        return self._overflows

    @property
    def xruns(self) -> int:
        """Input overflows PortAudio itself reported (the OS buffer overran)."""
        return self._xruns

    def push_to(self, receive: Callable[[bytes], None] | None) -> None:
        """From the next :meth:`open` on, call ``receive(chunk)`` on the capture thread.

        Only where the sound server's own API records (:mod:`.pulse_record`: 16 kHz
        mono 16-bit, nothing to convert, on a reading thread of our own): the
        chunks never queue, so the reader saves a thread wake-up per 50 ms
        (issue 14).  :meth:`read` then returns no chunks, but still notices a
        lost device and the end.  Through PortAudio chunks queue as before: its
        callback runs on a real-time audio thread, where a receiver that blocks
        would cost dropouts.  ``receive`` must never raise.
        """
        self._push = receive

    @property
    def pushing(self) -> bool:
        """Whether the open stream's chunks go to :meth:`push_to`'s receiver."""
        return self._pushing is not None

    # -- AudioSource -------------------------------------------------------

    def __enter__(self) -> DeviceSource:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def open(self) -> None:
        """Start capturing; raises :class:`AudioError` naming the device on failure."""
        if self._stream is not None:
            raise RuntimeError(f"“{self.name}” is already open")
        if self._sd is None and self._open_on_sound_server():
            return
        sd = self._sd if self._sd is not None else load_sounddevice()
        error_types = (getattr(sd, "PortAudioError", OSError), ValueError, OSError)
        if self.device.index == NOT_LISTED:  # a sound-server source found without PortAudio
            try:
                pulse = portaudio_pulse_device(sd)
            except AudioError as exc:
                raise AudioError(f"Cannot open “{self.name}”: {exc}.") from exc
            self.device = dataclasses.replace(pulse, pulse_source=self.device.pulse_source)
        with DEVICE_OPEN_LOCK, pulse_source_selected(self.device.pulse_source):
            self.device = listed_now(self.device, sd, self.name)  # its number may have changed
            self._open(sd, error_types)

    def _open_on_sound_server(self) -> bool:
        """Record a PulseAudio/PipeWire source with libpulse (see pulse_record).

        For the ALSA ``pulse`` device and the sound server's named sources, when
        libpulse loads; False means: open it through PortAudio instead.
        """
        from captioner.audio import pulse_record

        device = self.device
        if not (device.pulse_source or device.name == "pulse") or pulse_record.library() is None:
            return False
        self._reset()
        self._pushing = NativeBlocks() if self._push is not None else None
        try:
            stream = pulse_record.PulseRecordStream(
                source=device.pulse_source or None,  # None: the default (or $PULSE_SOURCE)
                description=f"Captions: {self.name}",
                samplerate=TARGET_RATE,
                blocksize=round(TARGET_RATE * CHUNK_SECONDS),
                callback=self._on_block,
                finished_callback=self._on_finished,
                follow_default_output=self.follows_default_output,
                switched_callback=self._restarted,
                remade_callback=self._stall.started,
            )
        except pulse_record.PulseError as exc:
            raise AudioError(f"Cannot open “{self.name}”: {reason(exc)}.") from exc
        stream.start()
        self._started(stream, TARGET_RATE, 1, NativeBlocks())
        return True

    def _reset(self) -> None:
        self._pushing = None
        self._queue = queue.Queue(self._queue_blocks)
        self._chunks.clear()
        self._closing.clear()
        self._finished.clear()
        self._wake.clear()
        self._lost = None
        self._overflows = 0
        self._xruns = 0
        self._level = 0.0
        self._level_block = None

    def _started(
        self, stream: Any, samplerate: int, channels: int, blocks: NativeBlocks | ConvertedBlocks
    ) -> None:
        self.samplerate = samplerate
        self.channels = channels
        self._blocks = blocks
        self._stall.started()
        self._stream = stream

    def _open(self, sd: Any, error_types: tuple[type[BaseException], ...]) -> None:
        blocks: NativeBlocks | ConvertedBlocks
        if takes_native(sd, self.device, error_types):
            samplerate, channels, blocks = TARGET_RATE, 1, NativeBlocks()
        else:
            channels = max(1, min(2, self.device.max_input_channels))
            samplerate = choose_rate(sd, self.device, self.name, channels, error_types)
            blocks = ConvertedBlocks(samplerate, channels)

        self._reset()
        try:
            # RawInputStream hands the callback a plain buffer: the audio thread copies
            # bytes, no NumPy array (InputStream reshapes one there, deprecated by NumPy 2.5).
            stream = sd.RawInputStream(
                device=self.device.index,
                samplerate=samplerate,
                channels=channels,
                dtype=blocks.dtype,
                # 50 ms blocks: one block ≈ one chunk, and the queue bound is exact.
                blocksize=round(samplerate * CHUNK_SECONDS),
                callback=self._on_block,
                finished_callback=self._on_finished,
            )
        except error_types as exc:
            raise AudioError(f"Cannot open “{self.name}”: {reason(exc)}.") from exc
        stream_opened(stream)  # no re-listing of devices until it is closed (see rescan)
        try:
            stream.start()
        except error_types as exc:
            # Already failing: the start error is the one worth reporting.
            with contextlib.suppress(Exception):
                stream.close()
            stream_closed(stream)
            raise AudioError(f"Cannot open “{self.name}”: {reason(exc)}.") from exc
        self._started(stream, samplerate, channels, blocks)

    def read(self, timeout: float) -> bytes | None:
        """Next 50 ms chunk; ``None`` if none within ``timeout``; ``b""`` after :meth:`close`.

        Queued audio is still delivered after the device vanished; the
        :class:`AudioError` comes once the queue is empty, and again on every
        later call.
        """
        if self._chunks:
            return self._chunks.popleft()
        stream, blocks, queued = self._stream, self._blocks, self._queue
        if stream is None or blocks is None:
            if self._closing.is_set():
                return b""
            raise RuntimeError(f"read() called before open() on “{self.name}”")
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            if self._closing.is_set():
                return b""
            remaining = max(0.0, deadline - time.monotonic())
            if self._pushing is not None:  # nothing queues: wait for the end, a stall, wake()
                return self._await_pushed(stream, remaining)
            try:
                block = queued.get(timeout=min(remaining, _POLL_SECONDS))
            except queue.Empty:
                self._raise_if_lost(stream)
                if self._closing.is_set():
                    continue  # the end, said at the top
                if self._wake.is_set() or time.monotonic() >= deadline:
                    self._wake.clear()
                    return None
                continue
            self._stall.block()
            chunks, self._level = blocks.feed(block)
            if chunks:
                self._chunks.extend(chunks[1:])
                return chunks[0]
            if time.monotonic() >= deadline:
                return None

    def wake(self) -> None:
        """Make a :meth:`read` in progress return ``None`` now (for a reader that is closing)."""
        self._wake.set()

    def close(self) -> None:
        """Stop capturing and release the device; safe to call any number of times."""
        self._closing.set()
        self._wake.set()
        stream, self._stream = self._stream, None
        self._blocks = None
        self._pushing = None
        self._chunks.clear()
        if stream is None:
            return
        # abort() rather than stop(): the remaining buffers are not wanted, and
        # stop() waits for them to play out, which can hang on a vanished device.
        for action in (stream.abort, stream.close):
            with contextlib.suppress(Exception):  # closing a dead device must not raise
                action()
        stream_closed(stream)

    # -- internals ---------------------------------------------------------

    def _on_block(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        """The capture thread: copy the raw buffer and enqueue (or push), nothing else."""
        if status and getattr(status, "input_overflow", False):
            self._xruns += 1
        pushing, receive = self._pushing, self._push
        if pushing is not None and receive is not None:
            if self._closing.is_set():
                return
            block = bytes(indata)
            chunks = pushing.chunks(block)
            self._level_block = block  # measured when the meter looks (see level)
            self._stall.block()  # read() checks stalls from it
            for chunk in chunks:
                receive(chunk)
            return
        try:
            self._queue.put_nowait(bytes(indata))
        except queue.Full:
            self._overflows += 1

    def _restarted(self, output: str, monitor: str) -> None:
        """pulse_record followed the default output: a new stream (the start's grace), its name."""
        self._stall.started()
        self.name = SYSTEM_AUDIO_PREFIX + output
        if self.on_followed is not None:
            self.on_followed(output, monitor)

    def _on_finished(self) -> None:
        """PortAudio: the stream ended, by our close() or because the device went away."""
        self._finished.set()
        self._wake.set()

    def _await_pushed(self, stream: Any, timeout: float) -> bytes | None:
        """While chunks are pushed: sleep until the end, a stall, wake() or ``timeout``, no poll."""
        until_stall = self._stall.until_stall() + 0.01
        # At most a stall's length: the first block may come meanwhile, and then a
        # stall counts from the last one, not from the start's longer grace.
        if self._wake.wait(max(0.0, min(timeout, until_stall, self._stall.stall_seconds))):
            self._wake.clear()
        if self._closing.is_set():
            return b""
        self._raise_if_lost(stream)
        return None

    def _raise_if_lost(self, stream: Any) -> None:
        if self._closing.is_set():
            return
        if self._lost is None:
            if self._finished.is_set():
                self._lost = getattr(stream, "lost_reason", None) or (
                    "the audio stream stopped unexpectedly (device unplugged or disabled?)"
                )
            else:
                try:
                    active = bool(stream.active)
                except Exception as exc:
                    active, self._lost = False, reason(exc)
                if not active and self._lost is None:
                    self._lost = "the audio stream is no longer running"
                elif self._lost is None and (limit := self._stall.stalled()) is not None:
                    unit = "second" if limit == 1 else "seconds"
                    self._lost = f"no audio arrived for {limit:g} {unit}"
        if self._lost is not None:
            raise AudioError(f"Lost the audio device “{self.name}”: {self._lost}.")
