"""`captioner transcribe` against a misbehaving v3 server: what survives, and the exit code.

Issue 12 items 3 and 4 were found this way: a server frame that is JSON but
not an object killed the SDK's read thread, and a server that stayed
connected but went quiet was never noticed; either way ``transcribe`` kept 2
of 12 turns and exited 0.  This runs the real CLI (a child process, the real
SDK) on a 7 s WAV against the fake v3 server of ``tests/fakes`` (served by
this process) in timeline mode: the WAV holds timeline-coded samples (each
50 ms chunk says where it lies), so every connection, a reconnect or a
backfill, is recognised at its true place in a 12-turn, 24-word script.  The
fault comes after the second turn.  Per fault it prints the script words the
transcript has (in time order, none twice), the lines printed (a turn cut by a
drop is two lines: what was said before it, kept, and the rest), the exit
code and the wall time.  Every fault but ``backfill-refused`` should keep all
24 words and exit 0; ``backfill-refused`` (the live session drops and every
connection that would redo the gap is refused) should exit 1 and say what
is missing.

    .venv/bin/python benchmarks/hostile_server.py [--fault NAME ...]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.v3_server import (  # noqa: E402
    CHUNK_MS,
    FakeV3Server,
    Faults,
    ScriptTurn,
    TurnScript,
    coded_chunk,
)

KEY = "benchmark-key-hostile"
SECONDS = 7.0
MS_PER_WORD, GAP_MS, TURNS = 200, 150, 12
AFTER_TWO_TURNS = 2 * (2 * MS_PER_WORD + GAP_MS) + 100  # ms of audio


def faults(name: str):
    ok = Faults()
    return {
        "none": [ok],
        "json-number": [
            Faults(malformed_after_ms=AFTER_TWO_TURNS, malformed_kinds=("json_number",)),
            ok,
        ],
        "json-null": [
            Faults(malformed_after_ms=AFTER_TWO_TURNS, malformed_kinds=("json_null",)),
            ok,
        ],
        "json-array": [
            Faults(malformed_after_ms=AFTER_TWO_TURNS, malformed_kinds=("json_array",)),
            ok,
        ],
        "json-string": [
            Faults(malformed_after_ms=AFTER_TWO_TURNS, malformed_kinds=("json_string",)),
            ok,
        ],
        "deep-nesting": [
            Faults(malformed_after_ms=AFTER_TWO_TURNS, malformed_kinds=("deep_nesting",)),
            ok,
        ],
        "silent-server": [Faults(mute_after_ms=AFTER_TWO_TURNS), ok],
        "drop": [Faults(drop_after_ms=AFTER_TWO_TURNS), ok],
        "backfill-refused": lambda i: (
            Faults(drop_after_ms=AFTER_TWO_TURNS)
            if i == 0
            else ok
            if i == 1
            else Faults(reject_status=503)
        ),
    }[name]


FAULTS = [
    "none",
    "json-number",
    "json-null",
    "json-array",
    "json-string",
    "deep-nesting",
    "silent-server",
    "drop",
    "backfill-refused",
]


def coded_wav(path: Path) -> None:
    """A 16 kHz mono s16 WAV of timeline-coded 50 ms chunks (see ``coded_chunk``)."""
    chunks = b"".join(coded_chunk(i) for i in range(round(SECONDS * 1000 / CHUNK_MS)))
    sf.write(path, np.frombuffer(chunks, dtype="<i2"), 16000, subtype="PCM_16")


def run(clip: Path, name: str) -> tuple[int, int, int, int, float, str]:
    words = [f"w{i}" for i in range(2 * TURNS)]
    script = TurnScript([ScriptTurn(words[i : i + 2]) for i in range(0, len(words), 2)])
    with FakeV3Server(
        KEY, script, faults(name), ms_per_word=MS_PER_WORD, gap_ms=GAP_MS, timeline=True
    ) as server:
        env = {**os.environ, "ASSEMBLYAI_API_KEY": KEY, "QT_QPA_PLATFORM": "offscreen"}
        began = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "captioner", "transcribe", str(clip), "--api-host", server.url],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=300,
        )
        elapsed = time.monotonic() - began
    # Sorted by their time stamps: a backfilled turn is printed when it is
    # done, after live turns that follow it (the export is in time order).
    printed = sorted(line for line in done.stdout.splitlines() if line.startswith("["))
    heard = re.findall(r"\bw\d+\b", " ".join(line.split("]", 1)[1] for line in printed).lower())
    in_order = [w for w in words if w in heard] == heard  # each once, in time order
    kept = len(heard) if in_order else -1  # -1: a word doubled or out of place
    said = " ".join(done.stderr.split())[-160:]
    return kept, len(words), len(printed), done.returncode, elapsed, said


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fault", action="append", choices=FAULTS)
    args = parser.parse_args()
    print(f"{'fault':18} {'words':>7} {'lines':>5} {'exit':>4} {'wall':>6}  stderr (tail)")
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "coded.wav"
        coded_wav(clip)
        for name in args.fault or FAULTS:
            kept, total, lines, code, elapsed, said = run(clip, name)
            print(f"{name:18} {kept:>3}/{total:<3} {lines:>5} {code:>4} {elapsed:>5.1f}s  {said}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
