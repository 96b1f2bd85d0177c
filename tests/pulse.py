"""Pytest plugin: a private PulseAudio daemon for real-capture tests.

Enable with ``pytest_plugins = ["tests.pulse", "tests.pipewire"]`` in ``tests/conftest.py``.

Why a private daemon: real capture code paths (PortAudio → ALSA "pulse"
plugin → PulseAudio) are where device bugs live, and a null sink whose
monitor we record from gives a deterministic "microphone" on any machine,
including CI containers running as root with no sound card.  The daemon gets
its own HOME, runtime and state directories so it never touches (or is
touched by) a user's session; everything in this process and its children
reaches it through ``PULSE_SERVER``.

How a test records what it plays::

    def test_x(pulse_server, pulse_sink, monkeypatch):
        monkeypatch.setenv("PULSE_SOURCE", f"{pulse_sink}.monitor")
        source = DeviceSource(pulse_input_device())   # the ALSA "pulse" device
        source.open()
        with playing(WAV, pulse_sink) as player:
            player.communicate(timeout=30)

``PULSE_SOURCE`` is read by libpulse whenever the ALSA pulse plugin opens a
stream, so it picks the capture source per stream; changing the server's
default source (:meth:`PulseServer.set_default_source`) works as well.

Most desktops now run PipeWire, whose pipewire-pulse speaks the same protocol
with its own timing, names and defaults.  A test marked ``sound_servers`` runs
twice, ``pulse_server`` being the PulseAudio daemon, then a private PipeWire
(:mod:`tests.pipewire`); ``CAPTIONER_TEST_SOUND_SERVER=pipewire`` makes PipeWire
the one every other test gets too.

Needs the ``pulseaudio`` and ``pulseaudio-utils`` (pactl, paplay) packages
and ``libasound2-plugins`` (the ALSA "pulse" PCM that PortAudio sees).  When
``pulseaudio`` is missing the fixture skips, unless ``CAPTIONER_REQUIRE_PULSE=1``
(set in CI) turns that into a failure.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from captioner.audio.devices import InputDevice, find_device, list_input_devices, rescan

DEFAULT_SINK = "captioner_test"
_START_TIMEOUT_S = 15.0
_sink_numbers = itertools.count(1)


@dataclass
class PulseServer:
    """Handle on the running private daemon."""

    directory: Path
    socket: Path
    processes: list[subprocess.Popen[bytes]]  # the daemon (PipeWire: its bus and helpers too)
    log_path: Path
    sink: str = DEFAULT_SINK
    kind: str = "pulseaudio"  # or "pipewire" (tests/pipewire.py)
    _modules: dict[str, str] = field(default_factory=dict)
    daemon_env: dict[str, str] | None = None  # PulseAudio's: for restart()

    @property
    def server(self) -> str:
        """Value for ``PULSE_SERVER``."""
        return f"unix:{self.socket}"

    @property
    def monitor(self) -> str:
        """Capture source that hears everything played into :attr:`sink`."""
        return f"{self.sink}.monitor"

    def env(self) -> dict[str, str]:
        """Environment for client subprocesses (pactl, paplay)."""
        return {**os.environ, "PULSE_SERVER": self.server}

    def pactl(self, *args: str, timeout: float = 10.0) -> str:
        """Run ``pactl`` against this daemon and return its stdout (raises on failure)."""
        result = subprocess.run(
            ["pactl", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"pactl {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def create_sink(self, name: str | None = None) -> str:
        """Load another null sink (its monitor is ``NAME.monitor``); return its name."""
        name = name or f"captioner_extra_{next(_sink_numbers)}"
        module = self.pactl(
            "load-module",
            "module-null-sink",
            f"sink_name={name}",
            f"sink_properties=device.description={name}",
        ).strip()
        self._modules[name] = module
        return name

    def create_microphone(self, description: str, hears: str, name: str | None = None) -> str:
        """A capture source that is no monitor (a "microphone" to the desktop) named
        ``description``, hearing what is played into the sink ``hears``; its name.

        A remap of the sink's monitor: to PulseAudio, PipeWire, pactl and the ALSA
        plugin it is an ordinary input device, as a USB headset's microphone is.
        """
        name = name or f"captioner_mic_{next(_sink_numbers)}"  # a name again: plugged back in
        module = self.pactl(
            "load-module",
            "module-remap-source",
            f"master={hears}.monitor",
            f"source_name={name}",
            # PulseAudio's module arguments: the whole value quoted, the description inside.
            f"source_properties='device.description=\"{description}\"'",
        ).strip()
        self._modules[name] = module
        return name

    def restart(self) -> None:
        """Stop the daemon and start it again on the same socket, as an update or
        ``systemctl --user restart`` does: every client's streams end, and of the
        devices only the config's sink comes back.  PulseAudio only."""
        if self.kind != "pulseaudio" or self.daemon_env is None:
            raise NotImplementedError(f"restart() of {self.kind}")
        old = self.processes[-1]
        stop(old)
        with self.log_path.open("ab") as log:
            process = subprocess.Popen(
                old.args,
                env=self.daemon_env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes[:] = [process]
        self._modules.clear()
        wait_until_ready(self)

    def drop_recordings(self) -> int:
        """End every recording stream a client has, as a mixer's "kill" or a server
        hiccup does (pactl cannot); how many were ended.  Not a module's own (a remapped
        microphone reads its master through one: killed, the microphone goes with it).

        Through the app's own libpulse loader and bounded main-loop steps.  PipeWire
        now and then answers a kill and ends nothing: asked again until they are gone.
        """
        indexes = self._client_recordings()
        left = indexes
        for _ in range(5):
            self._kill_source_outputs(left)
            deadline = time.monotonic() + 1.0
            while (left := [i for i in self._client_recordings() if i in left]) and (
                time.monotonic() < deadline
            ):
                time.sleep(0.05)
            if not left:
                return len(indexes)
        raise RuntimeError(f"the server did not end recordings {left}")

    def _client_recordings(self) -> list[int]:
        # index, source, client ("-": none, a module's own), driver, sample spec
        rows = [
            line.split("\t") for line in self.pactl("list", "short", "source-outputs").splitlines()
        ]
        return [int(row[0]) for row in rows if len(row) > 2 and row[2] != "-"]

    def _kill_source_outputs(self, indexes: list[int]) -> None:
        from captioner.audio import pulse_lib as pa
        from captioner.audio.pulse_query import _run_until

        lib = pa.library()
        assert lib is not None, "libpulse is not installed"
        kill = lib.pa_context_kill_source_output  # not one the app declares: declared here
        kill.restype = ctypes.c_void_p
        kill.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p, ctypes.c_void_p]
        lib.pa_operation_get_state.restype = ctypes.c_int
        lib.pa_operation_get_state.argtypes = [ctypes.c_void_p]
        mainloop = lib.pa_mainloop_new()
        context = lib.pa_context_new(lib.pa_mainloop_get_api(mainloop), b"captioner-tests")
        try:
            deadline = time.monotonic() + 10
            connected = lib.pa_context_connect(context, self.server.encode(), pa.NOAUTOSPAWN, None)
            if connected < 0 or not _run_until(lib, mainloop, context, deadline, lambda: True):
                raise RuntimeError(f"cannot connect to {self.server}")
            for index in indexes:
                operation = kill(context, index, None, None)

                def done(operation: int = operation) -> bool:
                    return bool(lib.pa_operation_get_state(operation) != 0)  # not RUNNING

                if not operation or not _run_until(lib, mainloop, context, deadline, done):
                    raise RuntimeError(f"the server did not end recording #{index}")
                lib.pa_operation_unref(operation)
        finally:
            lib.pa_context_disconnect(context)
            lib.pa_context_unref(context)
            lib.pa_mainloop_free(mainloop)

    def remove_sink(self, name: str) -> None:
        """Unload a sink (its monitor vanishes with it) or a microphone made here."""
        module = self._modules.pop(name, None)
        if module is not None:
            self.pactl("unload-module", module)

    def set_default_source(self, name: str) -> None:
        self.pactl("set-default-source", name)

    def set_default_sink(self, name: str) -> None:
        """Make ``name`` the default output (as a desktop does for headphones plugged in)."""
        self.pactl("set-default-sink", name)

    def default_sink(self) -> str:
        return self.pactl("get-default-sink").strip()

    def wait_for_default_sink(self, name: str, timeout: float) -> None:
        """Until the server names ``name`` its default output (PipeWire's session manager
        takes a new default a moment after pactl asked); RuntimeError, with the log, if not."""
        deadline = time.monotonic() + timeout
        while self.default_sink() != name:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} never became the default output:\n{self.log()}")
            time.sleep(0.05)

    @contextlib.contextmanager
    def two_outputs(
        self, first: str | None = None, second: str | None = None
    ) -> Iterator[tuple[str, str]]:
        """Two new outputs, the first made the default (speakers, then a headset plugged in);
        the default is given back and both removed afterwards."""
        one, two = self.create_sink(first), self.create_sink(second)
        self.set_default_sink(one)
        try:
            yield one, two
        finally:
            self.set_default_sink(self.sink)
            self.remove_sink(one)
            self.remove_sink(two)

    def log(self) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")
        return ""


