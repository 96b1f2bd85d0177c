"""How long importing the AssemblyAI SDK on a worker thread stalls the GUI thread (issue 14).

Preloading the SDK in the background after the window shows would make the
first cloud session open sooner, but an import holds the GIL while it runs
module code and builds pydantic models: the GUI thread then cannot react.
A 10 ms QTimer on the GUI thread measures the gaps while a worker thread imports
what the cloud engine imports on Start; a run with no import is the floor.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/sdk_import_stall.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, sys, threading, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

app = QApplication([])
window = QMainWindow()
window.show()
ticks = []
timer = QTimer(interval=10)
timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
done = threading.Event()
took = []

def work():
    began = time.perf_counter()
    if sys.argv[1] == "import":
        import captioner.engines.assemblyai.engine  # what Start imports for the cloud engine
        import assemblyai.streaming.v3  # noqa: F401
    else:
        time.sleep(0.6)
    took.append(time.perf_counter() - began)
    done.set()

def check():
    if done.is_set():
        app.quit()

QTimer.singleShot(200, lambda: threading.Thread(target=work).start())
poll = QTimer(interval=50)
poll.timeout.connect(check)
timer.start()
poll.start()
app.exec()
gaps = [(b - a) * 1000 for a, b in zip(ticks, ticks[1:])]
print(json.dumps({"max": max(gaps), "over50": sum(g > 50 for g in gaps), "took": took[0]}))
"""


def run(mode: str) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run(
        [sys.executable, "-c", CHILD, mode], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.2f}")
    print(f"{'worker thread':>16} {'longest GUI gap ms':>19} {'gaps > 50 ms':>13} {'work s':>7}")
    for _ in range(args.repeat):
        for mode in ("sleep", "import"):
            found = run(mode)
            what = "imports the SDK" if mode == "import" else "sleeps (floor)"
            print(f"{what:>16} {found['max']:>19.1f} {found['over50']:>13d} {found['took']:>7.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
