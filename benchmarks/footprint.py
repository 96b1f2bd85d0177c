"""Memory, start-up, stop and CPU of Captioner next to the bare minimum (issue 14).

In one run, on one machine, under the same conditions (a private Xvfb, a private
PulseAudio daemon whose null sink plays the same LibriVox speech, the same local
v3 server: see ``benchmarks/rig.py``), it launches and measures:

* Captioner (``python -m captioner``, from ``--source``, default this checkout)
  captioning via the cloud (``--engine assemblyai --start``), captioning with
  the offline engine (``--engine offline --start``: memory only), and idle with
  the window open, once with each engine selected;
* AssemblyAI's Python quickstart (``benchmarks/reference/quickstart.py``: the SDK,
  a sounddevice microphone, print) for the cloud figures;
* a bare PySide6 window (``benchmarks/reference/bare_window.py``) for start-up and
  idle memory;
* PocketSphinx's default model loaded and nothing else
  (``benchmarks/reference/model_only.py``): the model's own size, which the
  offline engine's idle memory may exceed by 80 MB.

Figures, read from outside the processes (``/proc``; a program's worker processes
count as its own): CPU seconds from launch to 30 s after the session opened; the
most resident memory while captioning; resident memory once idle (summed RSS, and each
page counted once across the family: ``benchmarks/pagemap.py``, root only, which the
offline target is read against); wake-ups a second once idle (voluntary context
switches of every thread over ``--idle-seconds``: what keeps a laptop's processor
out of its low-power states); launch → first window mapped (X11
MapNotify); launch → the server sent ``Begin``; SIGINT → process gone, with the
server's word that ``Terminate`` came and ``Termination`` went.  Three long
rounds give start-up figures that swing with the machine, so the run ends with
``benchmarks/startup.py``'s many short interleaved launches (``--startup-rounds``),
whose table is the one to read for the two start-up rows.

    .venv/bin/python benchmarks/footprint.py [--quick] [--repeat N] [--source DIR]

Captioner runs from a copy of the checkout's package with its bytecode compiled,
as an install has it (``rig.installed``); ``--no-bytecode`` runs the checkout as
it is.  ``--quick``: one round, 10 s of captioning.  Medians over ``--repeat`` rounds
(each round launches every program once, interleaved).  A benchmark, not a
test: the exit status is 1 only when a program cannot be measured.
"""

from __future__ import annotations

import argparse
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import startup
from footprint_table import LABELS, Figures, report
from pagemap import family_distinct_mb
from rig import (
    KEY,
    ROOT,
    Display,
    StampedServer,
    child_defaults,
    cloud_server,
    cpu_seconds,
    family_rss_mb,
    installed,
    interruptible,
    memory_mb,
    play,
    private_pulse,
    speech_wav,
    wait_for,
    wakeups,
)

REFERENCE = Path(__file__).resolve().parent / "reference"


