"""The test bench the resource and latency benchmarks share (issue 14).

Everything a side-by-side measurement needs, so that Captioner and the
references meet the same conditions in the same run:

* a private X server (Xvfb) and a watcher of its top-level windows being
  mapped, so "window visible" is read from outside any process, the same way
  for every program (no hook in the app);
* a private PulseAudio daemon with a null sink: speech played into the sink
  with ``paplay`` is what every program hears on the ALSA "pulse" device
  (``PULSE_SOURCE`` = the sink's monitor), as in ``tests/pulse.py``;
* the fake v3 server of ``tests/fakes`` in this (the parent) process, which
  notes when each message went out and each audio chunk came in
  (``time.monotonic()``: one clock for every process on Linux);
* ``/proc`` readings: CPU seconds and resident memory of a process.
"""

from __future__ import annotations

import compileall
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # tests.fakes, tests.pulse

from tests.fakes.v3_server import FakeV3Server, TurnScript  # noqa: E402

CLIPS = sorted((ROOT / "tests" / "data" / "librivox").glob("*.wav"))
KEY = "footprint-benchmark-key-00000000"  # the fake server's key, 32 characters
RATE = 16_000
CLK_TCK = os.sysconf("SC_CLK_TCK")


# -- the program under test, as installed ----------------------------------------------------


