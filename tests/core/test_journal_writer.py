"""The journal writer thread: durable within 100 ms, batched fsyncs, disk trouble, bounded close."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from captioner.core.journal import TranscriptJournal, read_journal
from captioner.core.journal_writer import (
    DURABLE_WITHIN_S,
    JournalProblem,
    JournalWriter,
    WriteStage,
)
from captioner.core.session import SessionInfo
from captioner.core.sessions import SessionStore
from captioner.core.transcript import Transcript, Turn, TurnUpdate, Word


def make_turn(i: int, text: str | None = None) -> Turn:
    words = tuple(Word(f"w{i}{j}", i * 1000 + j * 100, i * 1000 + j * 100 + 80) for j in range(3))
    return Turn(f"k{i}", i, text or " ".join(w.text for w in words), words, finished=True)


class Recorder:
    """Collects what the writer reports (on its thread) and lets a test wait for it."""

    def __init__(self) -> None:
        self.problems: list[JournalProblem] = []
        self.written: list[frozenset[str]] = []
        self.changed = threading.Condition()

    def on_problem(self, problem: JournalProblem) -> None:
        with self.changed:
            self.problems.append(problem)
            self.changed.notify_all()

    def on_written(self, kinds: frozenset[str]) -> None:
        with self.changed:
            self.written.append(kinds)
            self.changed.notify_all()

    def wait_for(self, predicate, timeout: float = 5.0) -> bool:
        with self.changed:
            return self.changed.wait_for(predicate, timeout)


def start_writer(data_dir: Path, recorder: Recorder | None = None) -> JournalWriter:
    recorder = recorder or Recorder()
    writer = JournalWriter(
        SessionInfo(engine="offline", source="Mic"),
        data_dir,
        on_problem=recorder.on_problem,
        on_written=recorder.on_written,
    )
    writer.start()
    return writer


def test_every_finished_turn_is_on_disk_within_100_ms(tmp_path: Path) -> None:
    recorder = Recorder()
    writer = start_writer(tmp_path, recorder)
    assert recorder.wait_for(lambda: bool(recorder.written))  # created at Start, before speech
    transcript = Transcript()
    transcript.subscribe(writer.record)
    latencies = []
    for i in range(20):
        words = (Word(f"word{i}", i * 1000, i * 1000 + 500),)
        shown = time.perf_counter()
        transcript.apply(TurnUpdate(f"k{i}", i, f"word{i}", words, end_of_turn=True))
        assert writer.wait_durable(timeout=DURABLE_WITHIN_S), f"turn {i} not durable in time"
        latencies.append((time.perf_counter() - shown) * 1000)
        turns = read_journal(writer.path).turns  # readable by anyone, right now
        assert turns[-1].text == f"word{i}"
    print(
        f"\nturn on disk after {max(latencies):.1f} ms at most (median "
        f"{sorted(latencies)[len(latencies) // 2]:.1f} ms)"
    )
    assert writer.close(timeout=5)
    contents = read_journal(writer.path)
    assert contents.ended and len(contents.turns) == 20


def test_turns_that_queue_up_during_a_slow_fsync_share_the_next_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = Recorder()
    writer = start_writer(tmp_path, recorder)
    assert recorder.wait_for(lambda: frozenset({"session"}) in recorder.written)
    entered, release = threading.Event(), threading.Event()
    real_fsync = os.fsync
    synced: list[int] = []

    def slow_fsync(fd: int) -> None:
        entered.set()
        assert release.wait(5), "the test never released the disk"
        real_fsync(fd)
        synced.append(os.fstat(fd).st_size)

    monkeypatch.setattr(os, "fsync", slow_fsync)
    writer.append_turn(make_turn(0))
    assert entered.wait(5)  # the writer is inside the (slow) fsync of turn 0…
    last = 0
    for i in range(1, 10):  # …while nine more turns are shown
        last = writer.append_turn(make_turn(i))
    assert not writer.wait_durable(last, timeout=0)  # the GUI side never waited
    release.set()
    assert writer.wait_durable(last, timeout=5)
    assert len(synced) == 2  # turn 0, then turns 1–9 together
    assert recorder.wait_for(lambda: len(recorder.written) == 3)
    assert recorder.written[1:] == [frozenset({"turn"})] * 2
    monkeypatch.undo()
    assert writer.close(timeout=5)
    assert [t.key for t in read_journal(writer.path).turns] == [f"k{i}" for i in range(10)]


def test_rename_and_end_go_through_the_writer_and_release_the_lock(tmp_path: Path) -> None:
    writer = start_writer(tmp_path)
    writer.append_turn(make_turn(0))
    writer.rename("  Weekly call ")
    assert writer.info.title == "Weekly call"
    assert writer.wait_durable(timeout=5)
    [live] = SessionStore(tmp_path).list()
    assert live.live  # locked by the writer's open file
    assert writer.close(duration_ms=1234, timeout=5)
    [done] = SessionStore(tmp_path).list()
    assert done.finished and not done.live and done.title == "Weekly call"
    assert done.duration_ms == 1234
    writer.append_turn(make_turn(1))  # after close: dropped, not written, no crash
    assert len(read_journal(writer.path).turns) == 1


def test_a_full_disk_is_reported_and_the_turns_are_written_once_space_is_back(
    tmp_path: Path, tiny_tmpfs
) -> None:
    disk = tiny_tmpfs(size="16k")
    filler = disk / "filler"
    filler.write_bytes(b"x" * 8192)
    recorder = Recorder()
    writer = start_writer(disk, recorder)
    long_text = "word " * 400  # 2 KB a turn: the disk fills after a few
    seqs = [writer.append_turn(make_turn(i, f"{i} {long_text}")) for i in range(6)]
    assert recorder.wait_for(lambda: bool(recorder.problems))
    [problem] = recorder.problems
    assert problem.stage is WriteStage.WRITE
    assert "disk is full" in problem.message and str(writer.path) in problem.message
    assert not writer.wait_durable(seqs[-1], timeout=1)
    assert not writer.saved_everything  # the caller must keep the transcript
    assert read_journal(writer.path).damaged_lines == 0  # failed batches were rolled back

    filler.unlink()  # space again: the next batch carries the ones that failed
    seqs.append(writer.append_turn(make_turn(6)))
    assert writer.wait_durable(seqs[-1], timeout=5)
    assert writer.saved_everything
    assert writer.close(timeout=5)
    contents = read_journal(writer.path)
    assert [t.key for t in contents.turns] == [f"k{i}" for i in range(7)]
    assert contents.ended and contents.damaged_lines == 0
    assert len(recorder.problems) == 1  # one report for the whole stretch


def test_a_journal_that_cannot_be_created_is_reported_and_nothing_waits(tiny_tmpfs) -> None:
    recorder = Recorder()
    writer = start_writer(tiny_tmpfs("ro"), recorder)
    seq = writer.append_turn(make_turn(0))
    assert recorder.wait_for(lambda: bool(recorder.problems))
    assert recorder.problems[0].stage is WriteStage.OPEN
    assert "read-only" in recorder.problems[0].message
    assert not writer.wait_durable(seq, timeout=5)
    assert writer.close(timeout=5)
    assert not writer.saved_everything  # nothing of it is on disk


def test_close_is_bounded_when_the_disk_does_not_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = Recorder()
    writer = start_writer(tmp_path, recorder)
    assert recorder.wait_for(lambda: bool(recorder.written))
    entered, release = threading.Event(), threading.Event()
    real_fsync = os.fsync

    def stuck_fsync(fd: int) -> None:
        entered.set()
        assert release.wait(5)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", stuck_fsync)
    writer.append_turn(make_turn(0))
    assert entered.wait(5)
    started = time.perf_counter()
    assert not writer.close(timeout=0.05)  # gives up waiting; the thread carries on
    assert time.perf_counter() - started < 1
    release.set()
    assert writer.close(timeout=5)  # then finishes the end record on its own
    assert read_journal(writer.path).ended


def test_a_bug_in_the_writer_is_reported_and_leaves_a_recoverable_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self, records) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(TranscriptJournal, "append_records", broken)
    recorder = Recorder()
    writer = start_writer(tmp_path, recorder)
    seq = writer.append_turn(make_turn(0))
    assert recorder.wait_for(lambda: bool(recorder.problems))
    assert "boom" in recorder.problems[0].message
    assert not writer.wait_durable(seq, timeout=5)  # answered at once, not after 5 s
    assert writer.close(timeout=5)
    [crashed] = SessionStore(tmp_path).unfinished()  # lock released, no end record
    assert crashed.id == writer.info.id
