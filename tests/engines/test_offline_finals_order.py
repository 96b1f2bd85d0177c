"""A line's final is decoded while the next line is already being captioned.

The final of a finished utterance comes from decoding it again, whole, in the
final-decode process: about a second for a long line.  A reader must not see
the captions freeze meanwhile: the next line's partials go on, and the finals
still come in the order the lines were spoken, all before the run ends.
"""

from __future__ import annotations

import threading
import time

import pytest

from captioner.core.transcript import ChangeKind, Transcript
from captioner.engines.base import EngineState
from captioner.engines.offline import OfflineEngine, OfflineModel
from captioner.engines.offline.in_order import InOrder
from tests.engines.test_offline import (
    CLIPS,
    JOIN_TIMEOUT,
    ChunkSource,
    Recorder,
    read_pcm,
    silence,
)

# How long the first final's decode waits for the next line's first partial:
# far longer than the live pass needs to reach it, short enough for a failure
# to show in reasonable time.
GATE_S = 20.0


def test_the_next_line_is_captioned_while_the_last_one_is_decoded_again(
    model: OfflineModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = Recorder()
    next_line_heard = threading.Event()
    original_on_partial = recorder.on_partial

    def on_partial(update):  # type: ignore[no-untyped-def]
        original_on_partial(update)
        if update.order >= 1:
            next_line_heard.set()

    recorder.on_partial = on_partial  # type: ignore[method-assign]
    waited: list[bool] = []
    decode_final = model.decode_final

    def slow_final_decode(audio: bytes, context: bytes = b""):  # type: ignore[no-untyped-def]
        # The first line's final decode takes as long as the live pass needs to
        # reach the next line (a slow machine, a long line): real decoding,
        # only held back.
        if not waited:
            waited.append(next_line_heard.wait(GATE_S))
        return decode_final(audio, context)

    monkeypatch.setattr(model, "decode_final", slow_final_decode)
    model.load()
    engine = OfflineEngine(recorder, realtime=False, model=model)
    pcm = read_pcm(CLIPS[1]) + silence(2.0) + read_pcm(CLIPS[4])
    engine.start(ChunkSource(pcm))
    assert engine.join(JOIN_TIMEOUT + GATE_S), "the engine did not finish"

    kinds = [(kind, value) for kind, value in recorder.events if kind in ("partial", "final")]
    first_final = next(i for i, (kind, v) in enumerate(kinds) if kind == "final")
    next_partials = [i for i, (kind, v) in enumerate(kinds) if kind == "partial" and v.order == 1]
    assert waited == [True] and next_partials and next_partials[0] < first_final, (
        "the second line's partials waited for the first line's final "
        f"(events: {[(k, v.order) for k, v in kinds]})"
    )
    finals = [update for update in recorder.finals if update.text]
    assert [f.order for f in finals] == [0, 1], "finals out of the spoken order"
    stopped = recorder.events.index(("state", (EngineState.STOPPED, "")))
    last_final = max(i for i, (kind, _) in enumerate(recorder.events) if kind == "final")
    assert last_final < stopped, "a final came after the run ended"

    # What a reader sees: both lines finished, in order, nothing left in progress.
    transcript = Transcript()
    changes = [transcript.apply(update).kind for _, update in kinds]
    assert changes.count(ChangeKind.FINISHED) == 2
    assert [turn.order for turn in transcript.finished] == [0, 1]
    assert not transcript.partials


def test_jobs_run_in_order_and_a_failing_one_does_not_stop_the_rest() -> None:
    done: list[int] = []
    worker = InOrder("test-in-order")

    def job(n: int) -> None:
        time.sleep(0.01 * (3 - n % 3))  # later jobs are quicker: order is the queue's
        if n == 2:
            raise RuntimeError("a bug in one line")
        done.append(n)

    for n in range(6):
        worker.submit(lambda n=n: job(n))
    assert worker.close(10)
    assert done == [0, 1, 3, 4, 5]
    with pytest.raises(RuntimeError):
        worker.submit(lambda: None)


def test_close_without_jobs_starts_no_thread() -> None:
    before = threading.active_count()
    worker = InOrder("test-idle")
    assert worker.close(1)
    assert threading.active_count() == before
