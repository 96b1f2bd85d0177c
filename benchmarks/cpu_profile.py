"""Where the CPU goes during cloud captioning (issue 14): per thread, and in which code.

Captioner captions a speech file (read in real time) through the cloud engine
against the fake v3 server on a private X display (``sampling.captioning``).
After ``--warm`` seconds, for ``--seconds`` seconds, this script reads each
thread's CPU time from ``/proc/<pid>/task`` while the sampler inside the app
records every 2 ms the innermost frames of each Python thread.  Printed: CPU
seconds per thread, then for the busiest threads the code their samples sat in
(a thread blocked in a wait shows up too: read it beside the CPU).

    .venv/bin/python benchmarks/cpu_profile.py [--seconds 30] [--source DIR]
"""

from __future__ import annotations

import argparse
import collections
import os
import signal
import time
from pathlib import Path

from rig import ROOT, interruptible
from sampling import captioning, task_cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the profile")
    parser.add_argument("--warm", type=float, default=8.0, help="captioning before it")
    parser.add_argument("--depth", type=int, default=3, help="frames kept per sample")
    parser.add_argument("--top", type=int, default=8, help="rows per thread")
    parser.add_argument("--source", type=Path, default=ROOT, help="the Captioner checkout to run")
    args = parser.parse_args(argv)
    interruptible()
    speech = args.warm + args.seconds + 15
    with captioning(
        args.source, speech, period=0.002, depth=args.depth, seconds=args.seconds
    ) as app:
        time.sleep(args.warm)
        before = task_cpu(app.process.pid)
        app.go()
        time.sleep(args.seconds)
        after = task_cpu(app.process.pid)
        app.done(10)
        runs, sampler = app.runs(), app.sampler_tid()
        app.process.send_signal(signal.SIGINT)
        app.process.wait(30)
    load = os.getloadavg()
    print(f"CPU over {args.seconds:g} s of captioning, per thread (load {load}):")
    total = 0.0
    rows = []
    for tid, (comm, cpu) in after.items():
        spent = cpu - before.get(tid, (comm, 0.0))[1]
        total += spent
        rows.append((spent, tid, comm))
    names = {run.native_id: run.thread for run in runs}
    names[sampler or -1] = "the sampler itself (not the app's)"
    for spent, tid, comm in sorted(rows, reverse=True)[:10]:
        print(f"  {spent:6.2f} s  {names.get(tid, comm)} ({tid})")
    mine = sum(spent for spent, tid, _ in rows if tid == sampler)
    print(f"  {total - mine:6.2f} s  in all, without the sampler\n")
    by_thread: dict[tuple[str, int], collections.Counter] = collections.defaultdict(
        collections.Counter
    )
    for run in runs:
        by_thread[(run.thread, run.native_id)][run.where(args.depth, lines=False)] += run.count
    busy = {tid for spent, tid, _ in sorted(rows, reverse=True)[:5] if tid != sampler}
    for (name, native), counter in by_thread.items():
        if native not in busy:
            continue
        samples = sum(counter.values())
        print(f"thread {name} ({native}): {samples} samples")
        for where, n in counter.most_common(args.top):
            print(f"  {n / samples * 100:5.1f} %  {where}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
