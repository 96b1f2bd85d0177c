"""The capture tests' two sound servers, and what PipeWire desktops lack that PulseAudio's had."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from captioner.audio import pulse_query
from captioner.audio.devices import sound_server_input
from captioner.audio.errors import AudioError
from captioner.audio.pulse_sources import read_pulse, run_command
from captioner.audio.source import DeviceSource
from tests.pipewire import require_pipewire, running_pipewire
from tests.pulse import HEADSET, PulseServer

pytestmark = [pytest.mark.pulse, pytest.mark.sound_servers]


def test_each_run_reaches_the_sound_server_it_is_named_after(pulse_server: PulseServer) -> None:
    """What the app connects to (``PULSE_SERVER``, as libpulse reads it) is the server under
    test: PipeWire says so in its server name, PulseAudio does not."""
    info = subprocess.run(["pactl", "info"], capture_output=True, text=True, timeout=10)
    name = next(line for line in info.stdout.splitlines() if line.startswith("Server Name:"))
    assert ("on PipeWire" in name) == (pulse_server.kind == "pipewire"), name


def list_devices(server: PulseServer, **env: str) -> str:
    """``captioner --list-devices`` in a fresh interpreter talking to ``server``."""
    done = subprocess.run(
        [sys.executable, "-m", "captioner", "--list-devices"],
        env={**server.env(), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_without_pactl_the_microphones_and_system_audio_are_still_listed_by_name(
    pulse_server: PulseServer, pulse_sink: str, pulse_headset: str, tmp_path: Path
) -> None:
    """Debian 12's PipeWire desktop has no pactl (pipewire-audio does not pull in
    pulseaudio-utils): the pickers showed neither "Test USB Headset" nor any system audio,
    only PortAudio's "pulse" and "default".  The server is asked with libpulse instead,
    and the list is the one pactl gave."""
    with_pactl = list_devices(pulse_server)
    without_pactl = list_devices(pulse_server, PATH=str(tmp_path))  # an empty folder
    assert f"    {HEADSET}\n" in without_pactl
    assert f"* System audio — {pulse_server.sink}\n" in without_pactl  # the default output
    assert f"System audio — {pulse_sink}\n" in without_pactl
    assert without_pactl == with_pactl


def test_the_sound_servers_own_answer_is_what_pactl_says(
    pulse_server: PulseServer, pulse_sink: str, pulse_headset: str
) -> None:
    """Sources, their descriptions, which output each monitors, and both defaults."""
    told = pulse_query.snapshot()
    assert told is not None
    pactl = read_pulse(run_command)
    assert pactl is not None
    assert told.sources == pactl.sources
    assert (told.default_sink, told.default_source) == (pactl.default_sink, pactl.default_source)
    assert told.sinks[pulse_sink] == pulse_sink  # the description, as made


def alsa_without_plugins(folder: Path) -> Path:
    """An ALSA configuration that loads no plugin's (no "pulse" device): a machine without
    libasound2-plugins, as PipeWire desktops are (pipewire-alsa gives "pipewire" instead)."""
    system = Path("/usr/share/alsa/alsa.conf")
    text = system.read_text() if system.exists() else ""
    kept = [line for line in text.splitlines() if "alsa/conf.d" not in line]
    if len(kept) == len(text.splitlines()):
        pytest.skip("no Debian-style ALSA configuration to take the plugins out of")
    (folder / "alsa.conf").write_text("\n".join(kept) + "\n")
    return folder / "alsa.conf"


def test_without_alsas_pulse_plugin_the_microphones_are_still_listed(
    pulse_server: PulseServer, pulse_headset: str, tmp_path: Path
) -> None:
    """``--list-devices`` (and a scan looking for a remembered pick PortAudio might have)
    asks PortAudio too; without its "pulse" device the named microphones were left out,
    though libpulse, not PortAudio, records them."""
    listed = list_devices(pulse_server, ALSA_CONFIG_PATH=str(alsa_without_plugins(tmp_path)))
    assert "  pulse  " not in listed  # PortAudio has no "pulse" device here
    assert f"    {HEADSET}\n" in listed


@pytest.mark.parametrize("asked", ["by name", "the server's default"])
def test_a_sound_server_that_stops_mid_run_is_said_to_have_stopped(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, asked: str
) -> None:
    """PipeWire restarted (an update, ``systemctl --user restart pipewire pipewire-pulse``)
    ends every stream: the app said "device unplugged or disabled?" of a headset still
    plugged in.  A private PipeWire of its own, so the session's goes on.  The server's
    default source was tried again on the dead connection first, which logged a warning
    ("Cannot record the default source") the user's log did not need."""
    require_pipewire()
    with running_pipewire() as server:
        monkeypatch.setenv("PULSE_SERVER", server.server)
        named = asked == "by name"
        source = DeviceSource(
            sound_server_input(server.monitor, "USB Headset")
            if named
            else sound_server_input("", "pulse")  # its default: the monitor (running_pipewire)
        )
        caplog.set_level(logging.INFO, logger="captioner.audio.pulse_record")
        pushed: list[bytes] = []
        source.push_to(pushed.append)
        source.open()
        try:
            while not pushed:
                source.read(0.1)
            server.processes[-1].terminate()  # pipewire-pulse
            with pytest.raises(AudioError) as lost:
                for _ in range(100):
                    source.read(0.1)
        finally:
            source.close()
    assert str(lost.value) == (
        f"Lost the audio device “{'USB Headset' if named else 'pulse'}”: the sound server stopped "
        "(PipeWire or PulseAudio restarted?)."
    )
    assert "Cannot record" not in caplog.text
