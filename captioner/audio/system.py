"""System audio: capture what the computer plays, to caption the other side of a call.

Each platform exposes "what you hear" differently, and PortAudio alone does
not list it everywhere:

* **Linux (PulseAudio, or PipeWire through pipewire-pulse):** every output
  has a *monitor* source.  PortAudio's ALSA device list does not show them,
  so the sound server lists them (:mod:`.pulse_sources`), and a monitor is
  recorded through PortAudio's ALSA ``pulse`` device with ``PULSE_SOURCE``
  naming the monitor while the stream opens (libpulse reads it then).  Opens
  are serialised by :data:`~captioner.audio.device_open.DEVICE_OPEN_LOCK` and the
  variable is restored afterwards, so other streams are unaffected.
* **Windows:** WASAPI can record an output in loopback mode.  sounddevice
  (0.5) has no switch for it: ``sd.WasapiSettings`` only offers
  ``exclusive``/``auto_convert``/``explicit_sample_format``.  PortAudio builds
  from after February 2022 (PortAudio PR #672) list every output a second
  time as an *input* device whose name ends in ``[Loopback]``; those are
  offered here.  The PortAudio DLL bundled with sounddevice predates that, so
  on a stock install the list is usually empty and :func:`help_text` says
  what to do (a newer PortAudio DLL, the "Stereo Mix" input some sound cards
  have, or a virtual cable such as VB-CABLE, which are also recognised).
* **macOS:** there is no loopback API reachable from PortAudio; a virtual
  loopback driver (BlackHole, Loopback Audio, Soundflower…) appears as an
  ordinary input device and is recognised by name.

Everything that touches the system is injected (``run`` for commands, ``sd``
for sounddevice, ``platform``) so the parsing is tested with canned output.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from captioner.audio.devices import InputDevice, list_input_devices
from captioner.audio.errors import AudioError
from captioner.audio.pulse_monitor import SYSTEM_AUDIO_PREFIX, PulseMonitorSource
from captioner.audio.pulse_sources import PulseSnapshot, Runner, read_pulse, run_command

if TYPE_CHECKING:
    from captioner.audio.source import DeviceSource

MACOS_HELP_URL = "https://github.com/ExistentialAudio/BlackHole#installation"
WINDOWS_HELP_URL = "https://github.com/spatialaudio/python-sounddevice/issues/510"

MACOS_HELP = (
    "macOS has no built-in way to record what the computer plays. Install a free "
    "virtual loopback driver such as BlackHole, route your call app's output to a "
    "Multi-Output Device that includes it, then pick it here. How: " + MACOS_HELP_URL
)
WINDOWS_HELP = (
    "No loopback device was found. Enable “Stereo Mix” in the Sound control panel "
    "(Recording tab, show disabled devices), install a virtual cable such as VB-CABLE, "
    "or use a PortAudio build with WASAPI loopback support. Details: " + WINDOWS_HELP_URL
)
LINUX_HELP = (
    "No output monitors were found. System audio needs PulseAudio, or PipeWire "
    "with pipewire-pulse, and libpulse (package libpulse0)."
)

# Virtual loopback drivers and loopback-style inputs, matched case-insensitively.
_MAC_LOOPBACK = re.compile(r"blackhole|loopback audio|soundflower|ishowu|background music")
_WINDOWS_LOOPBACK = re.compile(r"\[loopback\]|stereo mix|what u hear|wave out mix|cable output")


@dataclass(frozen=True, slots=True)
class SystemAudioDevice:
    """One system-audio capture choice, ready for a device picker.

    ``monitor`` is the PulseAudio source name (Linux); ``device`` the PortAudio
    input device (Windows loopback, macOS loopback driver).  ``is_default``
    marks the default output's monitor, which call mode pre-selects; on
    PulseAudio/PipeWire its capture follows the default output during a run
    (headphones plugged in), while any other output's stays on that output.
    """

    name: str
    output: str
    backend: str  # "pulse" | "wasapi" | "loopback-driver"
    monitor: str = ""
    device: InputDevice | None = None
    is_default: bool = False

    @property
    def label(self) -> str:
        return f"{self.name} — default" if self.is_default else self.name

    def make_source(
        self, *, sd: ModuleType | Any | None = None
    ) -> PulseMonitorSource | DeviceSource:
        """A (not yet opened) audio source recording this output."""
        if self.backend == "pulse":
            return PulseMonitorSource(
                self.monitor, name=self.name, sd=sd, follow_default=self.is_default
            )
        if self.device is None:
            raise AudioError(f"“{self.name}” has no capture device to open.")
        from captioner.audio.source import DeviceSource  # numpy and soxr: only when opening

        source = DeviceSource(self.device, sd=sd)
        source.name = self.name
        source.is_system_audio = True  # its silence is a paused video, not a muted mic
        return source


# -- Linux: PulseAudio / PipeWire monitors ----------------------------------


def pulse_monitors(snapshot: PulseSnapshot) -> list[SystemAudioDevice]:
    """Every output monitor in ``snapshot``, as system-audio choices."""
    devices = []
    default = snapshot.default_sink
    for source in snapshot.sources:
        if not source.monitor_of_sink:
            continue
        sink = source.monitor_of_sink
        output = (
            snapshot.sinks.get(sink)
            or source.description.removeprefix("Monitor of ").strip()
            or sink
        )
        devices.append(
            SystemAudioDevice(
                name=SYSTEM_AUDIO_PREFIX + output,
                output=output,
                backend="pulse",
                monitor=source.name,
                is_default=default is not None and source.name == f"{default}.monitor",
            )
        )
    return devices


def list_pulse_monitors(run: Runner = run_command) -> list[SystemAudioDevice]:
    """Every output monitor the PulseAudio/PipeWire server has; [] without one."""
    snapshot = read_pulse(run)
    return pulse_monitors(snapshot) if snapshot is not None else []


# -- Windows and macOS: loopback inputs PortAudio lists -----------------------


def list_loopback_inputs(
    devices: Sequence[InputDevice], platform: str = sys.platform
) -> list[SystemAudioDevice]:
    """The inputs that record an output: WASAPI ``[Loopback]`` devices, virtual cables."""
    found = []
    if platform == "win32":
        for device in devices:
            if not _WINDOWS_LOOPBACK.search(device.name.casefold()):
                continue
            # A WASAPI loopback device is listed under each host API that has
            # it only once ("Windows WASAPI"); Stereo Mix shows up under MME,
            # DirectSound and WASAPI alike, and WASAPI is the one to use.
            if "[loopback]" not in device.name.casefold() and device.host_api not in (
                "Windows WASAPI",
                "",
            ):
                continue
            output = re.sub(r"\s*\[loopback\]\s*$", "", device.name, flags=re.IGNORECASE)
            found.append(
                SystemAudioDevice(
                    name=SYSTEM_AUDIO_PREFIX + output,
                    output=output,
                    backend="wasapi",
                    device=device,
                )
            )
    elif platform == "darwin":
        for device in devices:
            if _MAC_LOOPBACK.search(device.name.casefold()):
                found.append(
                    SystemAudioDevice(
                        name=SYSTEM_AUDIO_PREFIX + device.name,
                        output=device.name,
                        backend="loopback-driver",
                        device=device,
                    )
                )
    if found:
        found[0] = _as_default(found[0])
    return found


def _as_default(device: SystemAudioDevice) -> SystemAudioDevice:
    return SystemAudioDevice(
        name=device.name,
        output=device.output,
        backend=device.backend,
        monitor=device.monitor,
        device=device.device,
        is_default=True,
    )


def list_system_sources(
    *,
    platform: str = sys.platform,
    run: Runner = run_command,
    sd: ModuleType | Any | None = None,
    devices: Sequence[InputDevice] | None = None,
    pulse: PulseSnapshot | None = None,
) -> list[SystemAudioDevice]:
    """System-audio capture choices on this machine; the default output's first.

    Never raises for a missing sound server or tool: an empty list (see
    :func:`help_text`) is the answer then.  ``devices`` saves a second
    PortAudio enumeration when the caller already has the input list, and
    ``pulse`` a second look at the sound server.
    """
    if platform.startswith("linux") or platform.startswith("freebsd"):
        found = pulse_monitors(pulse) if pulse is not None else list_pulse_monitors(run)
    else:
        if devices is None:
            try:
                devices = list_input_devices(sd)
            except AudioError:
                return []
        found = list_loopback_inputs(devices, platform)
    return sorted(found, key=lambda d: not d.is_default)


def default_system_source(devices: Sequence[SystemAudioDevice]) -> SystemAudioDevice | None:
    """The choice call mode pre-selects: the default output's monitor, else the first."""
    for device in devices:
        if device.is_default:
            return device
    return devices[0] if devices else None


def help_text(platform: str = sys.platform) -> str:
    """What to tell someone who has no system-audio source (with a link where useful)."""
    if platform == "darwin":
        return MACOS_HELP
    if platform == "win32":
        return WINDOWS_HELP
    return LINUX_HELP


def help_url(platform: str = sys.platform) -> str | None:
    return {"darwin": MACOS_HELP_URL, "win32": WINDOWS_HELP_URL}.get(platform)
