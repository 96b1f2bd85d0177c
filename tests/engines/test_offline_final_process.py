"""Final decodes in a child process (issue 11): the GUI never waits on them.

PocketSphinx holds the GIL for a whole native call, and a final re-decode
took about a second, which froze the GUI thread.  These tests check what a
user relies on: finals are decoded in *another process* (so no thread of the
app waits for the GIL), a crashed decoder process loses no words and says so
in the log, no process outlives a run or the app (even a killed app), the
live decoder is fed in pieces short enough to keep the GUI responsive, and
the same audio still gives the same words.  The stall itself is measured by
``benchmarks/gui_stalls.py``, not here: timings are not pass/fail material.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jiwer
import pytest

from captioner.engines.offline import OfflineEngine, OfflineModel
from captioner.engines.offline import engine as offline
from captioner.engines.offline.final_process import (
    MAX_FAILURES,
    FinalDecodeError,
    decode_with_context,
)
from captioner.engines.offline.model import new_decoder, restart_stream
from captioner.engines.offline.utterances import BYTES_PER_MS
from tests import speech
from tests.orphans import app_like, recogniser_children, wait_exit
from tests.recording import RecordingListener

WAIT_S = 120


@pytest.fixture(scope="module")
def clip() -> speech.Clip:
    """Two LibriVox sentences with a pause between: at least two finished lines."""
    first, second = speech.clips("librivox")[:2]
    pause = b"\x00\x00" * speech.RATE
    return speech.Clip(
        "two sentences", first.pcm + pause + second.pcm, f"{first.reference} {second.reference}"
    )


class HookedSource(speech.MemorySource):
    """A memory source that calls ``hook(index)`` before each read."""

    def __init__(self, pcm: bytes, hook: Any = None) -> None:
        super().__init__(pcm)
        self.hook = hook
        self.reads = 0

    def read(self, timeout: float) -> bytes | None:
        if self.hook is not None:
            self.hook(self.reads)
        self.reads += 1
        return super().read(timeout)


def transcribe(model: OfflineModel, source: speech.MemorySource) -> RecordingListener:
    listener = RecordingListener()
    engine = OfflineEngine(listener, realtime=False, model=model)
    engine.start(source)  # type: ignore[arg-type]
    listener.wait_stopped(WAIT_S)
    assert engine.join(WAIT_S)
    return listener


def gone(pid: int) -> bool:
    """True when no process ``pid`` runs any more."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    # Ended but not reaped yet (a final worker forked off a live recogniser is
    # reaped by that recogniser's parent-to-be, init, not by this process).
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


@pytest.fixture
def model() -> Iterator[OfflineModel]:
    fresh = OfflineModel()
    fresh.load()
    yield fresh
    fresh.close()


def test_finals_are_decoded_in_another_process_and_it_ends_with_the_run(
    model: OfflineModel, clip: speech.Clip
) -> None:
    seen: list[int | None] = []
    source = HookedSource(clip.pcm, lambda index: index == 0 and seen.append(model.finals.pid))
    listener = transcribe(model, source)

    texts = [final.text for final in listener.finals if final.text]
    assert len(texts) >= 2, listener.finals
    (child,) = seen
    assert child is not None and child != os.getpid()
    # The decoder process answered every final: the engine thread only waited.
    assert model.finals.answered_by == child
    assert not listener.errors
    # The run is over: the process was stopped and reaped, not left behind.
    assert model.finals.pid is None
    assert gone(child)
    # Only a recogniser pre-started for the next run remains (the run's own is gone).
    assert recogniser_children() == [model.spare_pid]


def test_a_crashed_decoder_process_loses_no_words_and_is_logged(
    model: OfflineModel, clip: speech.Clip, caplog: pytest.LogCaptureFixture
) -> None:
    normal = transcribe(model, HookedSource(clip.pcm))
    normal_texts = [final.text for final in normal.finals]
    assert len(normal_texts) >= 2 and all(normal_texts), normal_texts

    killed: list[int] = []

    def kill_decoder(index: int) -> None:
        pid = model.finals.pid
        if index == 0 and pid is not None:
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    with caplog.at_level(logging.ERROR, logger="captioner.engines.offline"):
        crashed = transcribe(model, HookedSource(clip.pcm, kill_decoder))

    assert killed, "the decoder process was not running when the run began"
    texts = [final.text for final in crashed.finals]
    # Every line that a normal run finishes is still finished, with words in it:
    # the first from the live pass, the others from a new decoder process.
    assert len(texts) == len(normal_texts)
    assert all(texts), texts
    assert texts[1:] == normal_texts[1:]
    first_wer = jiwer.wer(normal_texts[0], texts[0])
    assert first_wer < 0.5, f"live words {texts[0]!r} vs final {normal_texts[0]!r}"
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, errors
    assert "Final decode failed, keeping the live words" in errors[0]
    assert f"pid {killed[0]}" in errors[0] and "killed by signal 9" in errors[0]
    assert gone(killed[0])
    # Said once on screen too: the line is less accurate than the others, not lost.
    assert [n.message for n in crashed.notices] == [offline.FINAL_FAILED]


