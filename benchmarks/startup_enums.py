"""Python enum classes PySide builds before the main window's first paint (issue 14).

PySide makes each Qt class's enums into Python ``enum`` classes the first time
the class is touched, ~0.2 ms each.  Before its first paint the app built ~400
of them against a bare window's ~40 (2026-12-06): ~70-135 ms of a 0.3-0.55 s
launch, a cost no profile of the app's own code shows as one place.  This runs
the app (idle, a fresh settings folder) and a bare PySide6 window, each in a
child process that counts the enums built until its first paint and names the
line of the app that caused each batch; ``--source DIR`` (repeatable) compares
checkouts.  Counts are exact; the milliseconds move with the machine.

    .venv/bin/python benchmarks/startup_enums.py [--source DIR ...] [--top 12]

It uses ``QT_QPA_PLATFORM=offscreen`` unless ``DISPLAY`` is set.  A benchmark,
not a test: the exit status is 1 only when a program cannot be measured.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

COUNTER = """
import enum, json, os, sys, time, traceback
BUILT = []
_create = enum.EnumType._create_

def _counted(cls, class_name, names, *args, **kwargs):
    began = time.perf_counter()
    made = _create(cls, class_name, names, *args, **kwargs)
    took = time.perf_counter() - began
    where = "(PySide or Qt itself)"
    for frame in reversed(traceback.extract_stack()[:-1]):
        if "/captioner/" in frame.filename:
            where = f"{frame.filename.split('/captioner/')[-1]}:{frame.lineno}"
            break
    BUILT.append((where, took))
    return made

enum.EnumType._create_ = _counted

def report():
    print("ENUMS " + json.dumps(BUILT), file=sys.stderr, flush=True)
    os._exit(0)
"""

APP = (
    COUNTER
    + """
sys.argv[0] = "captioner"
import PySide6.QtWidgets  # its own enums are counted as Qt's, as in the bare window
import captioner.ui.first_paint as first_paint
_wait = first_paint.FirstPaint.wait

def wait(self, *args):
    _wait(self, *args)
    report()

first_paint.FirstPaint.wait = wait
from captioner.__main__ import main
main([])
"""
)

BARE = (
    COUNTER
    + """
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

class Painted(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            report()
        return False

app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setCentralWidget(QLabel("reference: a bare QMainWindow"))
painted = Painted()
window.installEventFilter(painted)
window.resize(640, 420)
window.show()
app.exec()
"""
)


def measure(code: str, source: Path | None) -> list[tuple[str, float]] | None:
    """Run ``code`` in a child (in ``source`` for the app) and read its enums, or None."""
    with tempfile.TemporaryDirectory(prefix="startup-enums-") as home:
        env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=f"{home}/config")
        env.setdefault("QT_QPA_PLATFORM", "offscreen" if "DISPLAY" not in env else "xcb")
        if source is not None:
            env["PYTHONPATH"] = str(source)
        try:
            done = subprocess.run(
                [sys.executable, "-c", code],
                env=env,
                cwd=source or ROOT,
                capture_output=True,
                text=True,
                timeout=60,
            )
        except subprocess.TimeoutExpired:
            return None
    for line in done.stderr.splitlines():
        if line.startswith("ENUMS "):
            return [tuple(item) for item in json.loads(line[6:])]
    print(done.stderr[-2000:], file=sys.stderr)
    return None


def summary(label: str, built: list[tuple[str, float]], top: int) -> None:
    """One line for the program, then its largest batches by the line that caused them."""
    total_ms = sum(took for _, took in built) * 1000
    print(f"{label:40} {len(built):5d} enums {total_ms:7.1f} ms")
    batches: dict[str, list[float]] = {}
    for where, took in built:
        batches.setdefault(where, []).append(took)
    ranked = sorted(batches.items(), key=lambda item: -len(item[1]))[:top]
    for where, took in ranked:
        print(f"    {len(took):4d} {sum(took) * 1000:6.1f} ms  {where}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", action="append", type=Path, help="a checkout (default: .)")
    parser.add_argument("--top", type=int, default=12, help="batches listed per checkout")
    args = parser.parse_args(argv)
    bare = measure(BARE, None)
    if bare is None:
        print("the bare window could not be measured", file=sys.stderr)
        return 1
    summary("bare PySide6 window", bare, 0)
    status = 0
    for source in args.source or [ROOT]:
        built = measure(APP, source.resolve())
        if built is None:
            print(f"{source}: the app could not be measured", file=sys.stderr)
            status = 1
            continue
        summary(f"Captioner ({source})", built, args.top)
        print(f"    {len(built) / max(len(bare), 1):.1f}× the bare window's enums")
    return status


if __name__ == "__main__":
    sys.exit(main())
