"""Closing the terminal that launched the app (SIGHUP) quits it the way SIGTERM does.

SIGHUP used to be left at its default, which killed the process on the spot: the
cloud session was never sent Terminate (the service kept the session, and billed it,
until its own timeout) and the journal had no end record, so the next start offered
to "recover" a session the user had simply closed.  A real app process, as a user
starts it from a terminal.
"""

from __future__ import annotations

import json
import signal
import wave
from pathlib import Path

import pytest

from captioner.core.sessions import SessionStore
from tests.app_process import CLIP, captioner, captioning_cloud, end_with
from tests.fakes.v3_server import FakeV3Server, TurnScript
from tests.speech import RATE, write_wav

pytestmark = pytest.mark.slow


def last_record(journal: Path) -> dict:
    lines = [line for line in journal.read_text().splitlines() if line.strip()]
    return json.loads(lines[-1])


def test_hangup_ends_the_cloud_session_and_closes_the_journal(tmp_path: Path, qtbot) -> None:
    key = "test-key-hangup"
    sessions = tmp_path / "sessions"
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    with FakeV3Server(api_key=key, script=TurnScript.from_text("and mister john")) as server:
        with captioning_cloud(server, key, "--data-dir", str(sessions), env=env) as proc:
            err = end_with(proc, signal.SIGHUP)  # as a closed terminal sends it
        session = server.sessions[0]
    assert proc.returncode == 129, err  # 128 + SIGHUP, as the shell reports it
    assert "Traceback" not in err
    assert session.terminate_received, "the cloud session was left open"
    assert session.audio_ms_received < 7000  # it stopped on the hang-up, not at the end
    [summary] = SessionStore(sessions).list()
    assert summary.finished and not summary.recovered
    record = last_record(summary.path)
    assert record["type"] == "end" and not record["recovered"]


def test_hangup_closes_an_offline_session_cleanly(tmp_path: Path, qtbot) -> None:
    sessions = tmp_path / "sessions"
    # Speech, then two minutes of silence paced at real time: once the first words
    # are captioned the run is surely still going when the terminal closes.
    with wave.open(str(CLIP), "rb") as clip:
        assert clip.getframerate() == RATE and clip.getsampwidth() == 2
        speech = clip.readframes(clip.getnframes())
    long = write_wav(tmp_path / "long.wav", speech + b"\x00\x00" * RATE * 120)
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    proc = captioner(
        "--engine",
        "offline",
        "--input-file",
        str(long),
        "--data-dir",
        str(sessions),
        "--start",
        env=env,
    )
    try:
        qtbot.waitUntil(
            lambda: any(s.live and s.turn_count for s in SessionStore(sessions).list()),
            timeout=30000,
        )
    finally:
        err = end_with(proc, signal.SIGHUP)
    assert proc.returncode == 129, err  # 128 + SIGHUP, as the shell reports it
    assert "Traceback" not in err
    [summary] = SessionStore(sessions).list()
    assert summary.finished and not summary.recovered and summary.turn_count >= 1
    record = last_record(summary.path)
    assert record["type"] == "end" and not record["recovered"]
    assert record["duration_ms"] < 60_000  # ended by the hang-up, not by the file
