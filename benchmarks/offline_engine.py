"""Accuracy and speed of the offline (PocketSphinx) engine on real speech.

Usage::

    python benchmarks/offline_engine.py [--clips DIR] [--param NAME=VALUE ...]

Each ``*.wav`` in DIR (16 kHz mono 16-bit, with its reference transcript in
the ``.txt`` beside it) goes through the real :class:`OfflineEngine` code,
fed as fast as the engine consumes it (``realtime=False``), partials
included, exactly as the app would run it on a file.  Reported per clip:
word error rate (``jiwer``; lower-cased, punctuation stripped) and real-time
factor (processing time / audio duration; wall clock, plus the process's
CPU time as a second column because other work on a shared machine inflates
the wall clock).  Building the decoder is timed
once, separately, because the app preloads it at start-up.

``--param`` passes PocketSphinx decoder settings (``-beam``, ``-wbeam``,
``-maxhmmpf``, ``-fwdflat`` …) for tuning experiments; without it the
engine's defaults are measured.  Targets: RTF ≤ 0.35 and WER ≤ 30 %.
"""

from __future__ import annotations

import argparse
import re
import sys
import threading
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import jiwer  # noqa: E402

from captioner.core.transcript import TurnUpdate  # noqa: E402
from captioner.engines import offline  # noqa: E402
from captioner.engines.base import EngineError, EngineState  # noqa: E402
from captioner.engines.offline import OfflineEngine, OfflineModel  # noqa: E402

DEFAULT_CLIP_DIRS = (REPO / "tests" / "data", Path("/work/shared/audio/librivox"))
CHUNK_BYTES = 1600  # 50 ms of 16 kHz mono s16le
TARGET_RTF = 0.35
TARGET_WER = 0.30


class _WavChunks:
    """Minimal AudioSource over a WAV file, used when WavFileSource is absent."""

    def __init__(self, path: Path) -> None:
        self.name = path.stem
        self._path = path
        self._pcm = b""
        self._pos = 0

    def open(self) -> None:
        with wave.open(str(self._path), "rb") as wav:
            self._pcm = wav.readframes(wav.getnframes())
        self._pos = 0

    def read(self, timeout: float) -> bytes | None:
        chunk = self._pcm[self._pos : self._pos + CHUNK_BYTES]
        self._pos += len(chunk)
        return chunk

    def close(self) -> None:
        pass


def make_source(path: Path) -> object:
    """The project's WavFileSource when it exists, else the local fallback."""
    try:
        from captioner.audio.source import WavFileSource  # type: ignore[attr-defined]
    except ImportError:
        return _WavChunks(path)
    return WavFileSource(path, realtime=False)


@dataclass
class _Collector:
    finals: list[TurnUpdate] = field(default_factory=list)
    partials: int = 0
    errors: list[EngineError] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)

    def on_partial(self, update: TurnUpdate) -> None:
        self.partials += 1

    def on_final(self, update: TurnUpdate) -> None:
        self.finals.append(update)

    def on_state(self, state: EngineState, detail: str) -> None:
        if state is EngineState.STOPPED:
            self.done.set()

    def on_error(self, error: EngineError) -> None:
        self.errors.append(error)


def normalise(text: str) -> str:
    text = re.sub(r"[^\w\s']", " ", text.lower()).replace("'", "")
    return " ".join(text.split())


def find_clip_dir(explicit: Path | None) -> Path:
    candidates = (explicit,) if explicit else DEFAULT_CLIP_DIRS
    for directory in candidates:
        if directory is None:
            continue
        wavs = sorted(directory.rglob("*.wav"))
        if any(w.with_suffix(".txt").exists() for w in wavs):
            return directory
    raise SystemExit(f"No clips with transcripts found in {', '.join(map(str, candidates))}")


def parse_params(items: list[str]) -> dict[str, object]:
    params: dict[str, object] = {}
    for item in items:
        name, _, value = item.partition("=")
        name = name.lstrip("-")
        if value.lower() in ("yes", "no", "true", "false"):
            params[name] = value.lower() in ("yes", "true")
        else:
            try:
                params[name] = int(value)
            except ValueError:
                try:
                    params[name] = float(value)
                except ValueError:
                    params[name] = value
    return params


def run_clip(model: OfflineModel, path: Path) -> tuple[float, float, str, _Collector]:
    collector = _Collector()
    engine = OfflineEngine(collector, source_label="bench", realtime=False, model=model)
    started = time.perf_counter()
    cpu_started = time.process_time()
    engine.start(make_source(path))  # type: ignore[arg-type]
    if not collector.done.wait(300):
        raise SystemExit(f"{path.name}: the engine did not finish")
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    engine.join(5)
    text = " ".join(update.text for update in collector.finals if update.text)
    return elapsed, cpu, text, collector


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=Path, help="directory of *.wav + *.txt (searched deeply)")
    parser.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE", help="decoder setting"
    )
    parser.add_argument(
        "--no-redecode",
        action="store_true",
        help="finals from the live pass only (no full-utterance second decode)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print hypotheses")
    args = parser.parse_args(argv)
    if args.no_redecode:
        offline._Recogniser.redecode_finals = False

    clip_dir = find_clip_dir(args.clips)
    clips = [w for w in sorted(clip_dir.rglob("*.wav")) if w.with_suffix(".txt").exists()]
    model = OfflineModel(**parse_params(args.param))

    load_started = time.perf_counter()
    model.load()
    print(f"clips: {clip_dir}")
    print(f"decoder params: {model.params}, redecode finals: {not args.no_redecode}")
    print(f"model load: {time.perf_counter() - load_started:.2f} s (excluded from RTF)\n")

    header = f"{'clip':<44} {'seconds':>8} {'WER':>7} {'RTF':>6} {'CPU RTF':>8}"
    print(header)
    print("-" * len(header))
    references: list[str] = []
    hypotheses: list[str] = []
    total_audio = total_time = total_cpu = 0.0
    for path in clips:
        with wave.open(str(path), "rb") as wav:
            seconds = wav.getnframes() / wav.getframerate()
        elapsed, cpu, text, collector = run_clip(model, path)
        for error in collector.errors:
            print(f"  error: {error.kind.value}: {error.message}")
        reference = normalise(path.with_suffix(".txt").read_text(encoding="utf-8"))
        hypothesis = normalise(text)
        wer = jiwer.wer(reference, hypothesis) if hypothesis else 1.0
        references.append(reference)
        hypotheses.append(hypothesis)
        total_audio += seconds
        total_time += elapsed
        total_cpu += cpu
        print(
            f"{path.stem:<44} {seconds:>8.2f} {wer:>7.1%} {elapsed / seconds:>6.3f}"
            f" {cpu / seconds:>8.3f}"
        )
        if args.verbose:
            print(f"    ref: {reference}\n    hyp: {hypothesis}")

    overall_wer = jiwer.wer(references, hypotheses)
    overall_rtf = total_time / total_audio
    print("-" * len(header))
    print(
        f"{'total':<44} {total_audio:>8.2f} {overall_wer:>7.1%} {overall_rtf:>6.3f}"
        f" {total_cpu / total_audio:>8.3f}"
    )
    print(
        f"\ntargets: RTF ≤ {TARGET_RTF} ({'met' if overall_rtf <= TARGET_RTF else 'MISSED'}), "
        f"WER ≤ {TARGET_WER:.0%} ({'met' if overall_wer <= TARGET_WER else 'MISSED'})"
    )
    return 0 if overall_rtf <= TARGET_RTF and overall_wer <= TARGET_WER else 1


if __name__ == "__main__":
    sys.exit(main())
