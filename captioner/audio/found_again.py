"""A PortAudio device that went away mid-run, found again when it is back.

PortAudio lists devices once, when it initialises: a USB or Bluetooth headset
that drops and comes back (every device on Windows and macOS; raw ALSA on
Linux) stays invisible to it, and may come back under another number.  Before
this, such a one-source run ended with "Lost the audio device …" even after the
headset was back.  :func:`rescanning_opener` makes the opener a
:class:`~captioner.audio.returning_capture.ReturningCapture` hands its reviver:
each try lists PortAudio's devices again (:func:`~captioner.audio.devices.rescan`)
and looks for the device by its name and host API.

Listing again means Pa_Terminate, which closes and frees every open stream, so
:func:`~captioner.audio.devices.rescan` does nothing while any of ours is open;
the lost one is closed by then (:class:`~captioner.audio.early_capture.EarlyCapture`
closes its device before it reports the failure).
Call mode keeps its other side's stream open: there a PortAudio side is waited
for only while the other is not a PortAudio stream (see
:mod:`captioner.audio.call_revive`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from captioner.audio.devices import (
    InputDevice,
    list_input_devices,
    load_sounddevice,
    rescan,
)
from captioner.audio.errors import AudioError


def portaudio_device(item: object) -> InputDevice | None:
    """The PortAudio device behind ``item`` (a device or system audio); None if it has none.

    A sound-server source (``pulse_source``, or system audio's ``"pulse"``
    backend) is recorded by name instead (see ``reopens_by_name``).
    """
    if isinstance(item, InputDevice):
        return item if item.index >= 0 and not item.pulse_source else None
    device = getattr(item, "device", None)
    if getattr(item, "backend", "") == "pulse" or not isinstance(device, InputDevice):
        return None
    return portaudio_device(device)


def find_again(device: InputDevice, devices: Sequence[InputDevice]) -> InputDevice:
    """``device`` among ``devices`` (listed anew): same name and host API, its old number first.

    Raises :class:`AudioError` while it is not there.
    """
    same = [d for d in devices if d.name == device.name and d.host_api == device.host_api]
    if not same:
        raise AudioError("it is not connected now (unplugged, switched off or removed?)")
    return next((d for d in same if d.index == device.index), same[0])


def listed_now(device: InputDevice, sd: ModuleType | Any, name: str) -> InputDevice:
    """``device`` as PortAudio lists it now, by name; AudioError naming ``name`` if it is not.

    Its number may have changed since the picker listed it: a reviver
    re-listed PortAudio's devices during the last run, and a Start right
    after it would have opened whatever now has the old number (another
    microphone, when the picked one is gone).
    """
    try:
        devices = list_input_devices(sd)
    except AudioError:
        return device  # PortAudio cannot list them: opening it says what is wrong
    try:
        index = find_again(device, devices).index
    except AudioError as exc:
        raise AudioError(f"Cannot open “{name}”: {exc}.") from exc
    return device if index == device.index else dataclasses.replace(device, index=index)


def rescanning_opener(
    item: Any, make: Callable[[Any], Any], sd: ModuleType | Any | None = None
) -> Callable[[], Any] | None:
    """An opener for ``item`` that lists PortAudio's devices again first; None if it has none.

    ``make(item)`` makes an unopened source for ``item``; opening it looks its
    device up by name in the new list (:func:`listed_now`), failing while it
    is not back.  It runs on the reviver's thread: listing devices takes a while.
    """
    if portaudio_device(item) is None:
        return None

    def reopen() -> Any:
        rescan(sd if sd is not None else load_sounddevice())
        return make(item)

    return reopen
