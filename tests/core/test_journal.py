"""The crash-safe journal: durable turns, torn lines, disk errors, a real SIGKILL."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from captioner.core.journal import (
    JournalError,
    SessionLiveError,
    TranscriptJournal,
    default_sessions_dir,
    read_journal,
)
from captioner.core.session import SessionInfo, turn_to_dict
from captioner.core.sessions import SessionStore
from captioner.core.transcript import ChangeKind, Transcript, Turn, TurnUpdate, Word

ROOT = Path(__file__).resolve().parents[2]


def make_turn(i: int, text: str | None = None, **kw: object) -> Turn:
    starts = [i * 1000 + j * 100 for j in range(3)]
    words = tuple(Word(f"w{i}{j}", start, start + 80, 0.9) for j, start in enumerate(starts))
    return Turn(
        key=f"k{i}",
        order=i,
        text=text or " ".join(w.text for w in words),
        words=words,
        finished=True,
        **kw,
    )


def new_info(**kw: object) -> SessionInfo:
    return SessionInfo(engine="assemblyai", source="Built-in Microphone", **kw)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "sessions"


def test_turns_round_trip_with_words_labels_and_settings(data_dir: Path) -> None:
    info = new_info(settings={"speech_model": "universal-streaming-english", "format_turns": True})
    turns = [make_turn(0, speaker="A", source="mic"), make_turn(1, formatted=True)]
    with TranscriptJournal.create(info, data_dir) as journal:
        for turn in turns:
            journal.append_turn(turn)
    contents = read_journal(journal.path)
    assert contents.turns == turns
    assert contents.ended and not contents.recovered and contents.damaged_lines == 0
    assert contents.info.settings == info.settings
    assert contents.info.started_at == info.started_at
    assert contents.info.duration_ms is not None and contents.info.ended_at is not None
    assert journal.path == data_dir / f"{info.id}.jsonl"


def test_default_directory_is_the_user_data_dir(private_dirs: Path) -> None:
    with TranscriptJournal.create(new_info()) as journal:
        journal.append_turn(make_turn(0))
    assert journal.path.parent == default_sessions_dir()
    assert str(journal.path).startswith(str(private_dirs))  # tests never touch the real one


def test_secrets_are_refused_in_settings() -> None:
    with pytest.raises(ValueError, match="secret"):
        new_info(settings={"api_key": "abc"})
    with pytest.raises(ValueError):
        SessionInfo(engine="x", id="../../etc/passwd")


def test_a_revision_replaces_the_turn_in_place_and_partials_are_not_written(
    data_dir: Path,
) -> None:
    transcript = Transcript()
    journal = TranscriptJournal.create(new_info(), data_dir)
    transcript.subscribe(journal.record)
    ws = (Word("hello", 0, 300), Word("world", 300, 600))
    transcript.apply(TurnUpdate("a:0", 0, "hello", ws[:1]))
    transcript.apply(TurnUpdate("a:0", 0, "hello world", ws, end_of_turn=True))
    transcript.apply(TurnUpdate("a:1", 1, "next", (Word("next", 700, 900),), end_of_turn=True))
    fws = (Word("Hello,", 0, 300), Word("world.", 300, 600))
    change = transcript.apply(TurnUpdate("a:0", 0, "Hello, world.", fws, True, formatted=True))
    assert change.kind is ChangeKind.REVISED
    journal.end()
    lines = journal.path.read_text(encoding="utf-8").splitlines()
    kinds = [json.loads(line)["type"] for line in lines]
    assert kinds == ["session", "turn", "turn", "turn", "end"]  # no partial
    contents = read_journal(journal.path)
    assert [t.text for t in contents.turns] == ["Hello, world.", "next"]
    assert contents.turns == transcript.finished


def test_reading_rebuilds_the_display_order_of_a_turn_slotted_by_start_time(
    data_dir: Path,
) -> None:
    transcript = Transcript()
    with TranscriptJournal.create(new_info(), data_dir) as journal:
        transcript.subscribe(journal.record)
        for key, start in (("a", 0), ("b", 5000), ("c", 2000)):
            transcript.apply(TurnUpdate(key, 0, key, (Word(key, start, start + 10),), True))
    assert [t.key for t in read_journal(journal.path).turns] == ["a", "c", "b"]
    assert [t.key for t in transcript.finished] == ["a", "c", "b"]


def test_a_torn_last_line_is_ignored_and_logged(
    data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    journal = TranscriptJournal.create(new_info(), data_dir)
    journal.append_turn(make_turn(0))
    journal.append_turn(make_turn(1))
    journal.close()  # crash: no end record
    whole = json.dumps({"type": "turn", "at": "x", "turn": turn_to_dict(make_turn(2))})
    with open(journal.path, "ab") as f:
        f.write(whole.encode()[: len(whole) // 2])  # the power went mid-write
    contents = read_journal(journal.path)
    assert [t.key for t in contents.turns] == ["k0", "k1"]
    assert contents.damaged_lines == 1 and not contents.ended
    assert "torn last line" in caplog.text


def test_every_turn_is_fsynced_before_append_returns(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = TranscriptJournal.create(new_info(), data_dir)
    synced: list[int] = []
    real_fsync = os.fsync

    def counting_fsync(fd: int) -> None:
        real_fsync(fd)
        synced.append(os.fstat(fd).st_size)

    monkeypatch.setattr(os, "fsync", counting_fsync)
    for i in range(3):
        journal.append_turn(make_turn(i))
        # fsynced, and at the size the file has now: nothing was left in a buffer.
        assert synced[-1] == journal.path.stat().st_size
        assert len(synced) == i + 1
    journal.end()


def test_partials_are_refused(data_dir: Path) -> None:
    with TranscriptJournal.create(new_info(), data_dir) as journal, pytest.raises(ValueError):
        journal.append_turn(Turn("p", 0, "partial", finished=False))


def test_a_full_disk_raises_a_plain_error_and_loses_nothing(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    transcript = Transcript()
    journal = TranscriptJournal.create(new_info(), data_dir)
    errors: list[JournalError] = []

    def journal_listener(change):  # what the GUI does: show the error, keep going
        try:
            journal.record(change)
        except JournalError as exc:
            errors.append(exc)

    transcript.subscribe(journal_listener)
    transcript.apply(TurnUpdate("a", 0, "kept one", (Word("kept", 0, 1),), end_of_turn=True))

    real_write = os.write
    calls = 0

    def half_then_full(fd: int, data: bytes) -> int:
        nonlocal calls
        calls += 1
        if calls == 1:  # a short write, as a filling disk gives…
            return real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, "No space left on device")  # …then no space at all

    monkeypatch.setattr(os, "write", half_then_full)
    transcript.apply(TurnUpdate("b", 1, "on screen", (Word("on", 5, 6),), end_of_turn=True))
    monkeypatch.setattr(os, "write", real_write)

    assert len(errors) == 1 and "disk is full" in str(errors[0])
    assert str(journal.path) in str(errors[0])
    assert [t.text for t in transcript.finished] == ["kept one", "on screen"]  # nothing lost
    # The half-written line was rolled back: once space is back, the journal is whole.
    journal.append_turn(transcript.finished[1])
    journal.end()
    contents = read_journal(journal.path)
    assert contents.damaged_lines == 0
    assert [t.text for t in contents.turns] == ["kept one", "on screen"]


def test_an_io_error_on_fsync_is_a_journal_error(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = TranscriptJournal.create(new_info(), data_dir)

    def eio(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", eio)
    with pytest.raises(JournalError, match="input/output error"):
        journal.append_turn(make_turn(0))
    monkeypatch.undo()
    journal.end()


def test_an_unusable_directory_is_a_journal_error(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    with pytest.raises(JournalError, match="Could not create"):
        TranscriptJournal.create(new_info(), not_a_dir / "sessions")


def test_a_read_only_disk_is_a_journal_error(tiny_tmpfs) -> None:
    ro = tiny_tmpfs("ro")
    with pytest.raises(JournalError, match="read-only"):
        TranscriptJournal.create(new_info(), ro)


def test_a_session_is_locked_while_live_even_within_this_process(data_dir: Path) -> None:
    store = SessionStore(data_dir)
    journal = TranscriptJournal.create(new_info(), data_dir)
    [summary] = store.list()
    assert summary.live and not summary.finished and store.unfinished() == []
    with pytest.raises(SessionLiveError):
        store.recover(summary.id)
    with pytest.raises(SessionLiveError):
        store.delete(summary.id)
    journal.close()  # the lock goes with the file, as when a process dies
    assert [s.id for s in store.unfinished()] == [summary.id]


# -- a real crash ------------------------------------------------------------------


@pytest.fixture(params=["direct", "threaded"])
def writer(data_dir: Path, request) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """A process journaling five turns, straight or through the app's writer thread."""
    session_id = uuid.uuid4().hex
    mode = request.param
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.core.journal_writer", str(data_dir), session_id, "5", mode],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    yield proc, session_id
    if proc.poll() is None:
        proc.kill()
    proc.wait(10)
    assert proc.stdout is not None
    proc.stdout.close()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_mid_session_then_recover_every_finished_turn(
    data_dir: Path, writer: tuple[subprocess.Popen[str], str]
) -> None:
    proc, session_id = writer
    assert proc.stdout is not None
    said = [proc.stdout.readline().strip() for _ in range(6)]
    assert said == [f"turn {i}" for i in range(5)] + ["ready"]
    store = SessionStore(data_dir)

    # Alive: listed as live, not offered for recovery.
    [summary] = store.list()
    assert summary.live and store.unfinished() == []

    proc.send_signal(signal.SIGKILL)
    assert proc.wait(10) == -signal.SIGKILL

    [crashed] = store.unfinished()
    assert crashed.id == session_id and not crashed.live and not crashed.finished
    turns = store.recover(session_id)
    assert [t.key for t in turns] == [f"k{i}" for i in range(5)]
    assert all(len(t.words) == 5 for t in turns)
    assert store.unfinished() == []
    [after] = store.list()
    assert after.finished and after.recovered
    contents = read_journal(after.path)
    assert contents.recovered and contents.damaged_lines == 0
    # Recovering again is harmless (another window may have raced us).
    assert store.recover(session_id) == turns
    assert read_journal(after.path).damaged_lines == 0


