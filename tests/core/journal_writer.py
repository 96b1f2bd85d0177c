"""Helper process for the crash tests: journal N turns, say so, then wait to be killed.

Usage: python -m tests.core.journal_writer DATA_DIR SESSION_ID N [direct|threaded]

Prints ``turn I`` after turn I is durable — ``append_turn`` returned
(``direct``, the default) or the app's writer thread reported it fsynced
(``threaded``: :class:`~captioner.core.journal_writer.JournalWriter`, as the
GUI writes) — and ``ready`` after the last one, then sleeps holding the
session lock until the parent SIGKILLs it — the way a power cut or the OOM
killer ends a session.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from captioner.core.journal import TranscriptJournal
from captioner.core.journal_writer import JournalWriter
from captioner.core.session import SessionInfo
from captioner.core.transcript import Turn, Word


def make_turn(i: int) -> Turn:
    words = tuple(
        Word(f"word{i}_{j}", i * 1000 + j * 100, i * 1000 + j * 100 + 90) for j in range(5)
    )
    return Turn(
        key=f"k{i}", order=i, text=" ".join(w.text for w in words), words=words, finished=True
    )


def main() -> None:
    data_dir, session_id, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    mode = sys.argv[4] if len(sys.argv) > 4 else "direct"
    info = SessionInfo(engine="offline", source="crash test", id=session_id)
    if mode == "threaded":
        writer = JournalWriter(info, data_dir)
        writer.start()
        for i in range(count):
            seq = writer.append_turn(make_turn(i))
            if not writer.wait_durable(seq, timeout=10):
                raise SystemExit(f"turn {i} not durable: {writer.problems}")
            print(f"turn {i}", flush=True)
    else:
        journal = TranscriptJournal.create(info, data_dir)
        for i in range(count):
            journal.append_turn(make_turn(i))
            print(f"turn {i}", flush=True)
    print("ready", flush=True)
    while True:
        time.sleep(60)  # the parent kills this process; nothing here is waited on by a test


if __name__ == "__main__":
    main()
