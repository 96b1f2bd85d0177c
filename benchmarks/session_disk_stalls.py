"""How long Stop, Delete and Export hold the GUI thread when the disk stalls (issue 11/12).

The journal's end record, a session's deletion and an export's fsync are
made to take 3 s (a network folder that stops answering, a disk spinning
up).  Before this work Stop waited for the writer on the GUI thread
(bounded at 2 s), Delete deleted there (the whole stall), and File ▸ Export
rendered, wrote and fsynced there (the whole stall); now each hands the
work to a thread and returns.

Export goes through the real slot (``SessionActions.export_current``, an
SRT of ``EXPORT_TURNS`` lines) while a probe timer ticks every 10 ms on the
GUI thread: the longest gap between ticks is how long the window (and the
captions) froze.  The scenario waits on the status line, not on a new
signal, so this script also measures older code (``PYTHONPATH`` pointed at
an unpacked older ``captioner/``).
Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/session_disk_stalls.py``.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from captioner.core.journal import TranscriptJournal
from captioner.core.session import SessionInfo
from captioner.core.sessions import SessionStore
from captioner.core.transcript import Transcript, TurnUpdate, Word
from captioner.ui.session_manager import SessionManager

STALL_S = 3.0
EXPORT_TURNS = 500  # about an hour's meeting
PROBE_MS = 10
IDLE_MS = 1000  # probed before the export starts, for comparison


def stalled(real: Any) -> Any:
    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(STALL_S)
        return real(*args, **kwargs)

    return slow


def main() -> None:
    app = QApplication.instance() or QApplication([])
    folder = Path(tempfile.mkdtemp(prefix="captioner-stalls-"))
    manager = SessionManager(folder)
    transcript = Transcript()
    manager.begin(transcript, engine="offline", source="Mic", settings={})
    transcript.apply(TurnUpdate("s:0", 0, "hello", (Word("hello", 0, 90),), True))
    manager.wait_durable(2)
    other = SessionInfo(engine="offline", source="Mic")
    TranscriptJournal.create(other, folder).end()

    real_end, real_delete = TranscriptJournal.end, SessionStore.delete
    TranscriptJournal.end = stalled(real_end)  # type: ignore[method-assign]
    SessionStore.delete = stalled(real_delete)  # type: ignore[method-assign]
    began = time.perf_counter()
    manager.finish()
    stop_ms = (time.perf_counter() - began) * 1000
    began = time.perf_counter()
    manager.discard(other.id)
    delete_ms = (time.perf_counter() - began) * 1000
    print(
        f"GUI thread held by Stop: {stop_ms:.0f} ms; by Delete: {delete_ms:.0f} ms "
        f"(the disk stalls {STALL_S * 1000:.0f} ms)"
    )
    manager.library.index.join(STALL_S + 5)
    app.processEvents()
    export_scenario(folder)


def export_scenario(folder: Path) -> None:
    """File ▸ Export while the export's fsync stalls; the GUI thread's longest gap."""
    from captioner.ui.controller import CaptionController
    from captioner.ui.main_window import MainWindow
    from captioner.ui.resources import app_icon
    from captioner.ui.session_actions import SessionActions

    manager = SessionManager(folder / "export-sessions")
    controller = CaptionController()
    window = MainWindow(app_icon())
    actions = SessionActions(window, controller, manager)
    for n in range(EXPORT_TURNS):
        words = tuple(
            Word(w, n * 3000 + i * 300, n * 3000 + i * 300 + 250)
            for i, w in enumerate(f"line {n} of the weekly meeting notes".split())
        )
        text = " ".join(word.text for word in words)
        controller.transcript.apply(TurnUpdate(f"k{n}", n, text, words, True, True))
    out = folder / "export.srt"
    actions.ask_save_path = lambda _parent, _suggested: str(out)  # type: ignore[assignment]
    real_fsync = os.fsync

    def stalled_fsync(fd: int) -> None:
        try:
            name = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            name = ""
        if out.name in name:  # the export's temp file; journals are not slowed
            time.sleep(STALL_S)
        real_fsync(fd)

    os.fsync = stalled_fsync  # type: ignore[assignment]
    loop = QEventLoop()
    gaps: list[float] = []
    slot_ms: list[float] = []
    last = [time.perf_counter()]

    idle: list[float] = []  # the same probe before the export: what this machine's load costs

    def tick() -> None:
        now = time.perf_counter()
        (gaps if slot_ms else idle).append((now - last[0]) * 1000)
        last[0] = now
        if slot_ms and not window.status_text().startswith("Exporting"):
            loop.quit()  # saved (or failed): the export is over

    def export() -> None:
        began = time.perf_counter()
        actions.export_current()
        slot_ms.append((time.perf_counter() - began) * 1000)

    probe = QTimer(interval=PROBE_MS)
    probe.timeout.connect(tick)
    probe.start()
    QTimer.singleShot(IDLE_MS, export)
    QTimer.singleShot(int((STALL_S + 20) * 1000), loop.quit)
    began = time.perf_counter()
    loop.exec()
    total_ms = (time.perf_counter() - began) * 1000
    probe.stop()
    os.fsync = real_fsync  # type: ignore[assignment]
    print(
        f"Export ({EXPORT_TURNS} lines, SRT): the slot held the GUI thread {slot_ms[0]:.0f} ms; "
        f"longest GUI gap {max(gaps):.0f} ms (probe every {PROBE_MS} ms; "
        f"{max(idle):.0f} ms in the {IDLE_MS} ms before it); "
        f"done after {total_ms:.0f} ms: {window.status_text()!r} "
        f"({out.stat().st_size if out.exists() else 0} bytes)"
    )


if __name__ == "__main__":
    main()
