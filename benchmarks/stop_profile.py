"""Where a stop's time goes (issue 14): sample every thread's stack from SIGINT to exit.

Captioner captions a speech file through the cloud engine against the fake v3
server (``sampling.captioning``); after ``--seconds`` it gets SIGINT.  The
sampler inside the app records every thread's innermost frames every 5 ms from
the moment this script asks (just before the signal) until the process ends,
with ``time.monotonic()`` stamps (one clock for every process on Linux).
Printed: the time of Terminate and Termination at the server, the exit, and for
each thread the frames it sat in and for how long.

    .venv/bin/python benchmarks/stop_profile.py [--seconds 8] [--source DIR]
"""

from __future__ import annotations

import argparse
import collections
import signal
import time
from pathlib import Path

from rig import ROOT, interruptible
from sampling import Run, captioning


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="captioning before SIGINT")
    parser.add_argument("--source", type=Path, default=ROOT, help="the Captioner checkout to run")
    parser.add_argument("--depth", type=int, default=4, help="frames shown per sample")
    args = parser.parse_args(argv)
    interruptible()
    with captioning(args.source, args.seconds + 10, period=0.005, depth=12) as app:
        time.sleep(args.seconds)
        app.go()
        time.sleep(0.05)
        sent = time.monotonic()
        app.process.send_signal(signal.SIGINT)
        app.process.wait(30)
        gone = time.monotonic()
        stamps = app.server.stamps
        terminate = stamps.first_received("Terminate", sent)
        termination = stamps.first_sent("Termination", sent)
        at_exit, runs, log = app.atexit_time(), app.runs(), app.log()
    rel = lambda t: f"{(t - sent) * 1000:7.0f} ms"  # noqa: E731
    print(f"SIGINT      {rel(sent)}")
    if terminate:
        print(f"Terminate   {rel(terminate[0])} (at the server)")
    if termination:
        print(f"Termination {rel(termination[0])} (sent by the server)")
    if at_exit is not None:
        print(f"atexit done {rel(at_exit)} (then interpreter teardown)")
    print(f"gone        {rel(gone)}\n")
    for line in log.splitlines():
        if line.startswith("PROBE"):
            word, rest = line.split()[1], line.split(None, 2)[2]
            try:
                print(f"probe {word:10s} {rel(float(rest))}")
            except ValueError:
                print(line)
    # Runs that differ only below the shown depth are one stretch.
    by_thread: dict[str, list[Run]] = collections.defaultdict(list)
    for run in sorted(runs, key=lambda r: r.first):
        by_thread[run.thread].append(run)
    for name, thread_runs in by_thread.items():
        print(f"thread {name}:")
        merged: list[list] = []
        for run in thread_runs:
            where = run.where(args.depth)
            if merged and merged[-1][2] == where:
                merged[-1][1] = run.last
            else:
                merged.append([run.first, run.last, where])
        for start, end, where in merged:
            if end - start >= 0.02:
                print(f"  {rel(start)} → {rel(end)}  {where}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
