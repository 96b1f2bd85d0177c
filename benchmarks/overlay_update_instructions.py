"""Instructions per in-progress (partial) update, short vs long session: a load-proof ratio.

``benchmarks/overlay_updates.py`` times the same path with a clock, which on a
shared machine swings by ±30 % between runs, far more than the 10 % it is
meant to judge.  This counts instructions instead (valgrind's callgrind), which
do not depend on what else the machine is doing: each history size runs twice,
with ``--updates`` and ``3 × --updates`` partials, and the difference divided by
the extra updates is the cost of one update, start-up and history excluded.

The path is the benchmark's (controller → main window transcript + overlay,
a paint of each after every update).  Instruction counts do not see cache
misses, so a long session's larger memory may still cost a little more time
than they say.  Note the smallest history: 10 turns do not fill the main
window's transcript, so it paints fewer lines than any longer session does
(compare with 30, which fills it).  Slow: about 3 minutes per 2,000 turns.

    .venv/bin/python benchmarks/overlay_update_instructions.py [--history 10 30 2000]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve()
TARGET_RATIO = 1.1


def child(history: int, updates: int, data: Path) -> None:
    """Build the app, add ``history`` finished turns, then ``updates`` painted partials."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(HERE.parent))
    from overlay_updates import SENTENCE, partial, turn
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from captioner.app import CaptionerApp
    from captioner.cli import parse_args

    QApplication.instance() or QApplication(sys.argv[:1])
    settings = QSettings(str(data / "bench.ini"), QSettings.Format.IniFormat)
    args = parse_args(["--data-dir", str(data / "sessions")])
    app = CaptionerApp(args, settings, list_devices=list, use_tray=False)
    app.window.show()
    app.overlay.show()
    controller = app.controller
    for i in range(history):
        controller._on_update(turn(f"h:{i}", i, SENTENCE, i * 5000, final=True))
    QApplication.processEvents()
    for n in range(updates):
        controller._on_update(partial(history, n))
        app.overlay.grab()
        app.window.transcript.viewport().grab()
    os._exit(0)  # the teardown is not what is measured


def instructions(history: int, updates: int, tmp: Path) -> int:
    """Instructions of one child run under callgrind."""
    out = tmp / f"callgrind.{history}.{updates}.out"
    data = tmp / f"data-{history}-{updates}"
    data.mkdir()
    command = [
        "valgrind",
        "--tool=callgrind",
        f"--callgrind-out-file={out}",
        sys.executable,
        str(HERE),
        "--child",
        str(history),
        str(updates),
        str(data),
    ]
    env = dict(os.environ, PYTHONHASHSEED="0", QT_QPA_PLATFORM="offscreen")
    subprocess.run(command, check=True, env=env, capture_output=True)
    match = re.search(r"^summary: (\d+)$", out.read_text(), re.MULTILINE)
    if match is None:
        raise SystemExit(f"no instruction total in {out}")
    return int(match.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=100)
    parser.add_argument("--history", type=int, nargs="+", default=[10, 30, 2_000])
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(int(args.child[0]), int(args.child[1]), Path(args.child[2]))
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is needed (apt-get install valgrind)")
    print(f"{'finished turns':>15} {'M instr/update':>15} {'× first':>8}")
    first = None
    with tempfile.TemporaryDirectory() as tmp:
        for history in args.history:
            low = instructions(history, args.updates, Path(tmp))
            high = instructions(history, 3 * args.updates, Path(tmp))
            per_update = (high - low) / (2 * args.updates) / 1e6
            first = first or per_update
            print(f"{history:>15} {per_update:>15.2f} {per_update / first:>8.3f}", flush=True)
    print(f"target: ≤ {TARGET_RATIO}× the first row at every length")
    return 0


if __name__ == "__main__":
    sys.exit(main())
