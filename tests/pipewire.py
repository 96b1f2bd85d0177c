"""Pytest plugin: a private PipeWire (with pipewire-pulse) beside the private PulseAudio.

Modern desktops (Ubuntu since 22.10, Fedora, Debian 12 with GNOME) run PipeWire,
and the app reaches it through pipewire-pulse, which speaks PulseAudio's
protocol with its own ideas of names, monitors, timing and defaults.  Capture
tests marked ``sound_servers`` run against both (see ``pulse_server`` in
:mod:`tests.pulse`); the PipeWire one is this fixture's.

Four processes, none of them a user's: a D-Bus session bus of our own (WirePlumber
will not start without one; it has no service directories, so nothing is
activated on it), ``pipewire``, ``wireplumber`` (the session manager: defaults,
links, moves) with the ALSA, Bluetooth and camera monitors off (on a desktop
they would open the real sound cards), and ``pipewire-pulse``.  All get their
own HOME, config, state and runtime directories; nothing here touches
``os.environ``.

Needs ``pipewire``, ``pipewire-bin``, ``wireplumber``, ``pipewire-pulse`` and
``dbus`` (``packaging/system-deps.sh test``).  When one is missing the fixture
skips, unless ``CAPTIONER_REQUIRE_PULSE=1`` (set in CI) makes it a failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pulse import DEFAULT_SINK, PulseServer, fail_or_skip, stop, wait_until_ready

_TOOLS = ("dbus-daemon", "pipewire", "wireplumber", "pipewire-pulse", "pactl", "paplay")
_SOCKET_TIMEOUT_S = 10.0

_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""
# WirePlumber 0.4's Lua fragments, read after its own 50-*-config.lua.
_NO_HARDWARE = {
    "main.lua.d": "alsa_monitor.enabled = false\n"
    "v4l2_monitor.enabled = false\nlibcamera_monitor.enabled = false\n",
    "bluetooth.lua.d": "bluez_monitor.enabled = false\n",
}


def _wait_for_socket(path: Path, process: subprocess.Popen[bytes], server: PulseServer) -> None:
    deadline = time.monotonic() + _SOCKET_TIMEOUT_S
    while not path.exists():
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited ({process.returncode}):\n{server.log()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"no {path.name} socket after {_SOCKET_TIMEOUT_S:g} s")
        time.sleep(0.02)


def _start(directory: Path, server: PulseServer, env: dict[str, str]) -> None:
    """dbus-daemon, pipewire, wireplumber, pipewire-pulse: each once the one before listens."""
    bus = directory / "bus"
    (directory / "bus.conf").write_text(_BUS_CONFIG.format(socket=bus))
    env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={bus}"
    commands = (
        (["dbus-daemon", "--nofork", "--nopidfile", f"--config-file={directory}/bus.conf"], bus),
        (["pipewire"], directory / "pipewire-0"),
        (["wireplumber"], None),
        (["pipewire-pulse"], server.socket),
    )
    with server.log_path.open("ab") as log:
        for command, socket in commands:
            process = subprocess.Popen(
                command,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C in the terminal reaches pytest only
            )
            server.processes.append(process)
            if socket is not None:
                _wait_for_socket(socket, process, server)


def require_pipewire() -> None:
    """Skip (fail with ``CAPTIONER_REQUIRE_PULSE=1``) where PipeWire is not installed."""
    for tool in _TOOLS:
        if shutil.which(tool) is None:
            fail_or_skip(f"{tool} is not installed: the PipeWire variant needs PipeWire")


@contextlib.contextmanager
def running_pipewire() -> Iterator[PulseServer]:
    """Start the four processes and make the default null sink; stop them all after.

    Raises RuntimeError (with the daemons' log) when they do not come up.
    """
    directory = Path(tempfile.mkdtemp(prefix="captioner-pw-", dir="/tmp"))
    directory.chmod(0o700)
    for folder, text in _NO_HARDWARE.items():
        (directory / "config" / "wireplumber" / folder).mkdir(parents=True)
        (directory / "config" / "wireplumber" / folder / "51-captioner-tests.lua").write_text(text)
    env = {
        **os.environ,
        "HOME": str(directory),
        "XDG_CONFIG_HOME": str(directory / "config"),
        "XDG_STATE_HOME": str(directory / "state"),
        "XDG_DATA_HOME": str(directory / "data"),
        "XDG_RUNTIME_DIR": str(directory),  # pipewire-0 and pulse/native
        "PIPEWIRE_RUNTIME_DIR": str(directory),
    }
    for key in ("PULSE_SERVER", "PIPEWIRE_REMOTE", "DBUS_SESSION_BUS_ADDRESS", "DISPLAY"):
        env.pop(key, None)
    server = PulseServer(
        directory=directory,
        socket=directory / "pulse" / "native",
        processes=[],
        log_path=directory / "pipewire.log",
        kind="pipewire",
    )
    try:
        try:
            _start(directory, server, env)
            wait_until_ready(server)
            server.create_sink(DEFAULT_SINK)
            server.set_default_sink(DEFAULT_SINK)
            server.set_default_source(server.monitor)
            server.wait_for_default_sink(DEFAULT_SINK, _SOCKET_TIMEOUT_S)
        except (OSError, subprocess.SubprocessError) as exc:
            raise RuntimeError(f"{exc}\n{server.log()}") from exc
        yield server
    finally:
        for process in reversed(server.processes):  # pipewire-pulse first, the bus last
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                stop(process)
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def pipewire_server() -> Iterator[PulseServer]:
    """A private PipeWire with a null sink ``captioner_test`` (the default output, its
    monitor the default source), reached through pipewire-pulse, for the session.

    Unlike ``pulseaudio_server`` it leaves ``os.environ`` alone: ``pulse_server``
    points one test at a time at it.
    """
    require_pipewire()
    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(running_pipewire())
        except RuntimeError as exc:
            pytest.fail(f"Could not start a private PipeWire: {exc}", pytrace=False)
        yield server
