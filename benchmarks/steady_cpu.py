"""Steady-state CPU per minute of cloud captioning, per process and thread, beside the quickstart.

``footprint.py``'s CPU row counts from launch, so start-up weighs on it; a
captioning app open all day is judged by what a minute of captioning costs
once running.  In one run, on one private Xvfb, PulseAudio null sink (the same
LibriVox speech) and local v3 server (``rig.py``), each program is launched,
left ``--warm`` seconds into the speech, and then read from ``/proc`` for
``--seconds``: CPU seconds a minute of the whole process family, of each
process (Captioner's app and its cloud host) and of its busiest threads.
AssemblyAI's quickstart (``reference/quickstart.py``) is measured in the
same rounds, interleaved, and each figure is printed as a ratio to it.
Several ``--source`` checkouts compare code side by side (A/B, interleaved).

    .venv/bin/python benchmarks/steady_cpu.py [--rounds 2] [--source DIR ...]

Thread names come from ``py-spy dump`` when ``py-spy`` is on ``PATH`` (else the
kernel's, "python" for Python's own threads).  A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from footprint import REFERENCE, Bench
from rig import (
    CLK_TCK,
    KEY,
    ROOT,
    Display,
    cloud_server,
    family,
    interruptible,
    play,
    private_pulse,
    wait_for,
)

THREAD_LINE = re.compile(r'Thread (\S+) \((?:idle|active)[^)]*\): "([^"]+)"')
Threads = dict[tuple[int, int], tuple[str, float]]  # (pid, tid) -> (name, CPU seconds)


def threads(pid: int) -> Threads:
    out: Threads = {}
    for member in family(pid):
        try:
            for tid in os.listdir(f"/proc/{member}/task"):
                stat = Path(f"/proc/{member}/task/{tid}/stat").read_text()
                fields = stat[stat.rindex(")") + 2 :].split()
                comm = stat[stat.index("(") + 1 : stat.rindex(")")]
                out[(member, int(tid))] = (comm, (int(fields[11]) + int(fields[12])) / CLK_TCK)
        except OSError:
            continue  # gone meanwhile
    return out


def python_names(pid: int) -> dict[int, str]:
    """Native thread id -> Python thread name, from ``py-spy dump`` (empty without it)."""
    spy = shutil.which("py-spy")
    names: dict[int, str] = {}
    for member in family(pid) if spy else []:
        dump = subprocess.run([spy, "dump", "--pid", str(member)], capture_output=True, text=True)
        for tid, name in THREAD_LINE.findall(dump.stdout):
            with contextlib.suppress(ValueError):
                names[int(tid, 0)] = name
    return names


def steady(bench: Bench, cmd: list[str], env: dict[str, str], args: argparse.Namespace) -> dict:
    """Launch, wait for the session, play the speech, warm up, then read CPU for a while."""
    assert bench.server is not None
    process, began = bench.launch(cmd, env)
    if not wait_for(lambda: bench.server.stamps.first_sent("Begin", began), 60):  # type: ignore[union-attr]
        bench.interrupt(process)
        raise RuntimeError(f"no session opened; see run-{bench.runs}.log in {bench.tmp}")
    player = play(bench.wav, bench.sink, bench.pulse_env)
    try:
        time.sleep(args.warm)
        before, start = threads(process.pid), time.monotonic()
        time.sleep(args.seconds)
        after, minutes = threads(process.pid), (time.monotonic() - start) / 60
        names = python_names(process.pid)
    finally:
        bench.interrupt(process)
        player.terminate()
        player.wait()
    per_thread = {}
    for key, (comm, cpu) in after.items():
        label = f"{'app' if key[0] == process.pid else 'child'} {names.get(key[1], comm)}"
        spent = (cpu - before.get(key, (comm, 0.0))[1]) / minutes
        per_thread[label] = per_thread.get(label, 0.0) + spent
    return per_thread


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--warm", type=float, default=15.0, help="seconds of speech before")
    parser.add_argument("--seconds", type=float, default=60.0, help="seconds measured")
    parser.add_argument("--source", type=Path, action="append", help="checkouts (default: this)")
    parser.add_argument("--top", type=int, default=8, help="threads listed per program")
    args = parser.parse_args(argv)
    interruptible()
    sources = [s.resolve() for s in (args.source or [ROOT])]
    tmp = Path(tempfile.mkdtemp(prefix="steady-"))
    display = Display()
    results: dict[str, list[dict]] = {}
    try:
        with private_pulse() as pulse:
            benches = []
            for source in sources:
                options = argparse.Namespace(
                    caption_seconds=args.warm + args.seconds + 10, source=source, no_bytecode=False
                )
                (tmp / source.name).mkdir(exist_ok=True)
                benches.append(Bench(options, tmp / source.name, display, pulse))
            with cloud_server(benches[0].text) as server:
                cloud = ["--engine", "assemblyai", "--api-host", server.url, "--device", "pulse"]
                quick = {"QUICKSTART_HOST": server.url, "QUICKSTART_DEVICE": "pulse"}
                for round_ in range(args.rounds):
                    for source, bench in zip(sources, benches, strict=True):
                        bench.server = server
                        print(f"  round {round_ + 1}: {source} …", flush=True)
                        env = bench.env(ASSEMBLYAI_API_KEY=KEY)
                        got = steady(bench, bench.captioner(*cloud, "--start"), env, args)
                        results.setdefault(str(source), []).append(got)
                    bench = benches[0]
                    print(f"  round {round_ + 1}: quickstart …", flush=True)
                    env = bench.env(ASSEMBLYAI_API_KEY=KEY, **quick)
                    got = steady(
                        bench, [sys.executable, str(REFERENCE / "quickstart.py")], env, args
                    )
                    results.setdefault("quickstart", []).append(got)
    finally:
        display.close()
        shutil.rmtree(tmp, ignore_errors=True)
    report(results, args.top)
    return 0


def report(results: dict[str, list[dict]], top: int) -> None:
    reference = statistics.median(sum(r.values()) for r in results["quickstart"])
    print(
        f"\nCPU seconds a minute, steady cloud captioning (median of {len(results['quickstart'])}):"
    )
    for name, rounds in results.items():
        total = statistics.median(sum(r.values()) for r in rounds)
        print(f"{name}: {total:.2f} s/min, {total / reference:.2f}× the quickstart")
        for process in ("app", "child"):
            part = statistics.median(
                sum(v for k, v in r.items() if k.startswith(process + " ")) for r in rounds
            )
            if part:
                print(f"    {process} process {part:.2f}")
        labels = {label for r in rounds for label in r}
        rows = sorted((statistics.median(r.get(k, 0.0) for r in rounds), k) for k in labels)
        for spent, label in reversed(rows[-top:]):
            print(f"      {spent:5.2f}  {label}")


if __name__ == "__main__":
    sys.exit(main())
