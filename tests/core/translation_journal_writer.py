"""Helper process: a transcript journaled as the GUI journals it, with translations and revisions.

Usage: python -m tests.core.translation_journal_writer DATA_DIR SESSION_ID

Three turns finish; two get translations (out of order), one a speaker
revision; every change goes through ``Transcript.subscribe`` →
:class:`~captioner.core.journal_writer.JournalWriter.record`, as the app's
session manager wires it.  Prints ``ready`` once all of it is fsynced, then
holds the session lock until the parent SIGKILLs it.
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
    info = SessionInfo(engine="assemblyai", source="crash test", id=session_id)
    writer = JournalWriter(info, data_dir)
    writer.start()
    transcript = Transcript()
    transcript.subscribe(writer.record)
    for i, text in enumerate(["Good morning.", "Thanks for coming.", "Let us begin."]):
        words = tuple(
            Word(w, i * 2000 + j * 300, i * 2000 + j * 300 + 250, 0.9, speaker="A")
            for j, w in enumerate(text.split())
        )
        transcript.apply(TurnUpdate(f"aai-1:{i}", i, text, words, True, True, speaker="A"))
    transcript.apply_translation("aai-1:2", "fr", "Commençons.")
    transcript.apply_translation("aai-1:0", "fr", "Bonjour.")
    transcript.apply_speaker_revision("aai-1:1", "B", ("B", "B", "B"))
    if not writer.wait_durable(timeout=10):
        raise SystemExit(f"not durable: {writer.problems}")
    print("ready", flush=True)
    while True:
        time.sleep(60)  # the parent kills this process


if __name__ == "__main__":
    main()