def test_a_decoder_process_given_up_on_gets_a_new_chance_with_the_next_run(
    model: OfflineModel, clip: speech.Clip
) -> None:
    # Killed MAX_FAILURES times in a row (an out-of-memory killer on a busy evening), the
    # process is given up for the run; the next Start used to find it given up for good,
    # every line of every later run keeping the live pass's rougher words.
    audio = clip.pcm[: 3000 * BYTES_PER_MS]
    killed: list[int] = []
    done = threading.Event()

    def killer() -> None:  # each new process, as it starts (its model takes ~1 s to load)
        while not done.is_set() and len(killed) < MAX_FAILURES:
            pid = model.finals.pid
            if pid is not None and pid not in killed:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            time.sleep(0.005)

    model.run_started()
    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    try:
        for _ in range(MAX_FAILURES):
            with pytest.raises(FinalDecodeError):
                model.decode_final(audio)
        assert model.finals.given_up
        with pytest.raises(FinalDecodeError, match="not restarted"):
            model.decode_final(audio)
    finally:
        done.set()
        thread.join(5)
        model.run_ended()
    model.run_started()  # Stop, then Start
    try:
        assert model.decode_final(audio)
        assert model.finals.answered_by not in (None, os.getpid(), *killed)
    finally:
        model.run_ended()


def test_decode_raises_a_clear_error_when_the_process_dies_and_recovers(
    model: OfflineModel, clip: speech.Clip
) -> None:
    audio = clip.pcm[: 3000 * BYTES_PER_MS]
    model.run_started()
    try:
        words = model.decode_final(audio)
        pid = model.finals.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(FinalDecodeError, match=r"pid \d+\) failed: .*killed by signal 9"):
            model.decode_final(audio)
        # The next final starts a new process and gets the same words.
        assert model.decode_final(audio) == words
        assert model.finals.pid not in (None, pid)
    finally:
        model.run_ended()
    assert model.finals.pid is None


def test_the_decoder_process_gives_what_pocketsphinx_gives_for_the_whole_utterance(
    model: OfflineModel, clip: speech.Clip
) -> None:
    """Determinism: same audio, same words, whichever process or run decodes it."""
    audio = clip.pcm[: 4000 * BYTES_PER_MS]
    local = new_decoder(model.final_params)
    restart_stream(local)
    local.start_utt()
    local.process_raw(audio, False, True)
    local.end_utt()
    expected = [(s.word, s.start_frame, s.end_frame) for s in local.seg()]

    model.run_started()
    try:
        first = model.decode_final(audio)
        model.decode_final(clip.pcm[-3000 * BYTES_PER_MS :])  # something else in between
        again = model.decode_final(audio)
    finally:
        model.run_ended()
    assert [(s.word, s.start_frame, s.end_frame) for s in first] == expected
    assert again == first


def test_the_live_pass_feeds_small_pieces_and_reports_utterances_in_order(
    model: OfflineModel, clip: speech.Clip
) -> None:
    """The recogniser process's live pass (run here, in-process, to look inside).

    Pieces of at most 30 ms keep its words what they were when it ran in the
    app's process (where a 0.5 s pre-roll fed at once stalled the GUI); its
    events come in utterance order: start, partials, end.
    """
    from captioner.engines.offline.live_process import LivePass
    from captioner.engines.offline.model import warm_up
    from captioner.engines.offline.utterances import UtteranceSegmenter

    decoder = new_decoder(model.params)
    warm_up(decoder)
    sizes: list[int] = []

    class Counting:
        def process_raw(self, data: bytes, *args: bool) -> Any:
            sizes.append(len(data))
            return decoder.process_raw(data, *args)

        def __getattr__(self, name: str) -> Any:
            return getattr(decoder, name)

    live = LivePass(Counting(), UtteranceSegmenter())
    events: list[tuple[Any, ...]] = []
    chunk = 50 * BYTES_PER_MS
    for at in range(0, len(clip.pcm), chunk):
        events += live.feed(clip.pcm[at : at + chunk], True)
    events += live.finish()

    assert sizes and max(sizes) <= 30 * BYTES_PER_MS
    assert sum(sizes) >= len(clip.pcm) * 0.8  # the speech itself went through
    kinds = [event[0] for event in events]
    assert kinds[0] == "start" and kinds[-1] == "end" and "partial" in kinds
    assert kinds.count("start") == kinds.count("end")
    open_utterance = False
    for kind in kinds:  # every partial lies inside an utterance
        assert kind != "partial" or open_utterance
        open_utterance = {"start": True, "end": False}.get(kind, open_utterance)
    words = [row[0] for event in events if event[0] == "end" for row in event[5]]
    assert any(word[0].isalpha() for word in words)


