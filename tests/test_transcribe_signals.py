"""``captioner transcribe`` stopped by a signal, or ending with turns missing.

Run as a user runs it: a real process, a real signal, the real SDK against the fake
v3 server.  Ctrl-C, SIGTERM (``kill``, a service manager) and SIGHUP (the terminal
closed) must all end the cloud session with Terminate, keep the turns so far in the
``-o`` export and exit 128 + the signal number; a run that ends with turns missing
must never exit 0.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from captioner.cli import parse_args
from captioner.core.export import import_json
from captioner.core.transcript import TurnUpdate, Word
from captioner.engines.base import AudioSource, EngineListener, EngineState
from captioner.transcribe import run_transcribe
from tests.conftest import DATA
from tests.fakes.v3_server import FakeV3Server, Faults, TurnScript
from tests.speech import read_wav, write_wav
from tests.test_transcribe import CLIP, LINE

KEY = "test-key-signals"
SIGNALS = [signal.SIGTERM, signal.SIGHUP, signal.SIGINT]


def start_transcribe(*args: str, key: str | None = None, group: bool = False) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"  # never the user's keyring
    if key is not None:
        env["ASSEMBLYAI_API_KEY"] = key
    return subprocess.Popen(
        [sys.executable, "-m", "captioner", "transcribe", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=group,  # a process group of its own, as a terminal's job
    )


def three_cards(tmp_path: Path) -> Path:
    """Three utterances with 1 s pauses between and after them, as a WAV file."""
    pause = b"\x00\x00" * 16000
    cards = [read_wav(DATA / "pocketsphinx" / f"cards-00{i}.wav") for i in (1, 2, 3)]
    return write_wav(tmp_path / "three.wav", pause.join(cards) + pause)


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen]]:
    """Every process a test starts is ended and waited for, its pipes closed."""
    started: list[subprocess.Popen] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


@pytest.mark.slow
@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_a_signal_terminates_the_cloud_session_and_keeps_the_export(
    tmp_path: Path, processes: list[subprocess.Popen], signum: int
) -> None:
    out = tmp_path / "so-far.json"
    script = TurnScript.from_text("and mister john dashwood. had then leisure to consider")
    with FakeV3Server(api_key=KEY, script=script, ms_per_word=250) as server:
        proc = start_transcribe(
            *(str(CLIP), "--engine", "assemblyai", "--api-host", server.url, "-o", str(out)),
            key=KEY,
        )
        processes.append(proc)
        first = proc.stdout.readline()  # the first finished turn has been printed
        assert LINE.match(first.strip()), first + proc.stderr.read()
        proc.send_signal(signum)
        rest, err = proc.communicate(timeout=30)
        session = server.sessions[0]
    assert proc.returncode == 128 + signum, err
    assert session.terminate_received and session.termination_sent
    assert session.audio_ms_received < 6000  # it stopped on the signal, not at the end
    assert signal.Signals(signum).name in err and str(out) in err
    assert "Traceback" not in err and KEY not in err
    _, turns = import_json(out)
    assert turns[0].text == "And mister john dashwood."
    printed = [LINE.match(line).group(4) for line in (first + rest).splitlines()]
    assert [t.text for t in turns][: len(printed)] == printed


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_stops_the_offline_engine_and_keeps_the_export(
    tmp_path: Path, processes: list[subprocess.Popen], signum: int
) -> None:
    # Three utterances with pauses between them, paced at real time: the signal
    # arrives after the first is printed, long before the last is spoken.
    wav, out = three_cards(tmp_path), tmp_path / "so-far.srt"
    proc = start_transcribe(str(wav), "--engine", "offline", "--realtime", "-o", str(out))
    processes.append(proc)
    first = proc.stdout.readline()
    assert LINE.match(first.strip()), first + proc.stderr.read()
    proc.send_signal(signum)
    rest, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signum, err
    assert "Traceback" not in err
    printed = [LINE.match(line).group(4) for line in (first + rest).splitlines()]
    exported = out.read_text(encoding="utf-8")
    assert all(text in exported for text in printed)
    assert len(printed) < 3  # cut short: the third utterance was never reached


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_to_the_whole_group_still_finishes_the_line_in_progress(
    tmp_path: Path, processes: list[subprocess.Popen], signum: int
) -> None:
    # A closed terminal, `timeout` or a service manager signals every process of the
    # group: the recognisers died of it first, the line being spoken was lost and the
    # run said the recogniser had failed.
    wav, out = three_cards(tmp_path), tmp_path / "so-far.srt"
    proc = start_transcribe(
        str(wav), "--engine", "offline", "--realtime", "-o", str(out), group=True
    )
    processes.append(proc)
    first = proc.stdout.readline()  # the first card is finished; the pause, then the second
    assert LINE.match(first.strip()), first + proc.stderr.read()
    time.sleep(2.0)  # into the second card, long before its end
    os.killpg(proc.pid, signum)
    rest, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signum, err
    assert "failed" not in err and "Traceback" not in err, err
    printed = [LINE.match(line).group(4) for line in (first + rest).splitlines()]
    assert len(printed) == 2, printed  # the line in progress was finished and printed
    exported = out.read_text(encoding="utf-8")
    assert all(text in exported for text in printed)


@pytest.mark.slow
def test_speech_lost_for_good_is_not_a_success(
    tmp_path: Path, processes: list[subprocess.Popen]
) -> None:
    # The session goes quiet after the first turn (connected, sending nothing), and
    # every connection that would replace it or redo the gap is refused: the speech
    # after the first turn is lost for good, and the run must say so.
    out = tmp_path / "partial.json"
    script = TurnScript.from_text("and mister john dashwood. had then leisure to consider")

    def faults(index: int) -> Faults:
        return Faults(mute_after_ms=1500) if index == 0 else Faults(reject_status=503)

    with FakeV3Server(api_key=KEY, script=script, ms_per_word=250, faults=faults) as server:
        proc = start_transcribe(
            *(str(CLIP), "--engine", "assemblyai", "--api-host", server.url, "-o", str(out)),
            key=KEY,
        )
        processes.append(proc)
        _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err
    assert "captioner: " in err and "Traceback" not in err
    _, turns = import_json(out)  # what was heard before the gap is kept
    assert turns[0].text == "And mister john dashwood."


class HalfwayEngine:
    """An engine whose reader dies halfway through the file without a word of error:
    a turn is left in progress and the rest of the file is never read."""

    name = "offline"

    def __init__(self, listener: EngineListener, **_options: object) -> None:
        self._listener = listener

    def start(self, source: AudioSource) -> None:
        source.open()
        for _ in range(40):  # 2 s of the file
            source.read(timeout=1.0)
        source.close()
        word = Word("mister", 300, 700)
        self._listener.on_partial(TurnUpdate("halfway:0", 0, "and mister", (word,), False))
        self._listener.on_state(EngineState.STOPPED, "")

    def stop(self) -> None:
        pass

    def join(self, timeout: float | None = None) -> bool:
        return True


def test_a_run_that_stops_short_without_an_error_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import captioner.engines.offline

    monkeypatch.setattr(captioner.engines.offline, "OfflineEngine", HalfwayEngine)
    out = tmp_path / "short.json"
    args = parse_args(["transcribe", str(CLIP), "--engine", "offline", "-o", str(out)])
    assert run_transcribe(args, io.StringIO()) == 1
    err = capsys.readouterr().err
    assert "before the end of the file" in err and "00:00:02.000" in err
    assert "never finished" in err and "and mister" in err
    _, turns = import_json(out)
    assert [t.text for t in turns] == ["and mister"]  # kept as it stood


def test_format_without_an_output_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["transcribe", str(CLIP), "--format", "srt"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "--format srt needs -o OUT" in err
