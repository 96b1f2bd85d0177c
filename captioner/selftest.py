"""``captioner --self-test``: prove an installed (or frozen) build works end to end.

Starts the real app offscreen, loads the offline model, captions a bundled
clip through the real pipeline (WAV source → conversion → offline engine →
controller → overlay) and prints what the overlay showed.  Exit 0 only when
finished caption text reached the overlay.  Needs no display, network or
audio device, so CI can run it on the packaged app.
"""

from __future__ import annotations

import os
import sys
import tempfile
from importlib import resources
from pathlib import Path

SELF_TEST_TIMEOUT_MS = 60_000


def run_self_test() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from captioner.app import CaptionerApp
    from captioner.cli import parse_args

    with (
        tempfile.TemporaryDirectory(prefix="captioner-selftest-") as tmp,
        resources.as_file(resources.files("captioner.resources").joinpath("selftest.wav")) as clip,
    ):
        app = QApplication.instance() or QApplication(sys.argv[:1])
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        args = parse_args(["--engine", "offline", "--input-file", str(clip)])
        captioner = CaptionerApp(args, settings, list_devices=list)
        partials: list[str] = []
        captioner.controller.partialChanged.connect(
            lambda _turn: partials.append(captioner.overlay.partial_text())
        )
        captioner.controller.runningChanged.connect(lambda running: running or app.quit())
        QTimer.singleShot(SELF_TEST_TIMEOUT_MS, app.quit)
        QTimer.singleShot(0, captioner.start_captioning)
        app.exec()
        finished = captioner.overlay.history_texts()
        status = captioner.window.status_text()
        captioner.controller.stop()  # nothing when the run has ended
        captioner.controller.join(10)  # its worker's last lines: before the interpreter ends
        captioner.overlay.close()
        captioner.window.allow_close()
        captioner.window.close()
    print(f"self-test: engine=offline clip={clip.name} status={status!r}")
    print(f"self-test: {len(partials)} partial updates, last: {partials[-1] if partials else ''!r}")
    for line in finished:
        print(f"self-test: overlay line: {line!r}")
    ok = bool(finished) and bool(partials)
    print("self-test: PASS" if ok else "self-test: FAIL (no captions reached the overlay)")
    return 0 if ok else 1