class Bench:
    """Launches programs on the shared display, sound server and v3 server."""

    def __init__(self, args: argparse.Namespace, tmp: Path, display: Display, pulse: dict):
        self.args, self.tmp, self.display = args, tmp, display
        self.pulse_env, self.sink = pulse
        self.wav = tmp / "speech.wav"
        _, self.text = speech_wav(self.wav, args.caption_seconds + 2)
        self.server: StampedServer | None = None
        # What Captioner runs from: a compiled copy (as installed), or the checkout as it is.
        self.site = args.source if args.no_bytecode else installed(args.source, tmp)
        self.runs = 0
        self.live: list[subprocess.Popen] = []

    def env(self, **extra: str) -> dict[str, str]:
        """A clean environment per launch: own settings, data and instance lock."""
        self.runs += 1
        home = self.tmp / f"run-{self.runs}"
        home.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "PULSE_"))}
        env |= {"DISPLAY": self.display.name, "XDG_CONFIG_HOME": str(home / "config")}
        env |= {"XDG_DATA_HOME": str(home / "data"), "XDG_CACHE_HOME": str(home / "cache")}
        env |= {"XDG_RUNTIME_DIR": str(home), "PYTHONPATH": str(self.site)}
        env |= {"QT_QPA_PLATFORM": "xcb", **self.pulse_env}
        env.pop("ASSEMBLYAI_API_KEY", None)
        env.update(extra)
        return env

    def captioner(self, *argv: str) -> list[str]:
        data = self.tmp / f"run-{self.runs + 1}-sessions"
        return [sys.executable, "-m", "captioner", "--data-dir", str(data), *argv]

    def launch(self, cmd: list[str], env: dict[str, str]) -> tuple[subprocess.Popen, float]:
        log = (self.tmp / f"run-{self.runs}.log").open("wb")
        began = time.monotonic()
        process = subprocess.Popen(
            cmd,
            env=env,
            cwd=self.site,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=child_defaults,
        )
        self.live.append(process)
        return process, began

    def launch_windowed(
        self, out: Figures, cmd: list[str], env: dict[str, str]
    ) -> tuple[subprocess.Popen, float]:
        """Launch a windowed program and wait (≤ 120 s) for its window, or its exit."""
        process, began = self.launch(cmd, env)
        if not wait_for(
            lambda: self.display.mapped_after(process.pid, began) or process.poll() is not None,
            120,
        ):
            out.notes.append(f"no window within 120 s; see run-{self.runs}.log")
        return process, began

    def kill_leftovers(self) -> None:
        """After a failure or Ctrl+C: no program under test outlives the benchmark."""
        for process in self.live:
            if process.poll() is None:
                process.kill()
                process.wait()

    @staticmethod
    def interrupt(process: subprocess.Popen) -> float | None:
        """SIGINT, then seconds until the process is gone (None: killed after 30 s)."""
        pidfd = os.pidfd_open(process.pid)
        try:
            sent = time.monotonic()
            process.send_signal(signal.SIGINT)
            ready, _, _ = select.select([pidfd], [], [], 30.0)
            gone = time.monotonic()
        finally:
            os.close(pidfd)
        if not ready:
            process.kill()
            process.wait()
            return None
        process.wait()
        return gone - sent

    # -- the programs ---------------------------------------------------------------------

    def caption(self, out: Figures, cmd: list[str], env: dict[str, str]) -> None:
        """Launch a cloud captioner, play the speech once the session is open, stop it."""
        assert self.server is not None
        stamps = self.server.stamps
        process, began = self.launch(cmd, env)
        opened = None
        if wait_for(lambda: stamps.first_sent("Begin", began) or process.poll() is not None, 60):
            opened = stamps.first_sent("Begin", began)
        if opened is None:
            out.notes.append(f"no session opened (exit {process.poll()}); see run-{self.runs}.log")
            if process.poll() is None:
                self.interrupt(process)
            return
        t_open, session = opened
        player = play(self.wav, self.sink, self.pulse_env)
        visible = self.display.mapped_after(process.pid, began)
        peak = memory_mb(process.pid)[1]
        while time.monotonic() < t_open + self.args.caption_seconds:
            time.sleep(0.25)  # with a worker process, the family's sum is what counts
            peak = max(peak, family_rss_mb(process.pid))
        out.add("cpu", cpu_seconds(process.pid))
        out.add("max_rss", max(peak, memory_mb(process.pid)[1]))
        out.add("open", t_open - began)
        out.add("visible", visible - began if visible is not None else None)
        stop_at = time.monotonic()
        stop = self.interrupt(process)
        out.add("stop", stop)
        player.terminate()
        player.wait()
        terminate = stamps.first_received("Terminate", stop_at)
        termination = stamps.first_sent("Termination", stop_at)
        if stop is not None and terminate is not None and termination is not None:
            # Where the stop goes: up to Terminate (the app's own), then after Termination.
            out.add("to_terminate", terminate[0] - stop_at)
            out.add("after_termination", stop_at + stop - termination[0])
        turns = sum(1 for t, i, m in stamps.sent if i == session and m.get("type") == "Turn")
        seen = terminate is not None and termination is not None
        out.add("terminated", 1.0 if seen else 0.0)
        out.add("turns", turns)

    def caption_offline(self, out: Figures, cmd: list[str], env: dict[str, str]) -> None:
        """Launch an offline captioner, play the speech once its window shows, read its memory.

        The most either reading reached while it captions: the recogniser and
        the final-decode process both work then, each with the model loaded.
        """
        process, _began = self.launch_windowed(out, cmd, env)
        pid = process.pid
        player = play(self.wav, self.sink, self.pulse_env)
        peak_rss, peak_distinct, ends = 0.0, 0.0, time.monotonic() + self.args.caption_seconds
        while time.monotonic() < ends and process.poll() is None:
            time.sleep(1.0)  # pages once reads every page table: not too often
            peak_rss = max(peak_rss, family_rss_mb(pid))
            peak_distinct = max(peak_distinct, family_distinct_mb(pid) or 0.0)
        player.terminate()
        player.wait()
        out.add("max_rss", peak_rss or None)
        out.add("max_distinct", peak_distinct or None)
        if process.poll() is None:
            self.interrupt(process)
        else:
            out.notes.append(f"exited while captioning ({process.poll()}); see run-{self.runs}.log")

    def idle(self, out: Figures, cmd: list[str], env: dict[str, str]) -> None:
        """Launch a windowed program, wait for its window, let it settle, read its memory."""
        process, began = self.launch_windowed(out, cmd, env)
        pid = process.pid
        visible = self.display.mapped_after(pid, began)
        if visible is not None:
            out.add("visible", visible - began)
            time.sleep(self.args.settle)
            out.add("idle_rss", family_rss_mb(pid))
            out.add("idle_distinct", family_distinct_mb(pid))
            out.add("idle_wakes", self.wakes_per_second(pid))
        else:
            out.notes.append(f"no window (exit {process.poll()}); see run-{self.runs}.log")
        if process.poll() is None:
            out.add("idle_stop", self.interrupt(process))

    def wakes_per_second(self, pid: int) -> float:
        """Wake-ups a second of a settled, idle program, over ``--idle-seconds``."""
        before, began = wakeups(pid), time.monotonic()
        time.sleep(self.args.idle_seconds)
        return (wakeups(pid) - before) / (time.monotonic() - began)

    def resident(self, out: Figures, cmd: list[str], env: dict[str, str]) -> None:
        """Launch a windowless reference that prints ``ready``, let it settle, read its memory."""
        process = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True)
        self.live.append(process)
        assert process.stdout is not None
        if process.stdout.readline().strip() == "ready":
            time.sleep(self.args.settle)
            out.add("idle_rss", family_rss_mb(process.pid))
            out.add("idle_distinct", family_distinct_mb(process.pid))
        else:
            out.notes.append(f"the reference did not get ready (exit {process.poll()})")
        if process.poll() is None:
            self.interrupt(process)