def installed(source: Path, tmp: Path) -> Path:
    """A copy of ``source``'s ``captioner`` package with its bytecode compiled, as installed.

    ``pip install`` compiles a package's modules and PyInstaller bundles
    bytecode, so a user's launch reads ``.pyc`` files.  A checkout run under
    ``PYTHONDONTWRITEBYTECODE`` (as on the machine these figures were first
    taken on) never gets any: every launch compiled Captioner's ~150 modules
    from source, ~0.3 s the one-file references never pay.  The copy is also a
    snapshot: edits to the checkout while a benchmark runs do not mix in.
    Returns the directory to run from (``PYTHONPATH`` and working directory:
    ``python -m`` puts the working directory first on ``sys.path``).
    """
    root = tmp / "installed"
    shutil.copytree(
        source / "captioner",
        root / "captioner",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    # resources/ ships as the package captioner.resources (pyproject.toml): as in a wheel,
    # so the copy also runs on an interpreter without the checkout's editable install.
    shutil.copytree(
        source / "resources",
        root / "captioner" / "resources",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    if not compileall.compile_dir(str(root / "captioner"), quiet=1, workers=1):
        raise RuntimeError(f"the captioner package in {source} does not compile")
    return root


# -- Captioner, launched on the private display --------------------------------------------


def captioner_env(display: Display, pythonpath: Sequence[Path], home: Path) -> dict[str, str]:
    """A clean environment per launch: the private display, own settings, data and instance lock."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "PULSE_"))}
    env |= {"DISPLAY": display.name, "QT_QPA_PLATFORM": "xcb", "XDG_RUNTIME_DIR": str(home)}
    env |= {"PYTHONPATH": os.pathsep.join(str(path) for path in pythonpath)}
    env |= {f"XDG_{d}_HOME": str(home / d.lower()) for d in ("CONFIG", "DATA", "CACHE")}
    return env


def launch_cloud_captioning(
    site: Path,
    tmp: Path,
    display: Display,
    server_url: str,
    wav: Path,
    *,
    home: Path | None = None,
    pythonpath: Sequence[Path] = (),
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Captioner from ``site`` captioning ``wav`` (``--input-file``: read in real time, the
    audio path of a device after capture) through the cloud engine at ``server_url``, begun
    at once (``--start``).  Sessions in ``tmp/sessions``, output in ``tmp/captioner.log``,
    settings under ``home`` (default ``tmp``); ``pythonpath`` goes before ``site``.
    """
    engine = ["--engine", "assemblyai", "--api-host", server_url]
    extra = {"ASSEMBLYAI_API_KEY": KEY, **(env or {})}
    return launch_captioning(site, tmp, display, wav, engine, home, pythonpath, extra)


def launch_captioning(
    site: Path,
    tmp: Path,
    display: Display,
    wav: Path,
    engine: Sequence[str],
    home: Path | None = None,
    pythonpath: Sequence[Path] = (),
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Captioner from ``site`` with ``engine``'s arguments captioning ``wav``, begun at once
    (see :func:`launch_cloud_captioning`); no API key unless ``env`` has one."""
    home = home or tmp
    home.mkdir(parents=True, exist_ok=True)
    environment = captioner_env(display, [*pythonpath, site], home)
    environment.pop("ASSEMBLYAI_API_KEY", None)
    environment |= dict(env or {})
    cmd = [sys.executable, "-m", "captioner", "--data-dir", str(tmp / "sessions"), *engine]
    cmd += ["--input-file", str(wav), "--start"]
    with (tmp / "captioner.log").open("wb") as log:
        return subprocess.Popen(
            cmd,
            env=environment,
            cwd=site,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=child_defaults,
        )


# -- speech -------------------------------------------------------------------------------


def speech_wav(path: Path, seconds: float) -> tuple[float, str]:
    """The LibriVox clips end to end, repeated until ``seconds`` long; (length, their text)."""
    frames, texts, total = [], [], 0
    while total < seconds * RATE:
        for clip in CLIPS:
            with wave.open(str(clip)) as w:
                pcm = w.readframes(w.getnframes())
            frames.append(pcm)
            texts.append(clip.with_suffix(".txt").read_text().strip().rstrip("."))
            total += len(pcm) // 2
            if total >= seconds * RATE:
                break
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(b"".join(frames))
    return total / RATE, ". ".join(texts) + "."


# -- the fake server, with times --------------------------------------------------------


@dataclass
class Stamps:
    """What the server saw, by session index: (monotonic time, …) in arrival order."""

    sent: list[tuple[float, int, dict]] = field(default_factory=list)  # JSON messages out
    received: list[tuple[float, int, str]] = field(default_factory=list)  # control messages in
    audio: list[tuple[float, int, bytes]] = field(default_factory=list)  # audio chunks in

    def first_sent(self, kind: str, after: float = 0.0) -> tuple[float, int] | None:
        found = [(t, i) for t, i, m in self.sent if m.get("type") == kind and t >= after]
        return found[0] if found else None

    def first_received(self, kind: str, after: float = 0.0) -> tuple[float, int] | None:
        found = [(t, i) for t, i, k in self.received if k == kind and t >= after]
        return found[0] if found else None


class StampedServer(FakeV3Server):
    """The fake v3 server, noting the time of every message it sends and receives.

    Times are taken right after a send returned (the bytes are in the kernel)
    and right before a received message is handled.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.stamps = Stamps()

    async def _handle(self, conn) -> None:  # type: ignore[no-untyped-def]
        index = next(s.record.index for s in self._sessions if s.conn is conn)
        send = conn.send

        async def stamped(message, *args, **kwargs):  # type: ignore[no-untyped-def]
            await send(message, *args, **kwargs)
            if isinstance(message, str):
                with contextlib.suppress(ValueError):
                    parsed = json.loads(message)
                    if isinstance(parsed, dict):
                        self.stamps.sent.append((time.monotonic(), index, parsed))

        conn.send = stamped
        await super()._handle(conn)

    async def _on_audio(self, session, data: bytes) -> bool:  # type: ignore[no-untyped-def]
        self.stamps.audio.append((time.monotonic(), session.record.index, bytes(data)))
        return await super()._on_audio(session, data)

    async def _on_text(self, session, text: str) -> bool:  # type: ignore[no-untyped-def]
        with contextlib.suppress(ValueError, AttributeError):
            kind = json.loads(text).get("type", "?")
            self.stamps.received.append((time.monotonic(), session.record.index, kind))
        return await super()._on_text(session, text)


def cloud_server(text: str) -> StampedServer:
    return StampedServer(KEY, TurnScript.from_text(text))


# -- X: a private display and its mapped windows --------------------------------------------


class Display:
    """A private Xvfb; :meth:`mapped_after` says when a process's first window was mapped."""

    def __init__(self) -> None:
        read, write = os.pipe()
        self.process = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", "1600x900x24", "-nolisten", "tcp"],
            pass_fds=[write],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        os.close(write)
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        if not number:
            raise RuntimeError("Xvfb did not start")
        self.name = f":{number}"
        self.maps: list[tuple[float, int | None]] = []  # (time, _NET_WM_PID)
        from Xlib import X
        from Xlib import display as xdisplay

        self._x = X
        self._conn = xdisplay.Display(self.name)
        self._pid_atom = self._conn.intern_atom("_NET_WM_PID")
        root = self._conn.screen().root
        root.change_attributes(event_mask=X.SubstructureNotifyMask)
        self._conn.sync()
        threading.Thread(target=self._watch, name="x-map-watcher", daemon=True).start()

    def _watch(self) -> None:
        while True:
            try:
                event = self._conn.next_event()
            except Exception:  # the server went away at the end
                return
            if event.type != self._x.MapNotify or event.override:
                continue
            now = time.monotonic()
            pid = None
            with contextlib.suppress(Exception):
                prop = event.window.get_full_property(self._pid_atom, self._x.AnyPropertyType)
                pid = int(prop.value[0]) if prop is not None else None
            self.maps.append((now, pid))

    def mapped_after(self, pid: int, since: float) -> float | None:
        """When ``pid`` first mapped a (managed, top-level) window after ``since``."""
        times = [t for t, p in list(self.maps) if t >= since and p in (pid, None)]
        return times[0] if times else None

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._conn.close()
        self.process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)


# -- PulseAudio: a private daemon with a null sink ------------------------------------------


@contextlib.contextmanager
def private_pulse() -> Iterator[tuple[dict[str, str], str]]:
    """A private PulseAudio daemon; yields (environment for clients, sink name).

    The environment points clients at the daemon and makes the ALSA "pulse"
    device record the sink's monitor, i.e. what is played into the sink.
    """
    from tests.pulse import DEFAULT_SINK, PulseServer, stop, wait_until_ready

    for tool in ("pulseaudio", "pactl", "paplay"):
        if shutil.which(tool) is None:
            raise SystemExit(
                f"{tool} is not installed (apt-get install pulseaudio-utils pulseaudio)"
            )
    directory = Path(tempfile.mkdtemp(prefix="bench-pulse-", dir="/tmp"))
    socket = directory / "native"
    (directory / "default.pa").write_text(
        f"load-module module-native-protocol-unix socket={socket} auth-anonymous=1\n"
        f"load-module module-null-sink sink_name={DEFAULT_SINK}"
        f" sink_properties=device.description={DEFAULT_SINK}\n"
        f"set-default-sink {DEFAULT_SINK}\nset-default-source {DEFAULT_SINK}.monitor\n"
    )
    env = {**os.environ, "HOME": str(directory), "XDG_RUNTIME_DIR": str(directory)}
    env |= {"PULSE_RUNTIME_PATH": str(directory / "rt"), "PULSE_STATE_PATH": str(directory / "st")}
    env.pop("PULSE_SERVER", None)
    log = (directory / "pulseaudio.log").open("wb")
    process = subprocess.Popen(
        [
            *("pulseaudio", "-n", "--daemonize=no", "--system=false", "--use-pid-file=no"),
            *("--exit-idle-time=-1", "--realtime=false", "--high-priority=false"),
            *("--log-target=stderr", "-F", str(directory / "default.pa")),
        ],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = PulseServer(directory, socket, [process], directory / "pulseaudio.log")
    try:
        wait_until_ready(server)
        client = {"PULSE_SERVER": server.server, "PULSE_SOURCE": f"{DEFAULT_SINK}.monitor"}
        yield client, DEFAULT_SINK
    finally:
        stop(process)
        log.close()
        shutil.rmtree(directory, ignore_errors=True)


def play(wav: Path, sink: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["paplay", f"--device={sink}", str(wav)],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


# -- /proc ------------------------------------------------------------------------------------


def _stat(pid: int) -> list[str]:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rindex(")") + 2 :].split()  # fields from the 3rd (state) on


def family(pid: int) -> list[int]:
    """``pid`` and its live descendants (a worker process counts as the app's own)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                parents[int(entry.name)] = int(_stat(int(entry.name))[1])
    found, todo = [pid], [pid]
    while todo:
        parent = todo.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        found += children
        todo += children
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU of ``pid``'s threads, its live descendants and its reaped children."""
    total = 0
    for member in family(pid):
        with contextlib.suppress(OSError):
            total += sum(int(x) for x in _stat(member)[11:15])
    return total / CLK_TCK


def wakeups(pid: int) -> int:
    """Times the threads of ``pid`` and its live descendants went to sleep and were woken.

    The kernel's voluntary context switches: each is a wake-up of a processor
    that could otherwise have stayed in a low-power state (what an idle app
    open all day costs a laptop's battery, beyond its CPU seconds).
    """
    total = 0
    for member in family(pid):
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{member}/task").iterdir():
                with contextlib.suppress(OSError):
                    for line in (task / "status").read_text().splitlines():
                        if line.startswith("voluntary_ctxt_switches:"):
                            total += int(line.split()[1])
    return total


def family_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its live descendants, in MB."""
    return sum(memory_mb(member)[0] for member in family(pid) if Path(f"/proc/{member}").exists())


def memory_mb(pid: int) -> tuple[float, float]:
    """(resident now, the most it has been) in MB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # gone meanwhile
        return 0.0, 0.0
    values = {}
    for line in status.splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def interruptible() -> None:
    """Let Ctrl+C (SIGINT) stop this process and the programs it launches.

    A shell starts background jobs with SIGINT ignored, and an ignored signal
    stays ignored across exec: a program under test that relies on Python's
    default handler (the quickstart's KeyboardInterrupt) would never stop.
    """
    signal.signal(signal.SIGINT, signal.default_int_handler)


def child_defaults() -> None:
    """``preexec_fn`` for a program under test: SIGINT as a terminal would deliver it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def wait_for(predicate, timeout: float, step: float = 0.005) -> bool:  # type: ignore[no-untyped-def]
    """Poll ``predicate`` until true (True) or ``timeout`` seconds passed (False)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(step)
    return True
