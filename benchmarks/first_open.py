"""What opening a dialog, a window or an export costs the GUI thread the first time (issue 14).

The help and settings dialogs, the Sessions window and the export formats are
imported when first used rather than before the main window shows; the price
is paid once, on the GUI thread, when the user first opens each.  This
measures that price: for each action, a fresh interpreter (so the action
really is the first) builds the app offscreen, shows the main window, lets it
settle, then times the slot the menu would call, from the call until it
returns (the dialog built and shown; for Export, the GUI thread's part: the
suggested name, the subtitle-track question and handing the write to its
worker).  Run it on two checkouts to compare:

    .venv/bin/python benchmarks/first_open.py [--repeat 5] [--source DIR]

Captioner runs from a compiled copy of ``--source`` (as installed, ``rig.installed``).
A benchmark, not a test: figures vary with the machine's load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from rig import ROOT, installed

ACTIONS = {
    "Help ▸ About": "app.window.show_about()",
    "Help ▸ Keyboard shortcuts": "app.window.show_shortcuts()",
    "Settings ▸ Captions…": "app.dialogs.edit_captions()",
    "Settings ▸ AssemblyAI…": "app.dialogs.edit_assemblyai()",
    "Settings ▸ Translation…": "app.dialogs.edit_translation()",
    "View ▸ Sessions": "app.session_actions.show_sessions()",
    "File ▸ Export (GUI thread)": "export()",
}

SCRIPT = """
import json, sys, time
from PySide6.QtCore import QDeadlineTimer, QSettings
from PySide6.QtWidgets import QApplication

qt = QApplication([])
from captioner.app import CaptionerApp
from captioner.cli import parse_args
from captioner.core.transcript import TurnUpdate, Word

home = sys.argv[1]
settings = QSettings(home + "/settings.ini", QSettings.Format.IniFormat)
argv = ["--engine", "offline", "--data-dir", home + "/sessions"]
app = CaptionerApp(parse_args(argv), settings, list_devices=list, use_tray=False)
app.window.show()
deadline = QDeadlineTimer(1500)  # the window painted, the first timers run
while not deadline.hasExpired():
    qt.processEvents()
words = (Word("hello", 0, 300), Word("there", 400, 700))
app.controller.transcript.apply(TurnUpdate("k1", 1, "hello there", words=words, end_of_turn=True))


def export():
    from captioner.ui.export_place import confirm_tracks

    actions = app.session_actions
    path = actions.export_place.suggest(home + "/out")
    turns = list(app.controller.transcript.finished)
    confirm_tracks(app.window, path, turns, "bilingual")
    actions.sessions.exports.write(path, turns, None, lambda _o: None, owner=actions)


before = set(sys.modules)
began = time.perf_counter()
ACTION
took = time.perf_counter() - began
new = sorted(m for m in set(sys.modules) - before if m.startswith("captioner"))
print(json.dumps({"ms": took * 1000, "imported": new}))
"""


def once(site: Path, action: str, home: Path) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(site)}
    env |= {f"XDG_{d}_HOME": str(home / d.lower()) for d in ("CONFIG", "DATA", "CACHE")}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT.replace("ACTION", action), str(home)],
        cwd=site,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="fresh launches per action")
    parser.add_argument("--source", type=Path, default=ROOT, help="the Captioner checkout to run")
    args = parser.parse_args(argv)
    print(f"Captioner from {args.source.resolve()}; load average {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="first-open-") as tmp:
        site = installed(args.source.resolve(), Path(tmp))
        print(f"{'first open of':30} {'median ms':>9}  {'range':>13}  modules imported")
        for name, action in ACTIONS.items():
            runs = []
            for n in range(args.repeat):
                home = Path(tmp) / f"{list(ACTIONS).index(name)}-{n}"
                home.mkdir()
                runs.append(once(site, action, home))
            times = sorted(r["ms"] for r in runs)
            span = f"{times[0]:.1f}–{times[-1]:.1f}"
            imported = len(runs[0]["imported"])
            print(f"{name:30} {statistics.median(times):9.1f}  {span:>13}  {imported}")
    print(f"load average {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
