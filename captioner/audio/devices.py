"""Enumerate capture devices and resolve what the user typed or picked.

The sounddevice module is passed in (``sd=``) rather than imported at the top
so tests can hand over a fake, and so that merely importing
:mod:`captioner.audio` works on a machine without PortAudio: the missing
library only becomes an :class:`AudioError` when someone asks for devices.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from captioner.audio.errors import AudioError

if TYPE_CHECKING:
    from captioner.audio.source import DeviceSource


log = logging.getLogger(__name__)

SOUND_SERVER_API = "PulseAudio"
# The index of a sound-server source found without PortAudio: it is recorded with
# libpulse, and only looked up as PortAudio's "pulse" device if that fails.
NOT_LISTED = -1

# Held while a PortAudio stream opens and while PortAudio re-lists its devices: a
# stream must not open in between Pa_Terminate and Pa_Initialize (see rescan), nor
# while captioner.audio.device_open's PULSE_SOURCE names another stream's source.
PORTAUDIO_LOCK = threading.RLock()
# The PortAudio streams this process has open (ids): Pa_Terminate closes and frees
# them, so a later close of one would touch freed memory; rescan() waits for none.
_open_streams: set[int] = set()


def stream_opened(stream: object) -> None:
    """``stream`` (a PortAudio stream) is open: :func:`rescan` must not run now."""
    with PORTAUDIO_LOCK:
        _open_streams.add(id(stream))


def stream_closed(stream: object) -> None:
    """``stream`` was closed (or failed to open): idempotent."""
    with PORTAUDIO_LOCK:
        _open_streams.discard(id(stream))


def relisting_possible() -> bool:
    """Whether :func:`rescan` would list the devices again now: no PortAudio stream is open."""
    return not _open_streams


def numbered(names: Sequence[str], keys: Sequence[str]) -> list[str]:
    """``names`` made distinct: a repeated one gets " (2)", " (3)"… in the order of ``keys``.

    Two identical USB headsets have the same description; the picker showed
    two entries that could not be told apart, and a pick is remembered by
    name, so the second could never come back.  ``keys`` are the sound
    server's own source names (which carry the port or serial): sorted by
    them, the same headset gets the same number on the next scan.
    """
    order = sorted(range(len(names)), key=lambda i: keys[i])
    seen: dict[str, int] = {}
    out = list(names)
    for i in order:
        if names[i]:
            seen[names[i]] = seen.get(names[i], 0) + 1
            if seen[names[i]] > 1:
                out[i] = f"{names[i]} ({seen[names[i]]})"
    return out


@dataclass(frozen=True, slots=True)
class InputDevice:
    """One capture device as PortAudio reports it, or a sound server's source reached through it.

    ``pulse_source`` names a PulseAudio/PipeWire source (a microphone or an
    output's monitor) that is recorded through PortAudio's ALSA ``pulse``
    device (``index``): PortAudio itself only ever shows that one device, so
    this is how a real microphone gets its real name ("USB Headset").
    ``index`` is :data:`NOT_LISTED` when PortAudio was not asked (the
    source is recorded with libpulse, see :mod:`.pulse_record`).
    """

    index: int
    name: str
    host_api: str
    max_input_channels: int
    default_samplerate: float
    is_default: bool = False
    pulse_source: str = ""

    @property
    def label(self) -> str:
        """Text for a device picker, e.g. ``"Built-in Mic (ALSA) — default"``.

        A sound-server source is shown by its own description only: the host
        API ("PulseAudio") says nothing a user picks by.
        """
        shown_api = self.host_api and not self.pulse_source
        text = f"{self.name} ({self.host_api})" if shown_api else self.name
        return f"{text} — default" if self.is_default else text


def sound_server_input(source: str, name: str = "", *, is_default: bool = False) -> InputDevice:
    """A PulseAudio/PipeWire source (microphone or monitor) as a capture device.

    Recorded at 16 kHz mono, which the server converts to; PortAudio's
    "pulse" device is looked up only if libpulse cannot record it.
    """
    return InputDevice(
        index=NOT_LISTED,
        name=name or source,
        host_api=SOUND_SERVER_API,
        max_input_channels=1,
        default_samplerate=16000.0,
        is_default=is_default,
        pulse_source=source,
    )


def portaudio_pulse_device(sd: ModuleType | Any | None = None) -> InputDevice:
    """PortAudio's ALSA "pulse" device, through which any sound-server source can be recorded.

    Raises :class:`AudioError` saying which package provides it.
    """
    try:
        return find_device("pulse", list_input_devices(sd))
    except AudioError as exc:
        raise AudioError(
            "PortAudio has no “pulse” device to record the sound server through "
            "(install libpulse0, or the ALSA PulseAudio plugin libasound2-plugins)"
        ) from exc


def load_sounddevice() -> ModuleType:
    """Import sounddevice, turning a missing PortAudio library into an AudioError."""
    try:
        import sounddevice
    except OSError as exc:  # sounddevice raises OSError when libportaudio is absent
        raise AudioError(
            f"Audio capture is unavailable: the PortAudio library could not be loaded ({exc})."
        ) from exc
    return sounddevice


def _portaudio_error(sd: Any) -> type[BaseException]:
    return getattr(sd, "PortAudioError", OSError)


def _default_input_index(sd: Any) -> int | None:
    """The index PortAudio would use for ``device=None``, or None if there is none."""
    try:
        index = int(sd.default.device[0])
    except (AttributeError, IndexError, TypeError, ValueError):
        index = -1
    if index >= 0:
        return index
    try:
        info = sd.query_devices(kind="input")
        return int(info["index"])
    except Exception:  # no default input is a normal state, not an error
        return None


def list_input_devices(sd: ModuleType | Any | None = None) -> list[InputDevice]:
    """Return every device that can capture, in PortAudio's order.

    Raises :class:`AudioError` when PortAudio itself fails (library missing,
    no sound server), because the caller can only show that to the user.
    """
    if sd is None:
        sd = load_sounddevice()
    error_type = _portaudio_error(sd)
    # Not while another thread re-lists them (rescan): their records are freed then.
    with PORTAUDIO_LOCK:
        try:
            raw_devices = list(sd.query_devices())
            host_apis = list(sd.query_hostapis())
        except error_type as exc:
            raise AudioError(f"Cannot list audio devices: {exc}.") from exc
        default_index = _default_input_index(sd)

    devices: list[InputDevice] = []
    for position, info in enumerate(raw_devices):
        channels = int(info.get("max_input_channels", 0))
        if channels <= 0:
            continue
        index = int(info.get("index", position))
        api_index = info.get("hostapi")
        host_api = ""
        if isinstance(api_index, int) and 0 <= api_index < len(host_apis):
            host_api = str(host_apis[api_index].get("name", ""))
        devices.append(
            InputDevice(
                index=index,
                name=str(info.get("name", f"Device {index}")),
                host_api=host_api,
                max_input_channels=channels,
                default_samplerate=float(info.get("default_samplerate", 0.0)),
                is_default=index == default_index,
            )
        )
    return devices


def _available(devices: Sequence[InputDevice]) -> str:
    if not devices:
        return "No audio input devices are available."
    return "Available input devices: " + "; ".join(f"{d.index}: {d.name}" for d in devices) + "."


def find_device(spec: str | int, devices: Sequence[InputDevice]) -> InputDevice:
    """Resolve a device index or a (case-insensitive) part of its name.

    An exact name wins over substring matches, so "pulse" picks the device
    named "pulse" even when "pulse monitor" exists too.  Errors list the
    devices, because the person who typed the spec needs them to try again.
    """
    if isinstance(spec, int) or (isinstance(spec, str) and spec.strip().isdigit()):
        index = int(spec)
        for device in devices:
            if device.index == index:
                return device
        raise AudioError(f"There is no audio input device number {index}. {_available(devices)}")

    needle = spec.strip().casefold()
    if not needle:
        raise AudioError(f"No audio input device was named. {_available(devices)}")
    exact = [d for d in devices if d.name.casefold() == needle]
    if len(exact) == 1:
        return exact[0]
    matches = exact or [d for d in devices if needle in d.name.casefold()]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise AudioError(f"No audio input device matches “{spec}”. {_available(devices)}")
    names = "; ".join(f"{d.index}: {d.name}" for d in matches)
    raise AudioError(
        f"“{spec}” matches more than one audio input device ({names}); "
        "use the number or more of the name."
    )


def rescan(sd: ModuleType | Any | None = None) -> bool:
    """Make PortAudio enumerate devices again (it lists them once, at start-up).

    Needed to see a headset plugged in after launch, or back after it went
    away.  Pa_Terminate closes and frees every open stream, so while one of
    this process's streams is open (:func:`stream_opened`) nothing is done:
    the list stays as it was (False).  True when the devices were listed again.
    """
    if sd is None:
        sd = load_sounddevice()
    terminate = getattr(sd, "_terminate", None)
    initialize = getattr(sd, "_initialize", None)
    if terminate is None or initialize is None:
        return False
    with PORTAUDIO_LOCK:
        if _open_streams:
            log.info("Devices not listed again: %d audio stream(s) open", len(_open_streams))
            return False
        try:
            terminate()
            initialize()
        except _portaudio_error(sd) as exc:
            raise AudioError(f"Cannot list audio devices: {exc}.") from exc
    return True


# What opening a live or file source imports: Start loads these on a worker first when
# they are not loaded yet (see captioner.core.lazy_import).  A device that gives 16 kHz
# mono needs no numpy (captioner.audio.blocks); call mode mixes its sides with numpy.
CAPTURE_MODULES = ("captioner.audio.source", "captioner.audio.returning_capture")
CALL_CAPTURE_MODULES = (*CAPTURE_MODULES, "captioner.audio.call", "captioner.audio.call_revive")
FILE_CAPTURE_MODULES = (*CAPTURE_MODULES, "captioner.audio.file_source")  # numpy, soxr


def open_device_source(device: InputDevice) -> DeviceSource:
    """A (not yet opened) source for ``device``, importing numpy and soxr only now.

    The app's default device opener: :mod:`captioner.audio.source` converts with
    numpy and soxr, which need not load before the main window shows.
    """
    from captioner.audio.source import DeviceSource

    return DeviceSource(device)
