"""``captioner transcribe FILE``: a transcript on the terminal, no display needed."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import wave
from pathlib import Path

import jiwer
import pytest

from captioner.cli import parse_args
from captioner.transcribe import run_transcribe
from tests.conftest import DATA, reference_text
from tests.fakes.v3_server import FakeV3Server, TurnScript

CLIP = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav"
LINE = re.compile(r"^\[(\d\d):(\d\d):(\d\d\.\d{3})\] (.+)$")


def transcribe(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)  # no display of any kind is needed
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"  # never the user's keyring
    return subprocess.run(
        [sys.executable, "-m", "captioner", "transcribe", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_offline_transcript_is_recognisable_and_timestamped() -> None:
    result = transcribe(str(CLIP), "--engine", "offline")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines and all(LINE.match(line) for line in lines), result.stdout
    heard = " ".join(LINE.match(line).group(4) for line in lines)
    reference = reference_text(CLIP)
    assert jiwer.process_words(reference, heard).hits >= 0.6 * len(reference.split())


def test_cloud_engine_prints_each_turn_once_with_its_formatted_text(monkeypatch) -> None:
    key = "test-key-transcribe"
    script = TurnScript.from_text("and mister john dashwood. had then leisure to consider")
    with FakeV3Server(api_key=key, script=script, ms_per_word=250) as server:
        args = parse_args(
            ["transcribe", str(CLIP), "--engine", "assemblyai", "--api-host", server.url]
        )
        out = io.StringIO()
        monkeypatch.setenv("ASSEMBLYAI_API_KEY", key)
        code = run_transcribe(args, out)
        session = server.sessions[0]
    assert code == 0
    assert [LINE.match(line).group(4) for line in out.getvalue().splitlines()] == [
        "And mister john dashwood.",
        "Had then leisure to consider.",
    ]
    assert session.terminate_received
    # paced at real time: the service rejects faster audio (3007 at ~> 1x)
    assert session.audio_ms_received == pytest.approx(7100, abs=60)


def test_a_recording_made_to_a_pipe_is_transcribed_with_a_warning(tmp_path: Path) -> None:
    # arecord/sox/ffmpeg writing to a pipe (or killed) leave the data length at 0:
    # libsndfile reads that as an empty file, and the user got no transcript at all.
    raw = bytearray(CLIP.read_bytes())
    raw[4:8] = bytes(4)
    at = raw.index(b"data")
    raw[at + 4 : at + 8] = bytes(4)
    piped = tmp_path / "piped.wav"
    piped.write_bytes(bytes(raw))
    result = transcribe(str(piped), "--engine", "offline")
    assert result.returncode == 0, result.stderr
    assert "captioner: warning: the file's header gives no length for its audio" in result.stderr
    heard = " ".join(LINE.match(line).group(4) for line in result.stdout.strip().splitlines())
    reference = reference_text(CLIP)
    assert jiwer.process_words(reference, heard).hits >= 0.6 * len(reference.split())


def test_missing_and_corrupt_files_exit_2_with_a_message(tmp_path: Path) -> None:
    missing = transcribe(str(tmp_path / "gone.wav"), "--engine", "offline")
    assert missing.returncode == 2
    assert "Audio file not found" in missing.stderr and "Traceback" not in missing.stderr
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk" + os.urandom(64))
    bad = transcribe(str(corrupt), "--engine", "offline")
    assert bad.returncode == 2 and "is not a readable audio file" in bad.stderr


def test_silence_gives_no_turns_and_no_error(tmp_path: Path) -> None:
    quiet = tmp_path / "quiet.wav"
    with wave.open(str(quiet), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(44100)
        wav.writeframes(b"\x00\x00" * 2 * 44100 * 3)
    result = transcribe(str(quiet), "--engine", "offline")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""


def test_no_key_for_the_cloud_engine_is_explained(tmp_path: Path) -> None:
    result = transcribe(str(CLIP), "--engine", "assemblyai", "--api-host", "ws://127.0.0.1:9")
    assert result.returncode == 1
    assert "No AssemblyAI API key" in result.stderr
    # In a terminal's words: how to give a key here, and that the offline engine needs none
    # (not the app's Settings menu, which a terminal user cannot choose).
    assert "ASSEMBLYAI_API_KEY environment variable" in result.stderr
    assert "keyring set captioner assemblyai-api-key" in result.stderr
    assert "--token-url" in result.stderr and "--engine offline" in result.stderr
    assert "Settings" not in result.stderr


def test_a_malformed_key_is_named_and_never_echoed(monkeypatch, capsys) -> None:
    key = "0123456789abcdef0123456789abcdef"
    with FakeV3Server(api_key=key) as server:
        monkeypatch.setenv("ASSEMBLYAI_API_KEY", key + "\n" + key)
        args = parse_args(
            ["transcribe", str(CLIP), "--engine", "assemblyai", "--api-host", server.url]
        )
        code = run_transcribe(args, io.StringIO())
        assert not server.sessions, "a malformed key was sent to the server"
    err = capsys.readouterr().err
    assert code == 2
    assert "API key contains a line break" in err and "ASSEMBLYAI_API_KEY" in err
    assert key not in err
