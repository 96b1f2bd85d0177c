"""One model in memory while captioning offline (issue 14): finals from a forked decoder.

The live recogniser and the final-decode process each loaded PocketSphinx's
model (~85 MB of heap apiece) while a run captioned.  Now the final-decode
worker is forked off the live recogniser once its model is loaded, and
shares it.  What a user relies on is checked here: the finals are the same
words as from a decoder that loads its own model, the worker really is the
recogniser's fork (so the pages are shared), and it ends with the run.  How
much memory that saves is measured by ``benchmarks/footprint.py`` ("max RSS
while captioning offline"), not here.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from captioner.engines.offline import OfflineEngine, OfflineModel, shared_model
from captioner.engines.offline.final_process import decode_with_context
from captioner.engines.offline.model import (
    DEFAULT_DECODER_PARAMS,
    DEFAULT_FINAL_PARAMS,
    NOISY_FINAL_PARAMS,
    new_decoder,
    restart_stream,
)
from captioner.engines.offline.noisy import final_route
from captioner.engines.offline.shared_model import second_search
from tests import speech
from tests.orphans import named, wait_exit
from tests.recording import RecordingListener

WAIT_S = 120

pytestmark = pytest.mark.skipif(not shared_model.AVAILABLE, reason="forks only on Linux")


class Watched(speech.MemorySource):
    """Notes the final-decode and live recogniser processes when the run reads audio."""

    def __init__(self, pcm: bytes, model: OfflineModel) -> None:
        super().__init__(pcm)
        self.model = model
        self.seen: tuple[int | None, ...] | None = None  # worker, its parent, theirs
        self.names: tuple[str | None, ...] = ()  # the worker's and its parent's, in top

    def read(self, timeout: float) -> bytes | None:
        if self.seen is None:
            worker = self.model.finals.pid
            parent = _parent(worker) if worker is not None else None
            self.seen = (worker, parent, _parent(parent) if parent is not None else None)
            live = parent if parent not in (None, os.getpid()) else None
            self.names = (
                named(worker, "captioner-final") if worker else None,
                named(live, "captioner-live") if live else None,
            )
        return super().read(timeout)


def _parent(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def _finals(model: OfflineModel, clip: speech.Clip) -> tuple[list[str], Watched]:
    listener = RecordingListener()
    source = Watched(clip.pcm, model)
    engine = OfflineEngine(listener, realtime=False, model=model)
    engine.start(source)  # type: ignore[arg-type]
    listener.wait_stopped(WAIT_S)
    assert engine.join(WAIT_S)
    assert not listener.errors, listener.errors
    return [final.text for final in listener.finals if final.text], source


@pytest.fixture
def clip() -> speech.Clip:
    """Two readers, a pause between: two finished lines at least, decoded as finals."""
    first = speech.clips("librivox")[0]
    second = speech.clips("pocketsphinx")[0]
    pause = b"\x00\x00" * speech.RATE
    reference = f"{first.reference} {second.reference}"
    return speech.Clip("two readers", first.pcm + pause + second.pcm, reference)


@pytest.fixture
def models(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[OfflineModel, OfflineModel]]:
    sharing = OfflineModel()
    monkeypatch.setattr(shared_model, "front_end_change", lambda live, final: None)
    alone = OfflineModel()  # its final process loads a model of its own, as before
    monkeypatch.undo()
    try:
        yield sharing, alone
    finally:
        sharing.close()
        alone.close()


def test_finals_come_from_the_live_recognisers_fork_with_the_same_words(
    models: tuple[OfflineModel, OfflineModel], clip: speech.Clip
) -> None:
    sharing, alone = models
    shared_texts, shared_run = _finals(sharing, clip)
    own_texts, own_run = _finals(alone, clip)

    assert len(shared_texts) >= 2, shared_texts
    assert shared_texts == own_texts  # the same words, line for line
    worker, parent, grandparent = shared_run.seen or (None, None, None)
    assert worker is not None and sharing.finals.answered_by == worker
    # Forked off the run's live recogniser (a child of this process), so its
    # model's pages are shared; the other model's final process is our child.
    assert parent is not None and parent != os.getpid()
    assert grandparent == os.getpid()
    assert own_run.seen is not None and own_run.seen[1] == os.getpid()
    # In top and System Monitor each says what it is, the fork no longer the
    # recogniser's twin; a final process started on its own is named alike.
    assert shared_run.names == ("captioner-final", "captioner-live")
    assert own_run.names[0] == "captioner-final"
    # The run is over: the worker ended with it.
    assert sharing.finals.pid is None
    assert wait_exit(worker, 10)


def test_a_final_worker_killed_mid_run_is_named_with_its_signal(
    models: tuple[OfflineModel, OfflineModel], clip: speech.Clip
) -> None:
    sharing, _ = models
    sharing.run_started()
    live = sharing.acquire()
    try:
        sharing.share_model(live)
        assert sharing.decode_final(clip.pcm[: 3 * speech.RATE * 2])
        worker = sharing.finals.pid
        assert worker is not None
        os.kill(worker, signal.SIGKILL)
        assert wait_exit(worker, 10)
        with pytest.raises(Exception, match="killed by signal 9"):
            sharing.decode_final(clip.pcm[: 2 * speech.RATE * 2])
        # The next final gets a process of its own (a model loads): no words lost.
        assert sharing.decode_final(clip.pcm[: 3 * speech.RATE * 2])
        assert sharing.finals.pid not in (None, worker)
    finally:
        sharing.release(live)
        sharing.run_ended()


def test_noisy_finals_from_a_second_search_read_as_from_a_decoder_of_their_own() -> None:
    # The noisy-speech final decoder (PocketSphinx's own search settings) loaded a
    # whole model of its own; now a second search of the final decoder shares it.
    final = new_decoder({**DEFAULT_DECODER_PARAMS, **DEFAULT_FINAL_PARAMS})
    own = new_decoder({"loglevel": "FATAL"})  # PocketSphinx's own settings, as it was made
    clean = speech.clips("librivox")[1]
    route = final_route(speech.mixed(clean, "noise", 10).pcm)
    assert route is not None and route.plain  # the noisy route, as the worker takes it

    def words(decoder: object, audio: bytes) -> list[str]:
        return [row[0] for row in decode_with_context(decoder, b"", audio, restart_stream)]

    usual = words(final, route.audio)
    made_with = {**DEFAULT_DECODER_PARAMS, **DEFAULT_FINAL_PARAMS}
    search = second_search(final, made_with, NOISY_FINAL_PARAMS, "noisy")
    assert not isinstance(search, contextlib.nullcontext)  # no second model loaded
    with search as decoder:
        noisy = words(decoder, route.audio)
    assert noisy == words(own, route.audio)
    assert noisy != usual  # the settings differ here: the search really was switched
    # And back: the final decoder's own search reads as it did.
    assert words(final, route.audio) == usual
    assert words(final, clean.pcm) == words(own_final(), clean.pcm)


def own_final() -> object:
    return new_decoder({**DEFAULT_DECODER_PARAMS, **DEFAULT_FINAL_PARAMS})


def test_without_a_pidfd_the_run_captions_with_a_final_process_of_its_own(
    models: tuple[OfflineModel, OfflineModel], clip: speech.Clip, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A kernel older than 5.3 has no pidfd_open: the forked worker cannot be watched.
    # The recogniser must go on, and finals come from a process that loads its own model.
    sharing, alone = models
    expected, _ = _finals(alone, clip)

    def no_pidfd(pid: int) -> shared_model.ForkedWorker:
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(shared_model, "ForkedWorker", no_pidfd)
    texts, run = _finals(sharing, clip)
    assert texts == expected
    worker, parent, _ = run.seen or (None, None, None)
    assert worker is not None and parent == os.getpid()  # our own child this time


ORPHANS_COME_HERE = """
import ctypes, json
from pathlib import Path
# As init does in a container where the app is PID 1: orphans become ours to reap.
assert ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
from captioner.engines.offline import OfflineModel
from tests import speech
from tests.engines.test_offline_shared_model import _finals
from tests.orphans import wait_exit
model = OfflineModel()
workers = []
for run in range(2):
    texts, run = _finals(model, speech.clips("librivox")[0])
    assert texts and run.seen
    workers.append(run.seen[0])
model.close()
for worker in workers:
    assert wait_exit(worker, 10)
children = [int(pid) for task in Path("/proc/self/task").glob("*/children")
            for pid in task.read_text().split()]
states = {pid: Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
          for pid in children}
print(json.dumps({"workers": workers, "states": list(states.values())}))
"""


def test_where_the_app_reaps_orphans_no_final_worker_is_left_a_zombie() -> None:
    # In a container where the app is PID 1 (or under a subreaper), a final worker
    # whose recogniser ended first became the app's child, and stayed a zombie,
    # one per run, for the rest of the app's life.
    done = subprocess.run(
        [sys.executable, "-c", ORPHANS_COME_HERE],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    assert len(set(seen["workers"]) - {None}) == 2  # two runs, each with its forked worker
    assert "Z" not in seen["states"], seen
