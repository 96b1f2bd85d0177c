"""Helper process: a cloud session journaled as the app does, with the model the service ran.

Usage: python -m tests.core.service_journal_writer DATA_DIR SESSION_ID

The session asked for one model; the service began with another (what
``Begin.configuration`` says, which the app hands to
:meth:`~captioner.core.journal_writer.JournalWriter.service`) after a turn
finished, as a reconnect landing on another model would.  Prints ``ready``
once it is all fsynced, then holds the session lock until the parent
SIGKILLs it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from captioner.core.journal_writer import JournalWriter
from captioner.core.session import SessionInfo
from captioner.core.transcript import Transcript, TurnUpdate, Word


def main() -> None:
    data_dir, session_id = Path(sys.argv[1]), sys.argv[2]
    info = SessionInfo(
        engine="assemblyai",
        source="crash test",
        id=session_id,
        settings={"speech_model": "universal-3-5-pro"},
    )
    writer = JournalWriter(info, data_dir)
    writer.start()
    transcript = Transcript()
    transcript.subscribe(writer.record)
    words = (Word("Hello.", 0, 400, 0.9),)
    transcript.apply(TurnUpdate("aai-1:0", 0, "Hello.", words, True, True))
    if not writer.wait_durable(timeout=10):  # the header is written: it names no model
        raise SystemExit(f"not durable: {writer.problems}")
    writer.service("universal-streaming-english", "balanced")
    if not writer.wait_durable(timeout=10):
        raise SystemExit(f"not durable: {writer.problems}")
    print("ready", flush=True)
    while True:
        time.sleep(60)  # the parent kills this process


if __name__ == "__main__":
    main()
