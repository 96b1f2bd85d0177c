"""The ``captioner`` command as a user runs it: a real process."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from captioner import __version__
from captioner.core.sessions import SessionStore
from tests.app_process import captioner, captioning_cloud, end_with, run
from tests.conftest import DATA
from tests.fakes.v3_server import FakeV3Server, TurnScript


def test_version_and_help() -> None:
    assert run("--version").stdout.strip() == f"captioner {__version__}"
    help_text = run("--help").stdout
    for option in (
        "--engine",
        "--device",
        "--input-file",
        "--api-host",
        "--start",
        "--list-devices",
    ):
        assert option in help_text


def test_missing_wav_is_a_clear_error_at_start_up(tmp_path: Path) -> None:
    result = run("--input-file", str(tmp_path / "nope.wav"))
    assert result.returncode == 2
    assert f"Audio file not found: {tmp_path / 'nope.wav'}" in result.stderr
    assert "Traceback" not in result.stderr


def test_call_mode_with_a_file_is_refused_not_half_done() -> None:
    # Call mode records the microphone and system audio: the file would be ignored.
    clip = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0880.wav"
    result = run("--call-mode", "--input-file", str(clip))
    assert result.returncode == 2
    assert "--call-mode captions a microphone and system audio" in result.stderr


def test_a_file_that_is_not_audio_is_a_clear_error(tmp_path: Path) -> None:
    notes = tmp_path / "notes.wav"
    notes.write_text("these are my meeting notes, not audio\n")
    result = run("--input-file", str(notes))
    assert result.returncode == 2
    assert "is not a readable audio file" in result.stderr and "notes.wav" in result.stderr


def test_list_devices_prints_a_table_or_says_there_are_none() -> None:
    result = run("--list-devices")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_ends_the_cloud_session_cleanly(signum: int) -> None:
    key = "test-key-cli"
    with FakeV3Server(api_key=key, script=TurnScript.from_text("and mister john")) as server:
        with captioning_cloud(server, key) as proc:
            err = end_with(proc, signum)
        session = server.sessions[0]
    assert proc.returncode == 128 + signum, err  # 130, 143: ended by the signal, in order
    assert "Traceback" not in err
    assert session.terminate_received and session.termination_sent
    assert key not in err
    assert session.audio_ms_received < 7000  # it stopped on the signal, not at the end


def test_start_runs_a_file_to_the_end_and_keeps_running(tmp_path: Path, qtbot) -> None:
    key = "test-key-cli"
    sessions = tmp_path / "sessions"
    # Its own settings file, so the single-instance check below meets this app only.
    env = {"ASSEMBLYAI_API_KEY": key, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    with FakeV3Server(api_key=key, script=TurnScript.from_text("and mister john")) as server:
        proc = captioner(
            "--engine",
            "assemblyai",
            "--input-file",
            str(DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0880.wav"),
            "--api-host",
            server.url,
            "--data-dir",
            str(sessions),
            "--start",
            env=env,
        )
        try:
            server.wait_for(lambda s: bool(s.sessions) and s.sessions[0].termination_sent, 20)
            # The app has handled the end of the run once it has closed the session record.
            qtbot.waitUntil(
                lambda: any(s.finished for s in SessionStore(sessions).list()), timeout=20000
            )
            # Still there, window open with the transcript: a second launch finds it.
            second = run(env=env)
            assert second.returncode == 0 and "already running" in second.stderr
            assert proc.poll() is None
        finally:
            end_with(proc, signal.SIGTERM)
    assert proc.returncode == 143


def wait_for_line(stream, text: str) -> list[str]:
    """Read ``stream`` (another process's stderr) until a line holds ``text``; the lines read."""
    lines: list[str] = []
    while not lines or text not in lines[-1]:
        line = stream.readline()
        assert line, f"the stream ended without {text!r}: {''.join(lines)}"
        lines.append(line)
    return lines


@pytest.mark.slow
def test_a_second_launch_hands_its_file_and_start_to_the_running_instance(
    tmp_path: Path, qtbot
) -> None:
    sessions = tmp_path / "sessions"
    clip = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0880.wav"
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config")}  # its own single-instance name
    first = captioner("--engine", "offline", "--data-dir", str(sessions), "-v", env=env)
    try:
        wait_for_line(first.stderr, "Later launches hand over to this instance")
        # What used to be lost: the file and --start of a launch while one runs.
        second = run("--input-file", str(clip), "--start", env=env)
        assert second.returncode == 0, second.stderr
        assert f"already running: captioning {clip.name}" in second.stderr

        def captioned() -> bool:
            return any(s.finished and s.source == clip.name for s in SessionStore(sessions).list())

        qtbot.waitUntil(captioned, timeout=30000)
        # What cannot be applied is said, with a failing status for scripts.
        other = run("--data-dir", str(tmp_path / "elsewhere"), env=env)
        assert other.returncode == 1
        assert "--data-dir not applied" in other.stderr and "quit it first" in other.stderr
        assert first.poll() is None
    finally:
        end_with(first, signal.SIGTERM)
    assert first.returncode == 143


def test_self_test_captions_the_bundled_clip_through_the_real_pipeline() -> None:
    result = run("--self-test")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "self-test: PASS" in result.stdout
    assert "young man" in result.stdout  # the clip's last words reached the overlay