QUIT_SCRIPT = """
import sys
from captioner.engines.offline import OfflineModel
from tests import speech

model = OfflineModel()
model.run_started()
clip = speech.clips("librivox")[0]
print(" ".join(model.decode_final(clip.pcm[:64000])[i].word for i in range(2)), flush=True)
print(model.finals.pid, flush=True)
if sys.argv[1] == "wait":
    sys.stdin.read()  # until the test kills this process
# "exit": leave without stopping the run: the exit handler must end the child
"""


def test_no_decoder_process_outlives_an_app_that_exits_mid_run() -> None:
    with app_like(QUIT_SCRIPT, "exit", lines_before_pid=1) as (process, child):  # words, then pid
        _, stderr = process.communicate(timeout=WAIT_S)
    assert process.returncode == 0, stderr
    assert "Warning" not in stderr and "Traceback" not in stderr, stderr
    assert wait_exit(child, WAIT_S)
    assert gone(child)


def test_no_decoder_process_outlives_a_killed_app() -> None:
    with app_like(QUIT_SCRIPT, "wait", lines_before_pid=1) as (process, child):
        process.kill()  # SIGKILL: no exit handler runs; the pipe closes with the process
        process.communicate(timeout=WAIT_S)
        assert wait_exit(child, WAIT_S), f"decoder process {child} still runs"


def test_left_context_is_decoded_but_its_words_are_not_returned(model: OfflineModel) -> None:
    first, second = speech.clips("librivox")[3:5]
    alone = model.params  # any decoder: the point is what is kept
    decoder = new_decoder({**alone, "cmn": "batch"})
    without = decode_with_context(decoder, b"", second.pcm, restart_stream)
    with_context = decode_with_context(decoder, first.pcm, second.pcm, restart_stream)
    words = [w for w, *_ in with_context if w[0] not in "<["]
    # None of the context's words come back, and times count from the utterance.
    first_words = set(first.reference.split()) - set(second.reference.split())
    assert not {w.split("(")[0] for w in words} & first_words, words
    assert all(start >= 0 and end >= start for _, start, end, _ in with_context)
    recall = len(set(words) & set(second.reference.split())) / len(set(second.reference.split()))
    assert recall >= 0.5, (words, [w for w, *_ in without])


def test_a_short_utterance_after_a_pause_is_decoded_with_the_one_before_as_context(
    model: OfflineModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "four | queen of clubs": the short second line gets the first as context."""
    cards = next(c for c in speech.clips("pocketsphinx") if c.name == "cards-002")
    split, pieces = speech.split_at_pauses(cards)
    calls: list[tuple[bytes, bytes]] = []
    decode = model.decode_final

    def spy(audio: bytes, context: bytes = b"") -> Any:
        calls.append((audio, context))
        return decode(audio, context)

    monkeypatch.setattr(model, "decode_final", spy)
    listener = transcribe(model, HookedSource(split.pcm))

    assert len(pieces) == 2 and len(calls) == 2, (pieces, len(calls))
    (first, no_context), (second, context) = calls
    assert no_context == b""
    assert len(second) < offline.FINAL_CONTEXT_BELOW_MS * BYTES_PER_MS
    # The context is the end of the utterance before, at most FINAL_CONTEXT_MS of it.
    assert context and first.endswith(context)
    assert len(context) <= offline.FINAL_CONTEXT_MS * BYTES_PER_MS
    # Its words are not repeated in the second line.
    texts = [final.text for final in listener.finals]
    assert len(texts) == 2 and texts[0] and texts[1], texts
    assert texts[0].split()[-1] not in texts[1].split()[:1], texts


def test_a_run_over_before_the_final_decoder_is_ready_leaves_no_traceback(tmp_path) -> None:
    # A very short file: the run ended (its pipe closed) while the final decoder still
    # loaded the model; its "ready" hit a broken pipe and a traceback reached stderr.
    code = (
        "import multiprocessing\n"
        "from captioner.engines.offline import OfflineModel\n"
        "from captioner.engines.offline.final_process import serve\n"
        "ours, theirs = multiprocessing.Pipe()\n"
        "ours.close()\n"
        "serve(theirs, OfflineModel().final_params)\n"
        "print('served')\n"
    )
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert result.returncode == 0 and "served" in result.stdout, result.stderr
    assert "Traceback" not in result.stderr
