"""What a cycle collection costs the GUI thread, with a short and a very long session.

The app collects cyclic garbage on the GUI thread only (captioner/ui/gui_collector.py:
PySide objects must die on the thread they live on), so a collection is a pause
of the captions.  This builds the real app (offscreen), freezes what start-up
built as ``run_gui`` does, adds finished turns, and times ``gc.collect(n)`` per
generation; the same without the freeze shows what it buys.  Reference: one
16.7 ms frame, and a bare Qt window's full collection in the same run.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/gc_pauses.py [--quick]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

FRAME_MS = 1000 / 60
HERE = Path(__file__).resolve()


def timed_collect(generation: int, rounds: int) -> float:
    """Median milliseconds of ``gc.collect(generation)``."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        gc.collect(generation)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bare_window(rounds: int) -> float:
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication([])
    label = QLabel("bare")
    label.show()
    app.processEvents()
    return timed_collect(2, rounds)


def app_with_history(history: int, frozen: bool, rounds: int, tmp: Path) -> dict[str, float]:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    sys.path.insert(0, str(HERE.parent))
    from overlay_updates import SENTENCE, turn

    from captioner.app import CaptionerApp
    from captioner.cli import parse_args

    gc.disable()
    qt = QApplication.instance() or QApplication([])
    settings = QSettings(str(tmp / "bench.ini"), QSettings.Format.IniFormat)
    app = CaptionerApp(parse_args([]), settings, list_devices=list, use_tray=False)
    app.window.show()
    app.overlay.show()
    qt.processEvents()
    gc.collect()
    if frozen:
        gc.freeze()  # as run_gui does once start-up is complete
    for i in range(history):
        app.controller._on_update(turn(f"h:{i}", i, SENTENCE, i * 5000, final=True))
        if i % 500 == 0:
            qt.processEvents()
    qt.processEvents()
    gc.collect()
    return {f"gen{n}": timed_collect(n, rounds) for n in range(3)} | {
        "tracked": float(len(gc.get_objects())),
        "frozen": float(gc.get_freeze_count()),
    }


def child(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        if args.case == "bare":
            print(bare_window(args.rounds))
        else:
            result = app_with_history(args.history, args.case == "frozen", args.rounds, Path(tmp))
            print(" ".join(f"{k}={v}" for k, v in result.items()))
    sys.stdout.flush()
    os._exit(0)


def run(case: str, history: int, rounds: int) -> str:
    """Each case in a fresh interpreter: one case's heap does not weigh on the next."""
    out = subprocess.run(
        [
            sys.executable,
            str(HERE),
            "--child",
            case,
            "--history",
            str(history),
            "--rounds",
            str(rounds),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 turns only, fewer rounds")
    parser.add_argument("--child", dest="case", help=argparse.SUPPRESS)
    parser.add_argument("--history", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=7, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        child(args)
        return
    rounds = 3 if args.quick else 7
    histories = (10, 2000) if args.quick else (10, 2000, 10000)
    bare = float(run("bare", 0, rounds))
    print(f"bare Qt window, full collection: {bare:.2f} ms (one frame: {FRAME_MS:.1f} ms)")
    print("turns   case        gen0 ms  gen1 ms  gen2 ms  gen2 ×bare  tracked  frozen")
    worst = 0.0
    for history in histories:
        for case in ("unfrozen", "frozen"):
            values = dict(pair.split("=") for pair in run(case, history, rounds).split())
            v = {k: float(x) for k, x in values.items()}
            if case == "frozen":
                worst = max(worst, v["gen2"])
            print(
                f"{history:>6}  {case:<10} {v['gen0']:>8.2f} {v['gen1']:>8.2f} {v['gen2']:>8.2f}"
                f" {v['gen2'] / bare:>10.1f} {int(v['tracked']):>8} {int(v['frozen']):>7}"
            )
    verdict = "within" if worst <= FRAME_MS else "OVER"
    print(f"worst full collection as the app runs (frozen): {worst:.1f} ms, {verdict} one frame")


if __name__ == "__main__":
    main()
