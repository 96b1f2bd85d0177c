"""How soon offline captions appear while someone speaks, in real time (issue 10).

Usage::

    python benchmarks/offline_latency.py [--gap-s 0.6] [--rounds 1]

Every clip of ``tests/data`` (the LibriVox reader and the other speakers), one
after the other with a pause of ``--gap-s`` between them, is played to the
real :class:`OfflineEngine` at the speed of speech (``realtime=True``, as from
a microphone), in 50 ms chunks.  For each line the table gives the delay from
the moment its first word was spoken (its start on the session clock) to the
first partial caption that showed it, and from the moment its last word ended
to its final.  The first partial waits for the endpointer's decision window
and the live decoder; the final for the end-of-speech decision and the decode
of the whole line again.  While a final decode ran on the engine's own thread
it held up the next line's first partial; see
:mod:`captioner.engines.offline.in_order`.

A benchmark, not a test: it prints figures and exits 0 unless the engine fails.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from captioner.core.transcript import TurnUpdate
from captioner.engines.base import EngineError, EngineState
from captioner.engines.offline import OfflineEngine, OfflineModel
from tests import speech

CHUNK = 1600  # 50 ms of 16 kHz mono s16le
BYTES_PER_S = 32_000


class PacedSource:
    """PCM handed out in 50 ms chunks no faster than it would be spoken."""

    name = "paced"

    def __init__(self, pcm: bytes) -> None:
        self._pcm = pcm
        self._pos = 0
        self.t0 = 0.0

    def open(self) -> None:
        self.t0 = time.monotonic()

    def read(self, timeout: float) -> bytes | None:
        if self._pos >= len(self._pcm):
            return b""
        delay = self.t0 + (self._pos + CHUNK) / BYTES_PER_S - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        chunk = self._pcm[self._pos : self._pos + CHUNK]
        self._pos += len(chunk)
        return chunk

    def close(self) -> None:
        pass


class Timings:
    """When each turn's first partial and its final arrived (seconds since the audio began)."""

    def __init__(self, source: PacedSource) -> None:
        self._source = source
        self.first_partial: dict[int, float] = {}  # order → delay after its first word began
        self.final: dict[int, float] = {}  # order → delay after its last word ended
        self.words: dict[int, int] = {}
        self.errors: list[EngineError] = []
        self.done = threading.Event()

    def _now(self) -> float:
        return time.monotonic() - self._source.t0

    def on_partial(self, update: TurnUpdate) -> None:
        if update.words and update.order not in self.first_partial:
            self.first_partial[update.order] = self._now() - update.words[0].start_ms / 1000

    def on_final(self, update: TurnUpdate) -> None:
        if update.words:
            self.final[update.order] = self._now() - update.words[-1].end_ms / 1000
            self.words[update.order] = len(update.words)

    def on_state(self, state: EngineState, detail: str) -> None:
        if state is EngineState.STOPPED:
            self.done.set()

    def on_error(self, error: EngineError) -> None:
        self.errors.append(error)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gap-s", type=float, default=0.6, help="pause between lines")
    parser.add_argument("--rounds", type=int, default=1, help="play every clip this many times")
    args = parser.parse_args(argv)

    gap = bytes(int(args.gap_s * BYTES_PER_S) // 2 * 2)
    pcm = b""
    clips = [clip for _ in range(args.rounds) for clip in speech.clips()]
    for clip in clips:
        pcm += clip.pcm + gap
    model = OfflineModel()
    model.load()
    model.run_started()
    source = PacedSource(pcm)
    timings = Timings(source)
    engine = OfflineEngine(timings, realtime=True, model=model)
    model.load()
    engine.start(source)  # type: ignore[arg-type]
    if not timings.done.wait(len(pcm) / BYTES_PER_S + 120):
        print("the engine did not finish", file=sys.stderr)
        return 1
    engine.join(5)
    model.run_ended()
    model.close()
    for error in timings.errors:
        print(f"error: {error.kind.value}: {error.message}")

    print(f"{'line':>4} {'words':>6} {'1st partial':>12} {'final':>7}")
    for order in sorted(timings.final):
        heard = timings.first_partial.get(order, float("nan"))
        print(f"{order:>4} {timings.words[order]:>6} {heard:>11.2f}s {timings.final[order]:>6.2f}s")
    for label, values in (
        ("first partial after the line's first word began", list(timings.first_partial.values())),
        ("final after the line's last word ended", list(timings.final.values())),
    ):
        if values:
            print(
                f"{label}: median {statistics.median(values):.2f} s, "
                f"p90 {statistics.quantiles(values, n=10)[-1]:.2f} s, "
                f"max {max(values):.2f} s over {len(values)} lines"
            )
    print(f"{len(timings.final)} lines from {len(clips)} clips, {len(pcm) / BYTES_PER_S:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