def measure(args: argparse.Namespace, tmp: Path) -> dict[str, Figures]:
    """Every program once per round, interleaved, so drifting load hits all alike."""
    display = Display()
    try:
        with private_pulse() as pulse:
            bench = Bench(args, tmp, display, pulse)
            with cloud_server(bench.text) as server:
                bench.server = server
                cloud = ["--engine", "assemblyai", "--api-host", server.url, "--device", "pulse"]
                key = {"ASSEMBLYAI_API_KEY": KEY}
                quickstart = [sys.executable, str(REFERENCE / "quickstart.py")]
                quick_env = {**key, "QUICKSTART_HOST": server.url, "QUICKSTART_DEVICE": "pulse"}
                # (figures, how, command, environment)
                plan: list[tuple[str, Callable, Callable[[], list[str]], dict[str, str]]] = [
                    ("cloud", bench.caption, lambda: bench.captioner(*cloud, "--start"), key),
                    ("quick", bench.caption, lambda: quickstart, quick_env),
                    ("idle-cloud", bench.idle, lambda: bench.captioner(*cloud), key),
                    (
                        "idle-offline",
                        bench.idle,
                        lambda: bench.captioner("--engine", "offline", "--device", "pulse"),
                        {},
                    ),
                    (
                        "offline",
                        bench.caption_offline,
                        lambda: bench.captioner(
                            "--engine", "offline", "--device", "pulse", "--start"
                        ),
                        {},
                    ),
                    (
                        "bare",
                        bench.idle,
                        lambda: [sys.executable, str(REFERENCE / "bare_window.py")],
                        {},
                    ),
                    (
                        "model",
                        bench.resident,
                        lambda: [sys.executable, str(REFERENCE / "model_only.py")],
                        {},
                    ),
                ]
                figures = {name: Figures() for name, *_ in plan}
                try:
                    for round_ in range(args.repeat):
                        for name, how, command, extra in plan:
                            print(
                                f"  round {round_ + 1}/{args.repeat}: {LABELS[name]} …", flush=True
                            )
                            how(figures[name], command(), bench.env(**extra))
                finally:
                    bench.kill_leftovers()
    finally:
        display.close()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round, 10 s of captioning")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (medians are shown)")
    parser.add_argument("--caption-seconds", type=float, default=30.0)
    parser.add_argument("--settle", type=float, default=5.0, help="idle seconds before reading RSS")
    parser.add_argument(
        "--idle-seconds", type=float, default=10.0, help="then how long its wake-ups are counted"
    )
    parser.add_argument("--source", type=Path, default=ROOT, help="the Captioner checkout to run")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--startup-rounds",
        type=int,
        default=10,
        help="then benchmarks/startup.py's short launches, the steadier start-up figures (0: no)",
    )
    parser.add_argument(
        "--no-bytecode",
        action="store_true",
        help="run the checkout as it is (no .pyc under PYTHONDONTWRITEBYTECODE), not compiled",
    )
    args = parser.parse_args(argv)
    interruptible()
    if args.quick:
        args.repeat, args.caption_seconds, args.settle, args.idle_seconds = 1, 10.0, 3.0, 4.0
        args.startup_rounds = min(args.startup_rounds, 3)
    args.source = args.source.resolve()
    tmp = Path(tempfile.mkdtemp(prefix="footprint-"))
    how = "as it is" if args.no_bytecode else "compiled, as installed"
    print(f"Captioner from {args.source} ({how}); load average {os.getloadavg()}", flush=True)
    try:
        status = report(measure(args, tmp), args)
        if args.startup_rounds:  # the start-up rows again, from many short launches
            print(f"\nstart-up, {args.startup_rounds} rounds of short launches (startup.py):")
            rounds = argparse.Namespace(
                rounds=args.startup_rounds, source=[args.source], linger=1.0, python=sys.executable
            )
            (tmp / "startup").mkdir()
            status |= startup.report(startup.measure(rounds, tmp / "startup"))
        return status
    finally:
        print(f"load average {os.getloadavg()}")
        print(f"(kept {tmp})") if args.keep else shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
