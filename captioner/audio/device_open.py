"""Opening a PortAudio input stream: the format a device takes, and its PulseAudio source.

The ALSA ``pulse`` device picks its capture source from the ``PULSE_SOURCE``
environment variable when a stream opens; the lock and context manager keep
that choice to one stream at a time (see
:class:`~captioner.audio.source.DeviceSource`).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from captioner.audio.devices import PORTAUDIO_LOCK, InputDevice
from captioner.audio.errors import AudioError
from captioner.audio.pcm import TARGET_RATE

# Held while a stream is opened.  The ALSA "pulse" device picks its capture
# source from the PULSE_SOURCE environment variable at open time, so code that
# sets it for one stream (system audio, see captioner.audio.system) must not
# let another stream open in between.  Re-entrant: that code holds it around
# DeviceSource.open().  The same lock keeps PortAudio from re-listing its devices
# meanwhile (captioner.audio.devices.rescan).
DEVICE_OPEN_LOCK = PORTAUDIO_LOCK


@contextlib.contextmanager
def pulse_source_selected(source: str) -> Iterator[None]:
    """``PULSE_SOURCE`` names ``source`` inside the block, and is put back after it.

    libpulse reads the variable when the ALSA ``pulse`` device opens a stream,
    which is how one stream records a chosen PulseAudio/PipeWire source while
    others keep theirs.  Hold :data:`DEVICE_OPEN_LOCK` around it.  An empty
    ``source`` leaves the environment alone.
    """
    if not source:
        yield
        return
    saved = os.environ.get("PULSE_SOURCE")
    os.environ["PULSE_SOURCE"] = source
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("PULSE_SOURCE", None)
        else:
            os.environ["PULSE_SOURCE"] = saved


def takes_native(sd: Any, device: InputDevice, error_types: tuple[type, ...]) -> bool:
    """Whether the device gives 16 kHz mono int16 itself (see captioner.audio.blocks)."""
    try:
        sd.check_input_settings(
            device=device.index, samplerate=TARGET_RATE, channels=1, dtype="int16"
        )
    except error_types:
        return False
    return True


def choose_rate(
    sd: Any, device: InputDevice, name: str, channels: int, error_types: tuple[type, ...]
) -> int:
    """16 kHz when the device accepts it (no resampling), else its native rate."""
    try:
        sd.check_input_settings(
            device=device.index, samplerate=TARGET_RATE, channels=channels, dtype="float32"
        )
        return TARGET_RATE
    except error_types:
        pass
    rate = round(device.default_samplerate)
    if rate <= 0:
        raise AudioError(f"Cannot open “{name}”: the device reports no usable sample rate.")
    return rate
