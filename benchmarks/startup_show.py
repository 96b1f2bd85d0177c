"""Launch → the main window's ``show()``, over many short interleaved launches (issue 14).

The window row of ``startup.py`` is decided before ``MainWindow.show()``: its
MapNotify follows at once.  That row needs a private X server, a sound server
and a local v3 server, and lingers after each launch, so a 16-round run takes
minutes and still cannot resolve 20-40 ms on a noisy machine.  This one
launches the app (idle, a fresh settings folder, ``--data-dir`` in a temporary
folder) and stops it the moment ``show()`` is called; the child prints
``time.monotonic()`` there, which on Linux is one clock for every process, so
the time counts from just before the parent started it.  ``--source DIR``
(repeatable) compares checkouts, launched in turn in every round; compile them
first (``python -m compileall``) when ``PYTHONDONTWRITEBYTECODE`` is set.

    .venv/bin/python benchmarks/startup_show.py [--rounds 30] [--source DIR ...]

It uses ``QT_QPA_PLATFORM=offscreen`` unless ``DISPLAY`` is set.  A benchmark,
not a test: the exit status is 1 only when a launch cannot be measured.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import os, sys, time
sys.argv[0] = "captioner"

class StopAtShow:
    def find_spec(self, name, path=None, target=None):
        if name == "captioner.app":
            sys.meta_path.remove(self)
            import captioner.ui.main_window as main_window

            def show(window):
                print(time.monotonic(), flush=True)
                os._exit(0)

            main_window.MainWindow.show = show
        return None

sys.meta_path.insert(0, StopAtShow())
from captioner.__main__ import main
main(["--data-dir", sys.argv[1]])
"""

# The reference: benchmarks/reference/bare_window.py, stopped at its show() the same way.
BARE = """
import os, runpy, sys, time
from PySide6.QtWidgets import QMainWindow

def show(window):
    print(time.monotonic(), flush=True)
    os._exit(0)

QMainWindow.show = show
runpy.run_path(sys.argv[2], run_name="__main__")
"""


def launch(source: Path | None, home: Path) -> float | None:
    """Seconds from just before the launch to ``show()``; None if it never got there.

    ``source`` None: the bare window.
    """
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_RUNTIME_DIR": str(home),
        "TMPDIR": str(home),  # a single-instance name of its own
        "ASSEMBLYAI_API_KEY": "k" * 32,  # the cloud engine selected: no offline preload
    }
    if "DISPLAY" not in env:
        env["QT_QPA_PLATFORM"] = "offscreen"
    began = time.monotonic()
    bare = [sys.executable, "-c", BARE, "", str(ROOT / "benchmarks/reference/bare_window.py")]
    result = subprocess.run(
        bare if source is None else [sys.executable, "-c", CHILD, str(home / "data")],
        cwd=source or home,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    try:
        return float(result.stdout.split()[-1]) - began
    except (IndexError, ValueError):
        print(f"{source}: no show() ({result.stderr.strip()[-300:]})", file=sys.stderr)
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--source", type=Path, action="append", help="a checkout (repeatable)")
    args = parser.parse_args()
    sources = [path.resolve() for path in args.source or [ROOT]]
    times: dict[Path | None, list[float]] = {None: [], **{source: [] for source in sources}}
    with tempfile.TemporaryDirectory(prefix="startup-show-") as tmp:
        for round_ in range(args.rounds):
            for source in times:
                home = Path(tmp) / f"{source.name if source else 'bare'}-{round_}"
                home.mkdir()
                took = launch(source, home)
                if took is None:
                    return 1
                times[source].append(took)
    print(
        f"launch → MainWindow.show(), {args.rounds} interleaved rounds,"
        f" load {os.getloadavg()[0]:.2f}"
    )
    bare = statistics.median(times[None])
    first = statistics.median(times[sources[0]])
    for source, values in times.items():
        values.sort()
        median = statistics.median(values)
        quarter = len(values) // 4
        versus = f"  {median / bare:.2f}× the bare window" if source else ""
        if source and len(sources) > 1:
            versus += f", {median / first:.3f}× the first checkout"
        print(
            f"  {source or 'bare PySide6 window'!s:40s} median {median * 1000:6.1f} ms"
            f"  (middle half {values[quarter] * 1000:.0f}–{values[-quarter - 1] * 1000:.0f} ms)"
            + versus
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
