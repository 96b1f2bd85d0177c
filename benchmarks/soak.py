"""Long-session soak (issue 14): does a cloud session stay flat as its transcript grows?

Captioner runs on a private X display, captions a speech file read in real time
(``--input-file``, the same audio path as a device after capture) through the
cloud engine against the fake v3 server of ``tests/fakes``, and this script reads
the process family's resident memory and CPU seconds once a minute.

The server is made fast so the transcript grows quickly: two-word sentences at
100 ms a word with a gap between them; by default one finished turn every
0.3 s of audio (``--turns-per-minute 200``), so 2,000 turns are in view after
ten minutes and ~6,000 after thirty.  That is busier than any meeting: what
grows with the transcript shows sooner (``--turns-per-minute 70`` gives the
2,000 turns of the issue's 30 minutes).  The target (issue 14): RSS and CPU per
minute at the last minute within 5 % of minute 2.  Captioner runs from a
compiled copy of the checkout (``rig.installed``), as installed.

With ``--engine offline`` the same speech (the LibriVox clips end to end,
repeated) is captioned by the offline engine instead, the first engine a new
user without a key meets: PocketSphinx decodes real speech the whole time, so
what its decoders keep between utterances shows.  The turns counted are the
finished lines its journal holds.

    .venv/bin/python benchmarks/soak.py [--minutes 30] [--turns-per-minute 200] [--source DIR]
    .venv/bin/python benchmarks/soak.py --engine offline [--minutes 30]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from pagemap import family_distinct_mb
from rig import (
    KEY,
    ROOT,
    Display,
    cpu_seconds,
    family_rss_mb,
    installed,
    interruptible,
    launch_captioning,
    launch_cloud_captioning,
    speech_wav,
    wait_for,
)

from tests.fakes.v3_server import FakeV3Server, ScriptTurn, TurnScript

WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima".split()


class CountingServer(FakeV3Server):
    """The fake v3 server, counting the turns it finished and the sessions it began."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.finished = 0

    async def _finish_turn(self, session, next_turn_start_ms: float) -> None:  # type: ignore[no-untyped-def]
        before = session.turn_index
        await super()._finish_turn(session, next_turn_start_ms)
        self.finished += session.turn_index - before


def script(turns: int) -> TurnScript:
    pairs = itertools.cycle(itertools.product(WORDS, WORDS))
    made = []
    for _ in range(turns):
        first, second = next(pairs)
        made.append(ScriptTurn(words=[first, second], formatted=f"{first.title()} {second}."))
    return TurnScript(made)


def journal_turns(sessions: Path) -> int:
    """Finished lines written so far (a revised turn is counted again: offline never revises)."""
    count = 0
    for path in sessions.glob("**/*.jsonl"):
        with contextlib.suppress(OSError), path.open("rb") as journal:
            count += sum(1 for line in journal if line.startswith(b'{"type":"turn"'))
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="length of the session")
    parser.add_argument("--source", type=Path, default=ROOT, help="the Captioner checkout to run")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--turns-per-minute", type=float, default=200.0, help="at most 240")
    parser.add_argument("--engine", choices=("assemblyai", "offline"), default="assemblyai")
    args = parser.parse_args(argv)
    interruptible()
    source = args.source.resolve()
    seconds = args.minutes * 60
    tmp = Path(tempfile.mkdtemp(prefix="captioner-soak-"))
    period = 60.0 / min(args.turns_per_minute, 240.0)  # two 100 ms words and a gap ≥ 50 ms
    print(
        f"Captioner from {source}; {args.engine}; {args.minutes:g} min; "
        + (f"a turn every {period:.2f} s; " if args.engine == "assemblyai" else "")
        + f"load {os.getloadavg()}",
        flush=True,
    )
    display = Display()
    process: subprocess.Popen[bytes] | None = None
    rows: list[tuple[int, float, float, int]] = []
    try:
        wav = tmp / "speech.wav"
        speech_wav(wav, seconds + 30)
        server = None  # the offline engine needs none
        if args.engine == "assemblyai":
            server = CountingServer(
                KEY,
                script(int(seconds / period) + 200),
                ms_per_word=100.0,
                gap_ms=period * 1000 - 200,
            )
        site = installed(source, tmp)
        with server or contextlib.nullcontext():
            if server is None:
                process = launch_captioning(
                    site, tmp, display, wav, ["--engine", "offline"], tmp / "home"
                )
            else:
                process = launch_cloud_captioning(
                    site, tmp, display, server.url, wav, home=tmp / "home"
                )

            def finished() -> int:
                return journal_turns(tmp / "sessions") if server is None else server.finished

            if not wait_for(lambda: finished() > 0 or process.poll() is not None, 120):
                print("no turn within 120 s")
            if process.poll() is not None:
                print(f"Captioner exited ({process.returncode}); see {tmp / 'captioner.log'}")
                args.keep = True
                return 1
            began = time.monotonic()
            last_cpu = cpu_seconds(process.pid)
            print("minute  RSS MB  pages once MB  CPU s/min  turns finished")
            for minute in range(1, int(args.minutes) + 1):
                time.sleep(max(0.0, began + minute * 60 - time.monotonic()))
                if process.poll() is not None:
                    print(f"Captioner exited early ({process.returncode})")
                    args.keep = True
                    break
                cpu = cpu_seconds(process.pid)
                row = (minute, family_rss_mb(process.pid), cpu - last_cpu, finished())
                once = family_distinct_mb(process.pid)  # shared pages once (root only)
                last_cpu = cpu
                rows.append(row)
                shown = f"{once:13.1f}" if once else f"{'—':>13}"
                print(
                    f"{row[0]:6d}  {row[1]:6.1f}  {shown}  {row[2]:9.2f}  {row[3]:14d}", flush=True
                )
    finally:
        if process is not None and process.poll() is None:
            process.send_signal(2)  # SIGINT: the app's own quit
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(30)
            if process.poll() is None:
                process.kill()
                process.wait()
        display.close()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if len(rows) >= 3:
        two, end = rows[1], rows[-1]
        print(
            f"minute 2 → minute {end[0]}: RSS {two[1]:.1f} → {end[1]:.1f} MB "
            f"({(end[1] / two[1] - 1) * 100:+.1f} %), CPU {two[2]:.2f} → {end[2]:.2f} s/min "
            f"({(end[2] / two[2] - 1) * 100:+.1f} %), {end[3]} turns in view (target: ±5 %); "
            f"load {os.getloadavg()}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
