"""Time per in-progress (partial) update with a short and a very long session.

A partial must cost the same whether the session has 10 or 10,000 finished
turns: the overlay never re-lays-out history and the transcript view rewrites
one block.  This drives the real app objects (controller → main window
transcript + overlay), offscreen, and paints after every update.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/overlay_updates.py [--quick] [--on-screen]

``--on-screen`` lets Qt repaint what each update asked for (as the event
loop does: the overlay's strip in progress, the transcript's changed line)
instead of painting both whole with ``grab()``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from captioner.app import CaptionerApp
from captioner.cli import parse_args
from captioner.core.transcript import TurnUpdate, Word

TARGET_RATIO = 1.1
SENTENCE = "how much there might be prudently in his power to do for them".split()


def turn(key: str, order: int, words: list[str], start_ms: int, final: bool) -> TurnUpdate:
    timed = tuple(
        Word(w, start_ms + i * 300, start_ms + i * 300 + 250) for i, w in enumerate(words)
    )
    return TurnUpdate(key, order, " ".join(words), timed, end_of_turn=final, formatted=final)


def partial(history: int, n: int) -> TurnUpdate:
    """The ``n``-th partial after ``history`` finished turns: one turn in progress.

    Its words grow and start over, always under the same key, as one turn
    that keeps being rewritten: partials of turns that never finish would
    pile up as lines in progress (the main window shows one per turn).
    """
    words = SENTENCE[: 1 + n % len(SENTENCE)]
    return turn("p", history, words, history * 5000, final=False)


def measure(history: int, updates: int, tmp: Path, on_screen: bool = False) -> list[float]:
    settings = QSettings(str(tmp / f"bench-{history}.ini"), QSettings.Format.IniFormat)
    app = CaptionerApp(parse_args([]), settings, list_devices=list, use_tray=False)
    app.window.show()
    app.overlay.show()
    controller = app.controller
    for i in range(history):
        controller._on_update(turn(f"h:{i}", i, SENTENCE, i * 5000, final=True))
    QApplication.processEvents()
    timings = []
    for n in range(updates):
        update = partial(history, n)
        began = time.perf_counter()
        controller._on_update(update)
        if on_screen:  # what each window asked to repaint, painted and flushed
            QApplication.processEvents()
        else:
            app.overlay.grab()  # lay out and paint the overlay as a frame would
            app.window.transcript.viewport().grab()
        timings.append((time.perf_counter() - began) * 1000)
    app.overlay.close()
    app.window.allow_close()
    app.window.close()
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=300)
    parser.add_argument("--history", type=int, nargs="+", default=[10, 10_000])
    parser.add_argument("--quick", action="store_true", help="100 updates, 10 and 2,000 turns")
    parser.add_argument(
        "--on-screen",
        action="store_true",
        help="repaint what Qt was asked to (a strip of the overlay, one transcript line) "
        "instead of grabbing both windows whole",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.updates, args.history = 100, [10, 2_000]
    QApplication.instance() or QApplication(sys.argv[:1])
    print(f"{'finished turns':>15} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'× first':>8}")
    first = None
    with tempfile.TemporaryDirectory() as tmp:
        for history in args.history:
            t = sorted(measure(history, args.updates, Path(tmp), args.on_screen))
            p95, median = t[int(len(t) * 0.95) - 1], statistics.median(t)
            first = first or median
            cells = f"{median:>10.3f} {p95:>8.3f} {t[-1]:>8.3f} {median / first:>8.2f}"
            print(f"{history:>15} {cells}")
    # Issue 14: a partial costs the same however long the session is.
    print(f"target: the median at {args.history[-1]} turns ≤ {TARGET_RATIO}× at {args.history[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
