"""Recording a PulseAudio/PipeWire monitor (what an output plays) through PortAudio.

PortAudio's ALSA device list does not show monitors, so a monitor is recorded
through the ALSA ``pulse`` device with ``PULSE_SOURCE`` naming it while the
stream opens (libpulse reads it then): a :class:`DeviceSource` on that device
with ``pulse_source`` set, exactly as a named microphone is recorded (see
:func:`~captioner.audio.source.pulse_source_selected`).
"""

from __future__ import annotations

import dataclasses
from types import ModuleType
from typing import TYPE_CHECKING, Any

from captioner.audio.devices import InputDevice, find_device, list_input_devices
from captioner.audio.errors import AudioError

if TYPE_CHECKING:
    from captioner.audio.source import DeviceSource

SYSTEM_AUDIO_PREFIX = "System audio — "


class PulseMonitorSource:
    """Records a PulseAudio/PipeWire monitor through PortAudio's ALSA ``pulse`` device.

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
    ) -> None:
        self.monitor = monitor
        self.name = name or f"{SYSTEM_AUDIO_PREFIX}{monitor}"
        self._sd = sd
        self._device = device
        self._stall_seconds = stall_seconds
        self._inner: DeviceSource | None = None

    # Silence is normal here: a paused video, a call on hold.  The level monitor
    # only warns about silence where it is suspicious (a microphone).
    is_system_audio = True

    @property
    def level(self) -> float:
        inner = self._inner
        return inner.level if inner is not None else 0.0

    def open(self) -> None:
        device = self._device
        if device is None:
            try:
                device = find_device("pulse", list_input_devices(self._sd))
            except AudioError as exc:
                raise AudioError(
                    f"Cannot open “{self.name}”: PortAudio has no “pulse” device "
                    "(install the ALSA PulseAudio plugin, libasound2-plugins)."
                ) from exc
        device = dataclasses.replace(device, pulse_source=self.monitor)
        from captioner.audio.source import DeviceSource  # numpy and soxr: only when opening

        inner = DeviceSource(device, sd=self._sd, stall_seconds=self._stall_seconds)
        inner.name = self.name
        inner.open()
        self._inner = inner

    def read(self, timeout: float) -> bytes | None:
        inner = self._inner
        if inner is None:
            raise RuntimeError(f"read() called before open() on “{self.name}”")
        return inner.read(timeout)

    def close(self) -> None:
        inner = self._inner
        if inner is not None:
            inner.close()
