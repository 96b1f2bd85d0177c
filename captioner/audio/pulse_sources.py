"""What the sound server has: its sources, sinks and defaults, for the device scan.

Asked with ``pactl`` (two or three calls, in the C locale), whose JSON and
text forms are parsed here.  Where pactl is missing it is asked with libpulse
instead (:mod:`.pulse_query`): PipeWire desktops often lack pactl (Debian 12's
``pipewire-audio`` does not pull in ``pulseaudio-utils``, which PulseAudio
did), and the pickers then showed neither microphones by name nor system audio.

``run`` (for commands) is injected so the parsing is tested with canned output;
only the real runner falls back to libpulse.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from captioner.audio.devices import numbered

Runner = Callable[[Sequence[str]], "str | None"]


def run_command(args: Sequence[str]) -> str | None:
    """Run a tool with untranslated output; its stdout, or ``None`` if it failed."""
    import subprocess  # on the device scan's worker: not on the way to the first paint

    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    try:
        result = subprocess.run(
            list(args), capture_output=True, text=True, timeout=5, env=env, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None


@dataclass(frozen=True, slots=True)
class PulseSource:
    """What the sound server says about one source (``pactl list sources``)."""

    name: str
    description: str
    monitor_of_sink: str | None


def parse_sources_json(text: str) -> list[PulseSource]:
    """``pactl -f json list sources`` (pactl ≥ 15).

    pactl writes the sink a monitor belongs to under the key ``monitor_source``
    (a naming slip in its JSON output); ``monitor_of_sink`` is accepted too.
    """
    out = []
    for item in json.loads(text):
        if not isinstance(item, dict):
            continue
        sink = item.get("monitor_of_sink", item.get("monitor_source"))
        props = item.get("properties") or {}
        if not sink and props.get("device.class") == "monitor":
            sink = str(item.get("name", "")).removesuffix(".monitor") or None
        out.append(
            PulseSource(
                name=str(item.get("name", "")),
                description=str(item.get("description") or props.get("device.description", "")),
                monitor_of_sink=str(sink) if sink and sink != "n/a" else None,
            )
        )
    return out


def parse_sources_text(text: str) -> list[PulseSource]:
    """``pactl list sources`` in the C locale."""
    return [
        PulseSource(
            name=fields.get("Name", ""),
            description=fields.get("Description", ""),
            monitor_of_sink=(
                fields.get("Monitor of Sink") if fields.get("Monitor of Sink") != "n/a" else None
            ),
        )
        for fields in _text_blocks(text, "Source #")
    ]


def parse_sinks(text: str) -> dict[str, str]:
    """Sink name → description, from ``pactl -f json list sinks`` or the text form."""
    stripped = text.lstrip()
    if stripped.startswith("["):
        with contextlib.suppress(ValueError):
            return {
                str(item.get("name", "")): str(item.get("description", ""))
                for item in json.loads(stripped)
                if isinstance(item, dict)
            }
    return {b.get("Name", ""): b.get("Description", "") for b in _text_blocks(text, "Sink #")}


def _text_blocks(text: str, header: str) -> list[dict[str, str]]:
    blocks: list[dict[str, str]] = []
    for line in text.splitlines():
        if line.startswith(header):
            blocks.append({})
        elif blocks and line.startswith("\t") and not line.startswith("\t\t"):
            key, sep, value = line.strip().partition(": ")
            if sep and key not in blocks[-1]:
                blocks[-1][key] = value.strip()
            elif not sep and key.endswith(":"):
                blocks[-1].setdefault(key[:-1], "")
    return blocks


def _server_defaults(info: str) -> dict[str, str]:
    """``Default Sink`` and ``Default Source`` from ``pactl info`` (C locale)."""
    found = {}
    for line in info.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("Default Sink", "Default Source") and value.strip():
            found[key.strip()] = value.strip()
    return found


@dataclass(frozen=True, slots=True)
class PulseSnapshot:
    """One look at the sound server: its sources and which sink and source are default.

    Read once per device scan (two or three ``pactl`` calls, or one libpulse
    connection), then used for
    both the named microphones and the system-audio monitors.
    """

    sources: list[PulseSource]
    sinks: dict[str, str]
    default_sink: str | None
    default_source: str | None


def read_pulse(run: Runner = run_command) -> PulseSnapshot | None:
    """The sound server's sources and defaults; None without a server (or a way to ask it).

    Twins (two identical headsets) are numbered, sources and outputs alike.
    """
    snapshot = _ask_pactl(run)
    if snapshot is None and run is run_command:
        from captioner.audio import pulse_query  # ctypes: only where pactl could not tell

        snapshot = pulse_query.snapshot()
    if snapshot is None:
        return None
    sources = snapshot.sources
    names = numbered([s.description for s in sources], [s.name for s in sources])
    sinks = snapshot.sinks
    return replace(
        snapshot,
        sources=[replace(s, description=d) for s, d in zip(sources, names, strict=True)],
        sinks=dict(zip(sinks, numbered(list(sinks.values()), list(sinks)), strict=True)),
    )


def _ask_pactl(run: Runner) -> PulseSnapshot | None:
    text = run(["pactl", "-f", "json", "list", "sources"])
    sources: list[PulseSource] | None = None
    if text and text.lstrip().startswith("["):
        with contextlib.suppress(ValueError, AttributeError):
            sources = parse_sources_json(text)
    if sources is None:
        text = run(["pactl", "list", "sources"])
        if not text:
            return None
        sources = parse_sources_text(text)
    defaults = _server_defaults(run(["pactl", "info"]) or "")
    sinks: dict[str, str] = {}
    # A monitor's description is "Monitor of <output>" on PulseAudio and PipeWire
    # alike; the sinks are only asked for when one is not.
    if any(s.monitor_of_sink and not s.description.startswith("Monitor of ") for s in sources):
        sinks_text = run(["pactl", "-f", "json", "list", "sinks"]) or run(
            ["pactl", "list", "sinks"]
        )
        sinks = parse_sinks(sinks_text) if sinks_text else {}
    return PulseSnapshot(
        sources=sources,
        sinks=sinks,
        default_sink=defaults.get("Default Sink"),
        default_source=defaults.get("Default Source"),
    )
