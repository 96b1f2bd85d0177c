"""Where the CPU goes during cloud captioning (issue 14): per thread, and in which code.

Captioner captions a speech file (read in real time) through the cloud engine
against the fake v3 server on a private X display.  After ``--warm`` seconds, for
``--seconds`` seconds, this script reads each thread's CPU time from
``/proc/<pid>/task`` and a sampler loaded through ``sitecustomize`` (nothing in
the app knows) records every 2 ms the innermost frames of each Python thread.
Printed: CPU seconds per thread, then for the busiest threads the code their
samples sat in (a thread blocked in a wait shows up too: read it beside the CPU).

    .venv/bin/python benchmarks/cpu_profile.py [--seconds 30] [--source DIR]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from rig import (
    CLK_TCK,
    KEY,
    ROOT,
    Display,
    child_defaults,
    cloud_server,
    interruptible,
    speech_wav,
    wait_for,
)

SAMPLER = textwrap.dedent(
    """
    import json, os, sys, threading, time

    def _sample():
        go, out = os.environ["CPU_PROFILE_GO"], os.environ["CPU_PROFILE_OUT"]
        while not os.path.exists(go):
            time.sleep(0.05)
        counts = {}
        end = time.monotonic() + float(os.environ["CPU_PROFILE_SECONDS"])
        while time.monotonic() < end:
            threads = {t.ident: (t.name, t.native_id) for t in threading.enumerate()}
            for ident, frame in sys._current_frames().items():
                if ident == threading.get_ident():
                    continue
                where, f = [], frame
                while f is not None and len(where) < DEPTH:
                    code = f.f_code
                    where.append(f"{os.path.basename(code.co_filename)}:{code.co_name}")
                    f = f.f_back
                name, native = threads.get(ident, (str(ident), 0))
                key = (name, native, tuple(where))
                counts[key] = counts.get(key, 0) + 1
            time.sleep(0.002)
        with open(out, "w") as f:
            counts = {json.dumps([n, t, list(w)]): c for (n, t, w), c in counts.items()}
            json.dump({"self": threading.get_native_id(), "counts": counts}, f)

    threading.Thread(target=_sample, name="cpu-profile", daemon=True).start()
    """
)


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the profile")
    parser.add_argument("--warm", type=float, default=8.0, help="captioning before it")
    parser.add_argument("--depth", type=int, default=3, help="frames kept per sample")
    parser.add_argument("--top", type=int, default=8, help="rows per thread")
    parser.add_argument("--source", type=Path, default=ROOT, help="the Captioner checkout to run")
    args = parser.parse_args(argv)
    interruptible()
    tmp = Path(tempfile.mkdtemp(prefix="captioner-cpu-"))
    (tmp / "site").mkdir()
    (tmp / "site" / "sitecustomize.py").write_text(f"DEPTH = {args.depth}\n" + SAMPLER)
    wav = tmp / "speech.wav"
    _, text = speech_wav(wav, args.warm + args.seconds + 15)
    display = Display()
    process = None
    try:
        with cloud_server(text) as server:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "PULSE_"))}
            env |= {"DISPLAY": display.name, "QT_QPA_PLATFORM": "xcb"}
            env |= {"PYTHONPATH": f"{tmp / 'site'}:{args.source.resolve()}"}
            env |= {f"XDG_{d}_HOME": str(tmp / d.lower()) for d in ("CONFIG", "DATA", "CACHE")}
            env |= {"XDG_RUNTIME_DIR": str(tmp), "ASSEMBLYAI_API_KEY": KEY}
            env |= {"CPU_PROFILE_GO": str(tmp / "go"), "CPU_PROFILE_OUT": str(tmp / "samples")}
            env |= {"CPU_PROFILE_SECONDS": str(args.seconds)}
            cmd = [sys.executable, "-m", "captioner", "--data-dir", str(tmp / "sessions")]
            cmd += ["--engine", "assemblyai", "--api-host", server.url]
            cmd += ["--input-file", str(wav), "--start"]
            with (tmp / "captioner.log").open("wb") as log:
                process = subprocess.Popen(
                    cmd,
                    env=env,
                    cwd=args.source,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    preexec_fn=child_defaults,
                )
            stamps = server.stamps
            wait_for(lambda: stamps.first_sent("Begin") or process.poll() is not None, 60)
            time.sleep(args.warm)
            before = task_cpu(process.pid)
            (tmp / "go").touch()
            time.sleep(args.seconds)
            after = task_cpu(process.pid)
            wait_for(lambda: (tmp / "samples").exists(), 10)
            process.send_signal(signal.SIGINT)
            process.wait(30)
        load = os.getloadavg()[0]
        print(f"CPU over {args.seconds:g} s of captioning, per thread (load {load:.2f}):")
        total = 0.0
        rows = []
        for tid, (comm, cpu) in after.items():
            spent = cpu - before.get(tid, (comm, 0.0))[1]
            total += spent
            rows.append((spent, tid, comm))
        found = json.loads((tmp / "samples").read_text())
        counts, sampler = found["counts"], found["self"]
        names = {json.loads(key)[1]: json.loads(key)[0] for key in counts}
        names[sampler] = "the sampler itself (not the app's)"
        for spent, tid, comm in sorted(rows, reverse=True)[:10]:
            print(f"  {spent:6.2f} s  {names.get(tid, comm)} ({tid})")
        mine = sum(spent for spent, tid, _ in rows if tid == sampler)
        print(f"  {total - mine:6.2f} s  in all, without the sampler\n")
        by_thread: dict[tuple[str, int], collections.Counter] = collections.defaultdict(
            collections.Counter
        )
        for key, n in counts.items():
            name, native, where = json.loads(key)
            by_thread[(name, native)][" < ".join(where)] += n
        busy = {tid for spent, tid, _ in sorted(rows, reverse=True)[:5] if tid != sampler}
        for (name, native), counter in by_thread.items():
            if native not in busy:
                continue
            samples = sum(counter.values())
            print(f"thread {name} ({native}): {samples} samples")
            for where, n in counter.most_common(args.top):
                print(f"  {n / samples * 100:5.1f} %  {where}")
    finally:
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
        display.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
