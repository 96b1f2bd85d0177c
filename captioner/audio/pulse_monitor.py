"""Recording a PulseAudio/PipeWire monitor (what an output plays).

A monitor is recorded exactly as a named microphone is: a :class:`DeviceSource`
on a sound-server input with ``pulse_source`` set, read with libpulse
(:mod:`.pulse_record`), or where that library is missing through PortAudio's
ALSA ``pulse`` device with ``PULSE_SOURCE`` naming the monitor while the
stream opens (see :func:`~captioner.audio.device_open.pulse_source_selected`).

``follow_default``: the monitor is that of the default output, and follows the
server's default output when it changes during the run (with libpulse only);
``on_followed`` is then told, so the app can say what it captions now.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

from captioner.audio.devices import InputDevice, sound_server_input

if TYPE_CHECKING:
    from captioner.audio.source import DeviceSource

SYSTEM_AUDIO_PREFIX = "System audio — "


class PulseMonitorSource:
    """Records a PulseAudio/PipeWire monitor (``device``: PortAudio's "pulse", else looked up).

    An :class:`~captioner.engines.base.AudioSource`; ``level`` is the level of
    the underlying :class:`DeviceSource`.
    """

    def __init__(
        self,
        monitor: str,
        *,
        name: str | None = None,
        sd: ModuleType | Any | None = None,
        device: InputDevice | None = None,
        stall_seconds: float = 3.0,
        follow_default: bool = False,
    ) -> None:
        self.monitor = monitor
        self.follow_default = follow_default
        self._name = name or f"{SYSTEM_AUDIO_PREFIX}{monitor}"
        self._sd = sd
        self._device = device
        self._stall_seconds = stall_seconds
        self._inner: DeviceSource | None = None
        self._push: Callable[[bytes], None] | None = None
        # ``on_followed(output, monitor)``, on the capture thread, each time the recording
        # moved to a new default output.  Read when that happens: it may be set after open().
        self.on_followed: Callable[[str, str], None] | None = None

    # Silence is normal here: a paused video, a call on hold.  The level monitor
    # only warns about silence where it is suspicious (a microphone).
    is_system_audio = True

    @property
    def name(self) -> str:
        """As chosen; once following the default output, the output it records now."""
        inner = self._inner
        return inner.name if inner is not None else self._name

    @property
    def level(self) -> float:
        inner = self._inner
        return inner.level if inner is not None else 0.0

    def push_to(self, receive: Callable[[bytes], None] | None) -> None:
        """As :meth:`DeviceSource.push_to` (chunks handed over where they arrive)."""
        self._push = receive

    def open(self) -> None:
        device = self._device
        if device is None:
            device = sound_server_input(self.monitor, self.name)
        device = dataclasses.replace(device, pulse_source=self.monitor)
        from captioner.audio.source import DeviceSource  # numpy and soxr: only when opening

        inner = DeviceSource(device, sd=self._sd, stall_seconds=self._stall_seconds)
        inner.name = self.name
        inner.follows_default_output = self.follow_default
        inner.on_followed = self._followed
        inner.push_to(self._push)
        inner.open()
        self._inner = inner

    def _followed(self, output: str, monitor: str) -> None:
        """The capture thread: now recording ``monitor``, the new default output's."""
        self.monitor = monitor  # first: a listener set meanwhile reads it (see on_followed)
        listener = self.on_followed
        if listener is not None:
            listener(output, monitor)

    def read(self, timeout: float) -> bytes | None:
        inner = self._inner
        if inner is None:
            raise RuntimeError(f"read() called before open() on “{self.name}”")
        return inner.read(timeout)

    def wake(self) -> None:
        """As :meth:`DeviceSource.wake`."""
        inner = self._inner
        if inner is not None:
            inner.wake()

    def close(self) -> None:
        inner = self._inner
        if inner is not None:
            inner.close()
