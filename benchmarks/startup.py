"""Start-up of Captioner next to its references, from many short interleaved launches (issue 14).

``benchmarks/footprint.py`` measures start-up in its few long rounds, and a
figure of a few tenths of a second from three launches swings with whatever
else the machine does.  Here every round launches, one after the other on the
same private display, sound server and v3 server (``benchmarks/rig.py``):

* a bare PySide6 window (``reference/bare_window.py``): launch → window mapped;
* AssemblyAI's quickstart (``reference/quickstart.py``): launch → the server
  sent ``Begin``;
* Captioner captioning via the cloud (``--engine assemblyai --start``), from
  each ``--source`` given: launch → window mapped and launch → ``Begin``;
* Captioner launched idle with the offline engine selected (no key, nothing
  started: the first launch of a new user): launch → window mapped;

and ends each with SIGINT as soon as it is measured.  The table gives medians
and the median of the per-round ratios (each round's launches share the
machine's state of the moment, so the paired ratio is the steadier figure).

    .venv/bin/python benchmarks/startup.py [--rounds 12] [--source DIR ...] [--python PATH]

With two or more ``--source`` (say a ``git worktree`` of an older commit and
this checkout) it is an A/B comparison under the same conditions.  A benchmark,
not a test: the exit status is 1 only when a program cannot be measured.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rig import (
    KEY,
    ROOT,
    Display,
    captioner_env,
    child_defaults,
    cloud_server,
    installed,
    interruptible,
    private_pulse,
    speech_wav,
    wait_for,
)

REFERENCE = Path(__file__).resolve().parent / "reference"
IDLE = "(idle)"  # the launch with the offline engine selected and nothing started
TARGETS = {"visible": 2.0, "open": 1.2}  # issue 14: ≤ 2× the bare window, ≤ 1.2× the quickstart


def stop(process: subprocess.Popen) -> None:
    """SIGINT (a session ends with Terminate as a user's would), then make sure it is gone."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def measure(args: argparse.Namespace, tmp: Path) -> dict[str, dict[str, list[float | None]]]:
    """Per program, per figure, one value per round (None: not measured that round)."""
    sites = {}
    for i, source in enumerate(args.source):
        (tmp / f"site{i}").mkdir()
        sites[f"Captioner {source.name or source}"] = installed(source, tmp / f"site{i}")
    _, text = speech_wav(tmp / "speech.wav", 5)
    names = ["bare", "quick", *sites, *(f"{name} {IDLE}" for name in sites)]
    figures: dict[str, dict[str, list[float | None]]] = {
        name: {"visible": [], "open": []} for name in names
    }
    display = Display()
    runs = 0
    try:
        with private_pulse() as (pulse_env, _sink), cloud_server(text) as server:

            def run(name: str, cmd: list[str], site: Path | None, extra: dict[str, str]) -> None:
                nonlocal runs
                runs += 1
                home = tmp / f"run-{runs}"
                home.mkdir()
                env = captioner_env(display, [site] if site else [], home) | pulse_env | extra
                began = time.monotonic()
                with (home / "log").open("wb") as log:
                    process = subprocess.Popen(
                        cmd,
                        env=env,
                        cwd=site or tmp,
                        stdout=subprocess.DEVNULL,
                        stderr=log,
                        preexec_fn=child_defaults,
                    )
                try:
                    want_window = name != "quick"
                    want_open = name not in ("bare",) and not name.endswith(IDLE)

                    def done() -> bool:
                        if process.poll() is not None:
                            return True
                        mapped = display.mapped_after(process.pid, began) or not want_window
                        opened = server.stamps.first_sent("Begin", began) or not want_open
                        return bool(mapped and opened)

                    wait_for(done, 60)
                    mapped = display.mapped_after(process.pid, began)
                    opened = server.stamps.first_sent("Begin", began)
                    if want_window:
                        figures[name]["visible"].append(mapped - began if mapped else None)
                    if want_open:
                        figures[name]["open"].append(opened[0] - began if opened else None)
                finally:
                    time.sleep(args.linger)
                    stop(process)

            key = {"ASSEMBLYAI_API_KEY": KEY}
            python = str(args.python)
            for round_ in range(args.rounds):
                print(f"  round {round_ + 1}/{args.rounds}", flush=True)
                run("bare", [python, str(REFERENCE / "bare_window.py")], None, {})
                quick_env = key | {"QUICKSTART_HOST": server.url, "QUICKSTART_DEVICE": "pulse"}
                run("quick", [python, str(REFERENCE / "quickstart.py")], None, quick_env)
                for name, site in sites.items():
                    data = tmp / f"run-{runs + 1}-sessions"
                    cmd = [python, "-m", "captioner", "--data-dir", str(data)]
                    cloud = [*cmd, "--engine", "assemblyai", "--api-host", server.url]
                    run(name, [*cloud, "--device", "pulse", "--start"], site, key)
                    data = tmp / f"run-{runs + 1}-sessions"
                    cmd = [python, "-m", "captioner", "--data-dir", str(data)]
                    run(f"{name} {IDLE}", [*cmd, "--engine", "offline"], site, {})
    finally:
        display.close()
    return figures


def report(figures: dict[str, dict[str, list[float | None]]]) -> int:
    """The table: medians, the median of per-round ratios, and whether the target is met."""
    line = "{:<44} {:>9} {:>9} {:>7} {:>7}  {:<6} {}"
    head = line.format("figure", "Captioner", "reference", "ratio", "paired", "target", "met")
    print("\n" + head + "\n" + "-" * len(head))
    failed = False
    for key, reference, label in (
        ("visible", "bare", "launch → window visible"),
        ("open", "quick", "launch → session open"),
    ):
        theirs = figures[reference][key]
        for name, values in figures.items():
            if name in ("bare", "quick") or not values[key]:  # not a figure of this launch
                continue
            pairs = [(a, b) for a, b in zip(values[key], theirs, strict=True) if a and b]
            if not pairs:
                print(f"{label}: {name} was never measured", file=sys.stderr)
                failed = True
                continue
            mine = statistics.median(a for a, _ in pairs)
            ref = statistics.median(b for _, b in pairs)
            paired = statistics.median(a / b for a, b in pairs)
            target = TARGETS[key]
            met = "yes" if max(mine / ref, paired) <= target else "NO"
            print(
                line.format(
                    f"{label} ({name.removeprefix('Captioner ')})"[:44],
                    f"{mine:.3f} s",
                    f"{ref:.3f} s",
                    f"{mine / ref:.2f}",
                    f"{paired:.2f}",
                    f"≤ {target:g}×",
                    met,
                )
            )
    print("\nranges over the rounds:")
    for name, figs in figures.items():
        for key, values in figs.items():
            got = [v for v in values if v]
            if got:
                missing = len(values) - len(got)
                extra = f" ({missing} not measured)" if missing else ""
                print(f"  {name} {key}: {min(got):.3f}–{max(got):.3f} s over {len(got)}{extra}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument(
        "--source", type=Path, action="append", help="a Captioner checkout (repeatable)"
    )
    parser.add_argument(
        "--linger", type=float, default=1.0, help="seconds each program runs after its figures"
    )
    parser.add_argument(
        "--python",
        type=Path,
        default=Path(sys.executable),
        help="the interpreter the programs run on (say a venv without the dev tools)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    interruptible()
    args.source = [s.resolve() for s in (args.source or [ROOT])]
    args.python = args.python.absolute()  # not resolved: a venv's python is a symlink
    tmp = Path(tempfile.mkdtemp(prefix="startup-"))
    print(f"{args.rounds} rounds on {args.python}; load {os.getloadavg()}", flush=True)
    try:
        return report(measure(args, tmp))
    finally:
        print(f"load average {os.getloadavg()}")
        print(f"(kept {tmp})") if args.keep else shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
