"""How long the GUI thread waits on a slow keyring (issue 11 item 1, the keyring part).

A keyring call is a D-Bus round trip that can wait for an unlock prompt.  This
runs the real Settings ▸ AssemblyAI… dialog and engine picker against a
``keyring`` backend that takes ``--delay`` seconds per call, with a QTimer on the
GUI thread ticking every 10 ms: the longest gap between two ticks is how long
the window could not react.

    .venv/bin/python benchmarks/keyring_stalls.py [--delay 1.0] [--repeat 3]

Scenarios: opening the dialog (reads the key and asks whether the keyring
works), saving a key from it, and the app's engine picker deciding the default
engine at start-up.  A benchmark, not a test: it prints a table and exits 0.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keyring
import keyring.backend
from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication

KEY = "0123456789abcdef0123456789abcdef"


def slow_keyring(delay: float) -> keyring.backend.KeyringBackend:
    class Slow(keyring.backend.KeyringBackend):
        priority = 1  # type: ignore[assignment]
        store: ClassVar[dict[tuple[str, str], str]] = {}

        def get_password(self, service: str, username: str) -> str | None:
            time.sleep(delay)
            return self.store.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            time.sleep(delay)
            self.store[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            time.sleep(delay)

    return Slow()


class Probe:
    """A 10 ms timer on the GUI thread; ``longest()`` is the worst gap since ``reset()``."""

    def __init__(self) -> None:
        self._gaps: list[float] = []
        self._last = time.perf_counter()
        self._timer = QTimer()
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self._gaps.append(now - self._last)
        self._last = now

    def reset(self) -> None:
        self._gaps.clear()
        self._last = time.perf_counter()

    def longest(self) -> float:
        self._tick()
        return max(self._gaps)


def spin(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def measure(probe: Probe, action: Callable[[], object], settle: float) -> float:
    spin(0.2)
    probe.reset()
    action()
    spin(settle)
    return probe.longest() * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=1.0, help="seconds per keyring call")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    keyring.set_keyring(slow_keyring(args.delay))
    from captioner.app import CaptionerApp
    from captioner.cli import parse_args
    from captioner.core.settings import Settings
    from captioner.ui.assemblyai_settings import AssemblyAISettingsDialog

    probe = Probe()
    settle = 2 * args.delay + 0.5
    rows: dict[str, list[float]] = {"open dialog": [], "save key": [], "app start-up": []}
    for _ in range(args.repeat):
        folder = Path(tempfile.mkdtemp())
        prefs = Settings(QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat))
        dialogs: list[AssemblyAISettingsDialog] = []

        def open_dialog(prefs: Settings = prefs, dialogs: list = dialogs) -> None:
            dialogs.append(AssemblyAISettingsDialog(prefs, "ws://127.0.0.1:9"))
            dialogs[-1].show()

        rows["open dialog"].append(measure(probe, open_dialog, settle))
        dialog = dialogs[-1]

        def save(dialog: AssemblyAISettingsDialog = dialog) -> None:
            dialog.key_edit.setText(KEY)
            dialog.accept()

        rows["save key"].append(measure(probe, save, settle))
        dialog.close()
        settings = QSettings(str(folder / "app.ini"), QSettings.Format.IniFormat)
        apps: list[CaptionerApp] = []

        def start(settings: QSettings = settings, folder: Path = folder, apps: list = apps) -> None:
            argv = parse_args(["--data-dir", str(folder / "sessions")])
            apps.append(CaptionerApp(argv, settings, use_tray=False))
            apps[-1].window.show()

        rows["app start-up"].append(measure(probe, start, settle))
        apps[-1].window.allow_close()
        apps[-1].window.close()
        apps[-1].overlay.close()
    print(f"keyring answering in {args.delay:g} s; longest GUI-thread gap, ms ({args.repeat} runs)")
    print(f"{'scenario':<14} {'min':>7} {'max':>7}")
    for name, values in rows.items():
        print(f"{name:<14} {min(values):7.0f} {max(values):7.0f}")
    del app
    os._exit(0)  # worker threads of the app are daemons; no need to wait for them


if __name__ == "__main__":
    sys.exit(main())
