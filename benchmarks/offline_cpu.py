"""CPU cost of the offline engine's decodes against plain PocketSphinx, per audio second.

Usage::

    python benchmarks/offline_cpu.py

``offline_engine.py`` times the real engine by the wall clock, which a busy
machine inflates (several jobs on two cores doubled it).  This measures the
same decodes by CPU time (``time.process_time``), in one process, which load
changes far less: per group of the same material, the live pass (our live
settings, fed in the engine's pieces), the final re-decode (batch CMN, or
PocketSphinx's defaults for a noisy utterance, after the steady-noise
filter or music mask where it applies: ``noisy.final_route``), each over
the utterances the segmenter cuts, and the plain whole-file decode with a
fresh default decoder (the baseline).  In the app the live pass and the
final decode run in two processes, so on two idle cores the wall time is
nearer the larger of the two than their sum.  Left context and partial
hypotheses are left out (small).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from captioner.engines.offline.final_process import decode_with_context  # noqa: E402
from captioner.engines.offline.live_process import MAX_FEED_BYTES  # noqa: E402
from captioner.engines.offline.model import (  # noqa: E402
    DEFAULT_DECODER_PARAMS,
    DEFAULT_FINAL_PARAMS,
    NOISY_FINAL_PARAMS,
    new_decoder,
    restart_stream,
    warm_up,
)
from captioner.engines.offline.noisy import final_route  # noqa: E402
from captioner.engines.offline.utterances import UtteranceEnded, UtteranceSegmenter  # noqa: E402
from tests import speech  # noqa: E402


def utterances(pcm: bytes) -> list[UtteranceEnded]:
    segmenter = UtteranceSegmenter()
    events = [e for at in range(0, len(pcm), 1600) for e in segmenter.feed(pcm[at : at + 1600])]
    events += list(segmenter.finish())
    return [e for e in events if isinstance(e, UtteranceEnded)]


def material() -> list[tuple[str, speech.Clip]]:
    librivox, others = speech.clips("librivox"), speech.clips("pocketsphinx")
    rows = [("clean", clip) for clip in librivox + others]
    rows += [("clean", speech.split_at_pauses(clip)[0]) for clip in librivox + others]
    rows += [("noise 15 dB", speech.mixed(clip, "noise", 15.0)) for clip in librivox]
    rows += [("music 10 dB", speech.mixed(clip, "music", 10.0)) for clip in librivox]
    rows.append(("continuous", speech.continuous(300)))
    return rows


def main() -> int:
    live = new_decoder(DEFAULT_DECODER_PARAMS)
    warm_up(live)
    final = new_decoder({**DEFAULT_DECODER_PARAMS, **DEFAULT_FINAL_PARAMS})
    noisy = new_decoder(NOISY_FINAL_PARAMS)
    totals: dict[str, list[float]] = {}
    for group, clip in material():
        ends = utterances(clip.pcm)
        t0 = time.process_time()
        for end in ends:
            live.start_utt()
            for at in range(0, len(end.audio), MAX_FEED_BYTES):
                live.process_raw(end.audio[at : at + MAX_FEED_BYTES], False, False)
            live.end_utt()
        t1 = time.process_time()
        for end in ends:
            route = final_route(end.audio)
            if route is None:
                decode_with_context(final, b"", end.audio, restart_stream)
            else:
                decode_with_context(
                    noisy if route.plain else final, b"", route.audio, restart_stream
                )
        t2 = time.process_time()
        plain = new_decoder({"loglevel": "FATAL"})
        t3 = time.process_time()
        plain.start_utt()
        plain.process_raw(clip.pcm, False, True)
        plain.end_utt()
        t4 = time.process_time()
        row = totals.setdefault(group, [0.0, 0.0, 0.0, 0.0])
        for i, value in enumerate((clip.seconds, t1 - t0, t2 - t1, t4 - t3)):
            row[i] += value
    print("CPU seconds per audio second")
    print(f"{'group':<12} {'seconds':>8} {'live':>6} {'final':>6} {'ours':>6} {'base':>6}")
    for group, (seconds, live_s, final_s, base_s) in totals.items():
        print(
            f"{group:<12} {seconds:>8.1f} {live_s / seconds:>6.3f} {final_s / seconds:>6.3f} "
            f"{(live_s + final_s) / seconds:>6.3f} {base_s / seconds:>6.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
