"""Everything that can be captioned on this machine, found in one scan, and named for people.

PortAudio alone only shows the sound server as two devices called "pulse" and
"default", so a user never sees the name of their microphone.  On Linux the
sound server (PulseAudio, or PipeWire through pipewire-pulse) is asked for its
sources instead (``pactl``, two or three calls): each microphone is listed by
its own description ("USB Headset") and recorded with libpulse, the
way system-audio monitors are (:attr:`InputDevice.pulse_source`).

Where the sound server answers and libpulse is there, that is the
whole list, as in browsers and OBS: PortAudio is not even initialised (its
ALSA plugins cost ~18 MB and a few hundred ms, issue 14).  It is asked too
when something wanted (``--device``, a remembered pick) is not among the
sound server's sources, for ``--list-devices``, and everywhere else.

A scan blocks (PortAudio start-up, ``pactl`` may take seconds on a busy
server): callers with a GUI run it off their GUI thread.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from types import ModuleType
from typing import Any

from captioner.audio.devices import (
    InputDevice,
    list_input_devices,
    load_sounddevice,
    rescan,
    sound_server_input,
)
from captioner.audio.errors import AudioError
from captioner.audio.pulse_sources import PulseSnapshot, Runner, read_pulse, run_command
from captioner.audio.system import SystemAudioDevice, list_system_sources

# What PortAudio's ALSA devices recording the sound server's default source are called:
# ``--device pulse`` still means that source when PortAudio was not asked.
DEFAULT_SOURCE_ALIASES = ("pulse", "default")


@dataclass(frozen=True)
class Inventory:
    """The inputs found by one scan.

    ``devices``: microphones and other inputs (the sound server's named
    sources first, then what PortAudio lists); ``systems``: what the
    computer plays; ``problems``: what went wrong, in words for the user;
    ``default_source``: the sound server's default source (a microphone or
    a monitor), what PortAudio's "pulse" device would record.
    """

    devices: list[InputDevice] = field(default_factory=list)
    systems: list[SystemAudioDevice] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    default_source: str = ""


def named_pulse_inputs(
    snapshot: PulseSnapshot, portaudio: Sequence[InputDevice] | None = None
) -> list[InputDevice]:
    """The sound server's capture sources that are not monitors, by their descriptions.

    ``portaudio`` None: they are recorded with libpulse.  Otherwise
    through PortAudio's "pulse" device; empty when it has none (the ALSA
    PulseAudio plugin is missing): listing what cannot open would only
    disappoint.  The server's default source comes first and is marked.
    """
    pulse = None
    if portaudio is not None:
        pulse = next((d for d in portaudio if d.name == "pulse"), None)
        if pulse is None:
            return []
    found = []
    for source in snapshot.sources:
        if source.monitor_of_sink or not source.name:
            continue
        device = sound_server_input(
            source.name,
            source.description,
            is_default=source.name == snapshot.default_source,
        )
        if pulse is not None:
            device = replace(
                device,
                index=pulse.index,
                max_input_channels=pulse.max_input_channels,
                default_samplerate=pulse.default_samplerate,
            )
        found.append(device)
    return sorted(found, key=lambda d: not d.is_default)


def scan_inputs(
    *,
    rescan_first: bool = False,
    sd: ModuleType | Any | None = None,
    run: Runner = run_command,
    platform: str = sys.platform,
    wanted: Sequence[str] = (),
    portaudio: bool | None = None,
) -> Inventory:
    """Look for every input once (blocking); never raises, problems are in the answer.

    ``rescan_first`` makes PortAudio enumerate again (a headset plugged in
    since start-up); only safe while no stream is open.  ``portaudio`` None
    asks PortAudio only where the sound server's sources are not enough (see
    the module's docstring): when it is not there, libpulse is
    missing, ``sd`` is given, or a ``wanted`` spec (what :func:`find_input`
    takes) finds nothing among them.
    """
    on_linux = platform.startswith(("linux", "freebsd"))
    snapshot = read_pulse(run) if on_linux else None
    default_source = (snapshot.default_source or "") if snapshot is not None else ""
    libpulse = False  # the server's sources are recorded with libpulse, not through PortAudio
    if sd is None and snapshot is not None:
        from captioner.audio import pulse_record  # ctypes: on the scanning thread

        libpulse = pulse_record.available()
    if portaudio is None:
        portaudio = not libpulse
    if not portaudio and snapshot is not None:
        server_only = Inventory(
            devices=named_pulse_inputs(snapshot),
            systems=list_system_sources(platform=platform, pulse=snapshot),
            default_source=default_source,
        )
        if all(_finds(spec, server_only) for spec in wanted if spec):
            return server_only
    problems: list[str] = []
    devices: list[InputDevice] = []
    try:
        if sd is None:
            sd = load_sounddevice()
        if rescan_first:
            rescan(sd)
    except AudioError as exc:
        problems.append(str(exc))
    if sd is not None:
        try:
            devices = list_input_devices(sd)
        except AudioError as exc:
            problems.append(str(exc))
    # With libpulse they are listed whether or not PortAudio has a "pulse" device (PipeWire
    # desktops often lack the ALSA plugin that makes it): PortAudio does not record them.
    named = named_pulse_inputs(snapshot, None if libpulse else devices) if snapshot else []
    if any(d.is_default for d in named):
        # The server's default microphone, by name, is the better default than
        # PortAudio's "default" device (which leads to it anyway).
        devices = [replace(d, is_default=False) for d in devices]
    if on_linux:
        systems = list_system_sources(platform=platform, pulse=snapshot) if snapshot else []
    else:
        systems = list_system_sources(platform=platform, devices=devices)
    return Inventory(
        devices=named + devices, systems=systems, problems=problems, default_source=default_source
    )


def _finds(spec: str, inventory: Inventory) -> bool:
    try:
        find_input(spec, inventory)
    except AudioError:
        return False
    return True


Choice = InputDevice | SystemAudioDevice


def _listing(choices: Sequence[Choice]) -> str:
    if not choices:
        return "No audio inputs are available."
    return "Available inputs: " + "; ".join(_describe(c) for c in choices) + "."


def _describe(choice: Choice) -> str:
    if isinstance(choice, InputDevice) and not choice.pulse_source:
        return f"{choice.index}: {choice.name}"
    return choice.name


def find_input(spec: str | int, inventory: Inventory) -> Choice:
    """Resolve ``--device``: a PortAudio index, or part of any input's name (any case).

    Names cover the named microphones and system audio ("System audio"
    matches the monitors; the default one wins when there are several).  An
    exact name wins over partial matches; "pulse" and "default", when
    PortAudio's devices of those names are not listed, mean the sound
    server's default source, as they would.  Errors list what is available.
    """
    portaudio = [d for d in inventory.devices if not d.pulse_source]
    choices: list[Choice] = [*inventory.devices, *inventory.systems]
    alias = _default_source_choice(spec, inventory, choices)
    if alias is not None:
        return alias
    if isinstance(spec, int) or spec.strip().isdigit():
        index = int(spec)
        for device in portaudio:
            if device.index == index:
                return device
        raise AudioError(f"There is no audio input number {index}. {_listing(choices)}")
    needle = spec.strip().casefold()
    if not needle:
        raise AudioError(f"No audio input was named. {_listing(choices)}")
    exact = [c for c in choices if c.name.casefold() == needle]
    matches = exact or [c for c in choices if needle in c.name.casefold()]
    if len(matches) > 1:
        defaults = [c for c in matches if c.is_default]
        matches = defaults if len(defaults) == 1 else matches
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise AudioError(f"No audio input matches “{spec}”. {_listing(choices)}")
    names = "; ".join(_describe(c) for c in matches)
    raise AudioError(
        f"“{spec}” matches more than one audio input ({names}); "
        "use more of the name, or the number."
    )


def _default_source_choice(
    spec: str | int, inventory: Inventory, choices: Sequence[Choice]
) -> Choice | None:
    if not isinstance(spec, str) or spec.strip().casefold() not in DEFAULT_SOURCE_ALIASES:
        return None
    if any(c.name.casefold() == spec.strip().casefold() for c in choices):
        return None  # PortAudio's own device of that name is listed
    source = inventory.default_source
    for choice in choices:
        recorded = choice.pulse_source if isinstance(choice, InputDevice) else choice.monitor
        if source and recorded == source:
            return choice
    return None


def format_inventory(inventory: Inventory) -> str:
    """Plain text for ``captioner --list-devices``: what ``--device`` accepts."""
    lines: list[str] = []
    named = [d for d in inventory.devices if d.pulse_source]
    portaudio = [d for d in inventory.devices if not d.pulse_source]
    if named:
        lines.append('Microphones and other inputs of the sound server (--device "NAME"):')
        lines += [f"  {'*' if d.is_default else ' '} {d.name}" for d in named]
    if inventory.systems:
        lines.append('System audio, what the computer plays (--device "System audio"):')
        lines += [f"  {'*' if d.is_default else ' '} {d.name}" for d in inventory.systems]
    if portaudio:
        lines.append('PortAudio devices (--device NUMBER or "NAME"):')
        width = max(len(str(d.index)) for d in portaudio)
        for d in portaudio:
            api = f"  ({d.host_api})" if d.host_api else ""
            mark = "*" if d.is_default else " "
            detail = f"{d.max_input_channels} ch, {d.default_samplerate:g} Hz"
            lines.append(f"  {mark} {d.index:>{width}}  {d.name}{api}, {detail}")
    if not lines:
        lines.append("No audio inputs found.")
    else:
        lines.append("* = default")
    lines += [f"Note: {problem}" for problem in inventory.problems]
    return "\n".join(lines)
