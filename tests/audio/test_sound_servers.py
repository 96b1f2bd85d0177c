"""The capture tests' two sound servers, and what PipeWire desktops lack that PulseAudio's had."""

from __future__ import annotations

import subprocess

import pytest

from tests.pulse import PulseServer

pytestmark = [pytest.mark.pulse, pytest.mark.sound_servers]


def test_each_run_reaches_the_sound_server_it_is_named_after(pulse_server: PulseServer) -> None:
    """What the app connects to (``PULSE_SERVER``, as libpulse reads it) is the server under
    test: PipeWire says so in its server name, PulseAudio does not."""
    info = subprocess.run(["pactl", "info"], capture_output=True, text=True, timeout=10)
    name = next(line for line in info.stdout.splitlines() if line.startswith("Server Name:"))
    assert ("on PipeWire" in name) == (pulse_server.kind == "pipewire"), name
