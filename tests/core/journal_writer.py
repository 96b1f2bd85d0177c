"""Helper process for the crash tests: journal N turns, say so, then wait to be killed.

Usage: python -m tests.core.journal_writer DATA_DIR SESSION_ID N

Prints ``turn I`` after turn I is durable (``append_turn`` returned) and
``ready`` after the last one, then sleeps holding the session lock until the
parent SIGKILLs it — the way a power cut or the OOM killer ends a session.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from captioner.core.journal import TranscriptJournal
from captioner.core.session import SessionInfo
from captioner.core.transcript import Turn, Word


def main() -> None:
    data_dir, session_id, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    info = SessionInfo(engine="offline", source="crash test", id=session_id)
    journal = TranscriptJournal.create(info, data_dir)
    for i in range(count):
        words = tuple(
            Word(f"word{i}_{j}", i * 1000 + j * 100, i * 1000 + j * 100 + 90) for j in range(5)
        )
        text = " ".join(w.text for w in words)
        journal.append_turn(Turn(key=f"k{i}", order=i, text=text, words=words, finished=True))
        print(f"turn {i}", flush=True)
    print("ready", flush=True)
    while True:
        time.sleep(60)


if __name__ == "__main__":
    main()