def test_recovery_cuts_a_torn_tail_so_the_end_record_is_readable(data_dir: Path) -> None:
    journal = TranscriptJournal.create(new_info(), data_dir)
    journal.append_turn(make_turn(0))
    journal.close()
    with open(journal.path, "ab") as f:
        f.write(b'{"type":"turn","at":"2024-')
    store = SessionStore(data_dir)
    assert [t.key for t in store.recover(journal.info.id)] == ["k0"]
    contents = read_journal(journal.path)
    assert contents.ended and contents.recovered and contents.damaged_lines == 0


def test_a_whole_last_record_without_its_newline_survives_recovery_and_rename(
    data_dir: Path,
) -> None:
    """A hand-edited journal (or a crash between a record and its newline) whose last line is
    complete: it is read, so recovering or renaming the session must not cut it away."""
    from captioner.core.journal import append_rename, recover_journal

    def unterminated() -> Path:
        journal = TranscriptJournal.create(new_info(), data_dir)
        for i in range(3):
            journal.append_turn(make_turn(i))
        journal.close()
        journal.path.write_bytes(journal.path.read_bytes().rstrip(b"\n"))
        return journal.path

    path = unterminated()
    assert [t.key for t in read_journal(path).turns] == ["k0", "k1", "k2"]
    assert [t.key for t in recover_journal(path).turns] == ["k0", "k1", "k2"]
    after = read_journal(path)
    assert [t.key for t in after.turns] == ["k0", "k1", "k2"]
    assert after.ended and after.damaged_lines == 0

    path = unterminated()
    append_rename(path, "My talk")
    renamed = read_journal(path)
    assert [t.key for t in renamed.turns] == ["k0", "k1", "k2"]
    assert renamed.info.title == "My talk" and renamed.damaged_lines == 0
