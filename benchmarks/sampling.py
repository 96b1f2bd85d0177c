"""What cpu_profile.py and stop_profile.py share: Captioner with a stack sampler inside (issue 14).

Captioner captions a speech file (``--input-file``, read in real time) through
the cloud engine against the fake v3 server, on a private X display, from a
compiled copy of the checkout (``rig.installed``).  A sampler loaded through
``sitecustomize`` (this module writes it; nothing in the app knows) records,
once asked (:meth:`Sampled.go`), every thread's innermost frames every
``period`` seconds, merged into runs: consecutive samples of one thread in the
same frames are one :class:`Run` (first and last time, sample count).  Runs
go to a file as they end, the open ones at exit; so a profile of CPU (counts)
and a timeline of a stop (times) read the same records.  ``/proc`` gives each
thread's CPU time (:func:`task_cpu`).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rig import (
    CLK_TCK,
    Display,
    StampedServer,
    cloud_server,
    installed,
    launch_cloud_captioning,
    speech_wav,
    wait_for,
)

SAMPLER = """
import atexit, json, os, sys, threading, time

_lock = threading.Lock()
_open = {}  # thread ident -> [name, native id, first, last, count, frames]
_out = None


def _write(run):
    _out.write(json.dumps(run) + "\\n")


def _close_all():  # at exit: the runs still open, and when the interpreter got here
    with _lock:
        if _out is not None:
            for run in _open.values():
                _write(run)
            _open.clear()
            _out.flush()
    with open(os.environ["SAMPLER_OUT"] + ".atexit", "w") as f:
        f.write(repr(time.monotonic()))


atexit.register(_close_all)  # registered first, so it runs last of the atexit handlers


def _sample():
    global _out
    go = os.environ["SAMPLER_GO"]
    period, depth = float(os.environ["SAMPLER_PERIOD"]), int(os.environ["SAMPLER_DEPTH"])
    while not os.path.exists(go):
        time.sleep(0.005)
    end = time.monotonic() + float(os.environ["SAMPLER_SECONDS"])
    me = threading.get_ident()
    with open(os.environ["SAMPLER_OUT"] + ".self", "w") as f:  # its CPU is not the app's
        f.write(str(threading.get_native_id()))
    with _lock:
        _out = open(os.environ["SAMPLER_OUT"], "w")
    while time.monotonic() < end:
        now = time.monotonic()
        threads = {t.ident: (t.name, t.native_id) for t in threading.enumerate()}
        with _lock:
            for ident, frame in sys._current_frames().items():
                if ident == me:
                    continue
                where, f = [], frame
                while f is not None and len(where) < depth:
                    code = f.f_code
                    where.append([os.path.basename(code.co_filename), f.f_lineno, code.co_name])
                    f = f.f_back
                run = _open.get(ident)
                if run is not None and run[5] == where:
                    run[3], run[4] = now, run[4] + 1
                    continue
                if run is not None:
                    _write(run)
                name, native = threads.get(ident, (str(ident), 0))
                _open[ident] = [name, native, now, now, 1, where]
            _out.flush()
        time.sleep(period)
    _close_all()


threading.Thread(target=_sample, name="sampler", daemon=True).start()
"""


@dataclass(frozen=True)
class Run:
    """Samples of one thread in the same frames, one after another."""

    thread: str
    native_id: int
    first: float  # time.monotonic(), one clock for every process on Linux
    last: float
    count: int
    frames: tuple[tuple[str, int, str], ...]  # (file, line, function), innermost first

    def where(self, depth: int, lines: bool = True) -> str:
        """The innermost ``depth`` frames: ``innermost < its caller < …``."""
        shown = [f"{f}:{n} {fn}" if lines else f"{f}:{fn}" for f, n, fn in self.frames[:depth]]
        return " < ".join(shown)


class Sampled:
    """A Captioner process with the sampler inside, and the server it talks to."""

    def __init__(self, tmp: Path, process: subprocess.Popen[bytes], server: StampedServer):
        self.tmp, self.process, self.server = tmp, process, server

    def go(self) -> None:
        """Start sampling now."""
        (self.tmp / "go").touch()

    def runs(self) -> list[Run]:
        path = self.tmp / "samples"
        if not path.exists():
            return []
        found = []
        for line in path.read_text().splitlines():
            with contextlib.suppress(ValueError):  # a line cut short at exit
                name, native, first, last, count, frames = json.loads(line)
                found.append(Run(name, native, first, last, count, tuple(tuple(f) for f in frames)))
        return found

    def done(self, timeout: float) -> bool:
        """Whether the sampler has written its last runs (its time is up)."""
        return wait_for(lambda: (self.tmp / "samples.atexit").exists(), timeout)

    def atexit_time(self) -> float | None:
        """When the sampler's atexit handler ran (the app's other handlers had run)."""
        marker = self.tmp / "samples.atexit"
        return float(marker.read_text()) if marker.exists() else None

    def sampler_tid(self) -> int | None:
        """The sampler thread's id (its CPU time is not the app's)."""
        marker = self.tmp / "samples.self"
        return int(marker.read_text()) if marker.exists() else None

    def log(self) -> str:
        return (self.tmp / "captioner.log").read_text(errors="replace")


@contextlib.contextmanager
def captioning(
    source: Path,
    speech_seconds: float,
    *,
    period: float,
    depth: int,
    seconds: float = float("inf"),
) -> Iterator[Sampled]:
    """Captioner captioning via the cloud, sampled for ``seconds`` once :meth:`Sampled.go`.

    Yields once the session has begun (the server sent ``Begin``); the process
    is killed if still running when the block ends.
    """
    tmp = Path(tempfile.mkdtemp(prefix="captioner-sampled-"))
    (tmp / "site").mkdir()
    (tmp / "site" / "sitecustomize.py").write_text(SAMPLER)
    wav = tmp / "speech.wav"
    _, text = speech_wav(wav, speech_seconds)
    site = installed(source.resolve(), tmp)
    display = Display()
    process = None
    try:
        with cloud_server(text) as server:
            sampler = {"SAMPLER_GO": str(tmp / "go"), "SAMPLER_OUT": str(tmp / "samples")}
            sampler |= {"SAMPLER_PERIOD": str(period), "SAMPLER_DEPTH": str(depth)}
            sampler |= {"SAMPLER_SECONDS": str(seconds)}
            process = launch_cloud_captioning(
                site, tmp, display, server.url, wav, pythonpath=[tmp / "site"], env=sampler
            )
            stamps = server.stamps
            wait_for(lambda: stamps.first_sent("Begin") or process.poll() is not None, 60)
            if process.poll() is not None:
                raise SystemExit(f"Captioner exited ({process.returncode}):\n{tail(tmp)}")
            yield Sampled(tmp, process, server)
    finally:
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
        display.close()
        shutil.rmtree(tmp, ignore_errors=True)


def tail(tmp: Path) -> str:
    return (tmp / "captioner.log").read_text(errors="replace")[-3000:]


def task_cpu(pid: int) -> dict[int, tuple[str, float]]:
    """CPU seconds of each thread of ``pid``: {tid: (comm, seconds)}."""
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            stat = (task / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(task.name)] = (comm, (int(fields[11]) + int(fields[12])) / CLK_TCK)
    return found
