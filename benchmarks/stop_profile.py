"""Where a stop's time goes (issue 14): sample every thread's stack from SIGINT to exit.

Captioner captions a speech file through the cloud engine against the fake v3
server; after ``--seconds`` it gets SIGINT.  A sampler loaded through
``sitecustomize`` (this script writes it; nothing in the app knows) records
every thread's innermost Captioner/SDK frames every 5 ms from the moment this
script asks (just before the signal) until the process ends, with
``time.monotonic()`` stamps (one clock for every process on Linux).  Printed:
the time of Terminate and Termination at the server, the exit, and for each
thread the frames it sat in and for how long.

    .venv/bin/python benchmarks/stop_profile.py [--seconds 8] [--source DIR]
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
    import atexit, json, os, sys, threading, time, traceback

    def _atexit_done():  # registered first, so it runs last of the atexit handlers
        with open(os.environ["STOP_PROFILE_OUT"] + ".atexit", "w") as f:
            f.write(str(time.monotonic()))

    atexit.register(_atexit_done)

    def _sample():
        go, out = os.environ["STOP_PROFILE_GO"], os.environ["STOP_PROFILE_OUT"]
        while not os.path.exists(go):
            time.sleep(0.005)
        names = {}
        with open(out, "w") as f:
            while True:
                now = time.monotonic()
                names.update({t.ident: t.name for t in threading.enumerate()})
                for ident, frame in sys._current_frames().items():
                    if ident == threading.get_ident():
                        continue
                    stack = traceback.extract_stack(frame)[-12:]
                    where = [f"{os.path.basename(s.filename)}:{s.lineno} {s.name}" for s in stack]
                    f.write(json.dumps([now, names.get(ident, str(ident)), where]) + "\\n")
                f.flush()
                time.sleep(0.005)

    threading.Thread(target=_sample, name="stop-profile", daemon=True).start()
    """
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="captioning before SIGINT")
    parser.add_argument("--source", type=Path, default=ROOT, help="the Captioner checkout to run")
    parser.add_argument("--depth", type=int, default=4, help="frames shown per sample")
    args = parser.parse_args(argv)
    interruptible()
    tmp = Path(tempfile.mkdtemp(prefix="captioner-stop-"))
    (tmp / "site").mkdir()
    (tmp / "site" / "sitecustomize.py").write_text(SAMPLER)
    wav = tmp / "speech.wav"
    _, text = speech_wav(wav, args.seconds + 10)
    display = Display()
    try:
        with cloud_server(text) as server:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "PULSE_"))}
            env |= {"DISPLAY": display.name, "QT_QPA_PLATFORM": "xcb"}
            env |= {"PYTHONPATH": f"{tmp / 'site'}:{args.source.resolve()}"}
            env |= {f"XDG_{d}_HOME": str(tmp / d.lower()) for d in ("CONFIG", "DATA", "CACHE")}
            env |= {
                "XDG_RUNTIME_DIR": str(tmp),
                "ASSEMBLYAI_API_KEY": "footprint-benchmark-key-00000000",
            }
            env |= {"STOP_PROFILE_GO": str(tmp / "go"), "STOP_PROFILE_OUT": str(tmp / "samples")}
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
            time.sleep(args.seconds)
            (tmp / "go").touch()
            time.sleep(0.05)
            sent = time.monotonic()
            process.send_signal(signal.SIGINT)
            process.wait(30)
            gone = time.monotonic()
            terminate = stamps.first_received("Terminate", sent)
            termination = stamps.first_sent("Termination", sent)
        rel = lambda t: f"{(t - sent) * 1000:7.0f} ms"  # noqa: E731
        print(f"SIGINT      {rel(sent)}")
        if terminate:
            print(f"Terminate   {rel(terminate[0])} (at the server)")
        if termination:
            print(f"Termination {rel(termination[0])} (sent by the server)")
        marker = tmp / "samples.atexit"
        if marker.exists():
            print(f"atexit done {rel(float(marker.read_text()))} (then interpreter teardown)")
        print(f"gone        {rel(gone)}\n")
        for line in (tmp / "captioner.log").read_text().splitlines():
            if line.startswith("PROBE"):
                word, rest = line.split()[1], line.split(None, 2)[2]
                try:
                    print(f"probe {word:10s} {rel(float(rest))}")
                except ValueError:
                    print(line)
        by_thread: dict[str, list[tuple[float, tuple[str, ...]]]] = collections.defaultdict(list)
        for line in (tmp / "samples").read_text().splitlines():
            with_time = json.loads(line)
            by_thread[with_time[1]].append((with_time[0], tuple(with_time[2][-args.depth :])))
        for name, samples in by_thread.items():
            print(f"thread {name}:")
            runs: list[list] = []
            for t, where in samples:
                if runs and runs[-1][2] == where:
                    runs[-1][1] = t
                else:
                    runs.append([t, t, where])
            for start, end, where in runs:
                if end - start >= 0.02:
                    print(f"  {rel(start)} → {rel(end)}  {' < '.join(reversed(where))}")
    finally:
        display.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