def play_wav(path: str | os.PathLike[str], sink: str = DEFAULT_SINK) -> subprocess.Popen[bytes]:
    """Start playing a WAV file into ``sink``; the caller waits on the returned process.

    Uses ``paplay`` so the playback path is independent of the capture code
    under test.  ``PULSE_SERVER`` must be set (the ``pulse_server`` fixture does).
    """
    return subprocess.Popen(
        ["paplay", f"--device={sink}", os.fspath(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@contextlib.contextmanager
def playing(
    path: str | os.PathLike[str], sink: str = DEFAULT_SINK
) -> Iterator[subprocess.Popen[bytes]]:
    """:func:`play_wav` whose player is always ended, waited for and its pipe closed.

    A test that fails (or stops early) while the clip plays must not leave a
    paplay behind, nor its stderr pipe open (a ResourceWarning, an fd leak across
    a long session).  Popen's own ``with`` closes the pipe and waits; this kills
    the player first, so the wait is short.
    """
    player = play_wav(path, sink)
    with player:
        try:
            yield player
        finally:
            if player.poll() is None:
                player.kill()


def reinitialize_portaudio() -> None:
    """Make PortAudio enumerate devices again.

    PortAudio builds its device list once, in ``Pa_Initialize`` (when
    sounddevice is imported); a list built before ``PULSE_SERVER`` was set has
    no working "pulse" device.  Only safe while no stream is open.
    """
    sd = sys.modules.get("sounddevice")
    if sd is not None:
        rescan(sd)


def pulse_input_device() -> InputDevice:
    """PortAudio's ALSA "pulse" capture device (records ``PULSE_SOURCE`` or the default)."""
    return find_device("pulse", list_input_devices())


def fail_or_skip(reason: str) -> None:
    if os.environ.get("CAPTIONER_REQUIRE_PULSE") == "1":
        pytest.fail(f"{reason} (CAPTIONER_REQUIRE_PULSE=1)", pytrace=False)
    pytest.skip(reason)


def wait_until_ready(server: PulseServer) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_S
    last_error = ""
    while time.monotonic() < deadline:
        for process in server.processes:
            if process.poll() is not None:
                raise RuntimeError(
                    f"{process.args[0]} exited with status {process.returncode}:\n{server.log()}"
                )
        try:
            server.pactl("info", timeout=5.0)
            return
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            last_error = str(exc)
        # Between asks, wait on the daemon itself: an exit (a bad config) is
        # reported at once, above, instead of after the whole start timeout.
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.processes[-1].wait(timeout=0.1)
    raise RuntimeError(f"{server.kind} did not answer within {_START_TIMEOUT_S:g} s: {last_error}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


SOUND_SERVERS = ("pulseaudio", "pipewire")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked ``sound_servers`` run once on each (``pulse_server`` is either)."""
    if metafunc.definition.get_closest_marker("sound_servers") and (
        "pulse_server" in metafunc.fixturenames
    ):
        metafunc.parametrize("pulse_server", SOUND_SERVERS, indirect=True)


@pytest.fixture
def pulse_server(request: pytest.FixtureRequest) -> Iterator[PulseServer]:
    """The sound server a capture test records from and plays into.

    The private PulseAudio daemon; for a test marked ``sound_servers``, that and
    then a private PipeWire (``tests/pipewire.py``), each its own run.  The
    daemons live for the session; while a PipeWire run lasts, ``PULSE_SERVER``
    names it and PortAudio has enumerated again.
    """
    default = os.environ.get("CAPTIONER_TEST_SOUND_SERVER", "pulseaudio")
    if getattr(request, "param", default) == "pulseaudio":
        yield request.getfixturevalue("pulseaudio_server")
        return
    server: PulseServer = request.getfixturevalue("pipewire_server")
    saved = {key: os.environ.get(key) for key in ("PULSE_SERVER", "PULSE_SOURCE", "PULSE_SINK")}
    os.environ["PULSE_SERVER"] = server.server
    os.environ.pop("PULSE_SOURCE", None)
    os.environ.pop("PULSE_SINK", None)
    reinitialize_portaudio()
    try:
        yield server
    finally:
        _restore(saved)
        reinitialize_portaudio()


def _restore(saved: dict[str, str | None]) -> None:
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def pulseaudio_server() -> Iterator[PulseServer]:
    """A private PulseAudio daemon with a null sink ``captioner_test``, for the session.

    Sets ``PULSE_SERVER`` in ``os.environ`` (restored afterwards) and re-enumerates
    PortAudio devices so the ALSA "pulse" device reaches this daemon.
    """
    for tool in ("pulseaudio", "pactl", "paplay"):
        if shutil.which(tool) is None:
            fail_or_skip(f"{tool} is not installed")

    # A short path: a unix socket path must fit in 108 bytes.
    directory = Path(tempfile.mkdtemp(prefix="captioner-pulse-", dir="/tmp"))
    socket = directory / "native"
    config = directory / "default.pa"
    config.write_text(
        f"load-module module-native-protocol-unix socket={socket} auth-anonymous=1\n"
        f"load-module module-null-sink sink_name={DEFAULT_SINK}"
        f" sink_properties=device.description={DEFAULT_SINK}\n"
        f"set-default-sink {DEFAULT_SINK}\n"
        f"set-default-source {DEFAULT_SINK}.monitor\n"
    )
    daemon_env = {
        **os.environ,
        # Root is fine with --system=false as long as HOME and the runtime
        # directories are private and writable.
        "HOME": str(directory),
        "XDG_CONFIG_HOME": str(directory / "config"),
        "XDG_RUNTIME_DIR": str(directory),
        "PULSE_RUNTIME_PATH": str(directory / "runtime"),
        "PULSE_STATE_PATH": str(directory / "state"),
    }
    daemon_env.pop("PULSE_SERVER", None)
    log_path = directory / "pulseaudio.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                "pulseaudio",
                "-n",  # no default.pa: only what our config loads
                "--daemonize=no",
                "--system=false",
                "--use-pid-file=no",
                "--exit-idle-time=-1",
                "--disallow-exit",
                "--realtime=false",
                "--high-priority=false",
                "--log-target=stderr",
                "-F",
                str(config),
            ],
            env=daemon_env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C in the terminal reaches pytest, not the daemon
        )
    server = PulseServer(
        directory=directory,
        socket=socket,
        processes=[process],
        log_path=log_path,
        daemon_env=daemon_env,
    )
    saved = {key: os.environ.get(key) for key in ("PULSE_SERVER", "PULSE_SOURCE", "PULSE_SINK")}
    try:
        try:
            wait_until_ready(server)
        except RuntimeError as exc:
            pytest.fail(f"Could not start a private PulseAudio daemon: {exc}", pytrace=False)
        os.environ["PULSE_SERVER"] = server.server
        os.environ.pop("PULSE_SOURCE", None)
        os.environ.pop("PULSE_SINK", None)
        reinitialize_portaudio()
        yield server
    finally:
        _restore(saved)
        for running in server.processes:  # restart() replaces the daemon
            stop(running)
        with contextlib.suppress(Exception):
            reinitialize_portaudio()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def pulse_sink(pulse_server: PulseServer) -> Iterator[str]:
    """A fresh null sink for one test (removed afterwards); record ``NAME.monitor``."""
    name = pulse_server.create_sink()
    try:
        yield name
    finally:
        with contextlib.suppress(RuntimeError):
            pulse_server.remove_sink(name)


HEADSET = "Test USB Headset"


@pytest.fixture
def pulse_headset(pulse_server: PulseServer, pulse_sink: str) -> Iterator[str]:
    """A microphone called :data:`HEADSET` that hears ``pulse_sink``; yields its source name."""
    name = pulse_server.create_microphone(HEADSET, hears=pulse_sink)
    try:
        yield name
    finally:
        with contextlib.suppress(RuntimeError):
            pulse_server.remove_sink(name)
