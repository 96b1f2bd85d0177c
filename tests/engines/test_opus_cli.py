"""``captioner transcribe --low-bandwidth``: the file's audio goes out as Opus (issue 15.6)."""

from __future__ import annotations

import sys

import pytest

from captioner.engines.assemblyai import opus
from tests.engines.test_opus import need_opus
from tests.fakes.v3_server import FakeV3Server, TurnScript
from tests.test_transcribe import CLIP, transcribe
from tests.test_transcribe_translate import run_cloud

KEY = "test-key-translate"  # what run_cloud puts in ASSEMBLYAI_API_KEY


def test_low_bandwidth_transcribes_the_file_through_opus(monkeypatch: pytest.MonkeyPatch) -> None:
    need_opus()
    script = TurnScript.from_text("and mister john dashwood. had then leisure.")
    with FakeV3Server(api_key=KEY, script=script, ms_per_word=250) as server:
        code, printed = run_cloud(monkeypatch, server.url, "--low-bandwidth")
        (session,) = server.sessions
    assert code == 0, printed
    assert [line.split("] ", 1)[1] for line in printed.splitlines()] == [
        "And mister john dashwood.",
        "Had then leisure.",
    ]
    assert session.query["encoding"] == "opus"
    assert session.opus_invalid == 0 and set(session.chunk_ms) == {20.0}
    assert session.audio_ms_received >= 7100  # the whole clip, its tail flushed
    assert sum(len(p) for p in session.opus_packets) * 8 < 7.1 * 32000


def test_low_bandwidth_without_pyav_exits_2_before_connecting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    opus.opus_problem.cache_clear()
    monkeypatch.setitem(sys.modules, "av", None)
    try:
        with FakeV3Server(api_key=KEY) as server:
            code, _ = run_cloud(monkeypatch, server.url, "--low-bandwidth")
            assert server.sessions == []
    finally:
        opus.opus_problem.cache_clear()
    assert code == 2
    assert "--low-bandwidth: The Opus encoder (PyAV) is not installed" in capsys.readouterr().err


def test_low_bandwidth_with_the_offline_engine_is_a_clear_error() -> None:
    result = transcribe(str(CLIP), "--engine", "offline", "--low-bandwidth")
    assert result.returncode == 2
    assert "--low-bandwidth needs the cloud engine" in result.stderr
