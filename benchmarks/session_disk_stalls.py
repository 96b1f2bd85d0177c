"""How long Stop and Delete hold the GUI thread when the disk stalls (issue 12 follow-up).

The journal's end record and a session's deletion are made to take 3 s (a
network folder that stops answering, a disk spinning up).  Before this work
Stop waited for the writer on the GUI thread (bounded at 2 s) and Delete
deleted there (the whole stall); now both hand the work to a thread and
return.  Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/session_disk_stalls.py``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication

from captioner.core.journal import TranscriptJournal
from captioner.core.session import SessionInfo
from captioner.core.sessions import SessionStore
from captioner.core.transcript import Transcript, TurnUpdate, Word
from captioner.ui.session_manager import SessionManager

STALL_S = 3.0


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


if __name__ == "__main__":
    main()
