"""``captioner transcribe FILE -o OUT``: the recognised turns, exported in every format."""

from __future__ import annotations

import io
import math
import os
import stat
import struct
import time
import wave
from pathlib import Path

import jiwer
import pytest
import srt
import webvtt

from captioner.cli import parse_args
from captioner.core.export import import_json
from captioner.transcribe import run_transcribe
from tests.conftest import reference_text
from tests.fakes.v3_server import FakeV3Server, TurnScript
from tests.test_transcribe import CLIP, LINE, transcribe


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    path = tmp_path / "out"
    path.mkdir()
    return path


def test_offline_run_exports_json_with_session_and_word_timings(out_dir: Path) -> None:
    out = out_dir / "clip.json"
    result = transcribe(str(CLIP), "--engine", "offline", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert all(LINE.match(line) for line in result.stdout.strip().splitlines())  # still printed
    info, turns = import_json(out)
    assert info is not None and info.engine == "offline" and info.source == CLIP.name
    assert info.duration_ms == pytest.approx(7100, abs=20)
    assert turns and all(t.words for t in turns)
    heard = " ".join(t.text for t in turns)
    reference = reference_text(CLIP)
    assert jiwer.process_words(reference, heard).hits >= 0.6 * len(reference.split())
    printed = " ".join(LINE.match(line).group(4) for line in result.stdout.strip().splitlines())
    assert heard == printed


@pytest.mark.parametrize("fmt", ["srt", "vtt", "txt", "md"])
def test_each_format_from_the_extension(out_dir: Path, fmt: str) -> None:
    out = out_dir / f"clip.{fmt}"
    args = parse_args(["transcribe", str(CLIP), "--engine", "offline", "-o", str(out)])
    assert run_transcribe(args, io.StringIO()) == 0
    text = out.read_text(encoding="utf-8")
    if fmt == "srt":
        subs = list(srt.parse(text))
        assert subs and subs[0].start.total_seconds() == pytest.approx(0.27, abs=0.2)
        assert subs[-1].end.total_seconds() <= 7.2
    elif fmt == "vtt":
        assert list(webvtt.from_string(text))
    elif fmt == "txt":
        assert text.startswith("[00:00:00] ")
    else:
        assert text.startswith("# Transcript\n") and CLIP.name in text


def test_explicit_format_wins_over_the_extension(out_dir: Path) -> None:
    out = out_dir / "captions.out"
    args = parse_args(
        ["transcribe", str(CLIP), "--engine", "offline", "-o", str(out), "--format", "vtt"]
    )
    assert run_transcribe(args, io.StringIO()) == 0
    assert out.read_text(encoding="utf-8").startswith("WEBVTT")


def test_an_unwritable_output_exits_2_before_any_recognition(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    started = time.monotonic()
    result = transcribe(str(CLIP), "--engine", "offline", "-o", str(blocker / "out.srt"))
    assert result.returncode == 2
    assert "Could not write" in result.stderr and str(blocker / "out.srt") in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""  # told before transcribing, not after
    assert time.monotonic() - started < 15


def test_an_unknown_extension_exits_2_with_the_choices(out_dir: Path) -> None:
    result = transcribe(str(CLIP), "--engine", "offline", "-o", str(out_dir / "out.docx"))
    assert result.returncode == 2 and ".srt" in result.stderr and result.stdout == ""
    assert list(out_dir.iterdir()) == []


def test_cloud_export_uses_the_formatted_text_and_records_the_settings(
    out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "test-key-export"
    script = TurnScript.from_text("and mister john dashwood. had then leisure to consider")
    out = out_dir / "cloud.json"
    with FakeV3Server(api_key=key, script=script, ms_per_word=250) as server:
        args = parse_args(
            [
                *("transcribe", str(CLIP), "--engine", "assemblyai"),
                *("--api-host", server.url, "-o", str(out)),
            ]
        )
        monkeypatch.setenv("ASSEMBLYAI_API_KEY", key)
        assert run_transcribe(args, io.StringIO()) == 0
    info, turns = import_json(out)
    assert [t.text for t in turns] == ["And mister john dashwood.", "Had then leisure to consider."]
    assert all(t.formatted for t in turns)
    assert info is not None and info.engine == "assemblyai"
    # What was asked, and what the service said it ran (Begin.configuration), as the app records.
    assert set(info.settings) == {"speech_model", "format_turns", "model_in_use", "mode_in_use"}
    assert info.settings["model_in_use"] == info.settings["speech_model"]
    assert key not in out.read_text(encoding="utf-8")


# -o never destroys anything (issue 12 item 6): each case exits 2 before recognition.


def _refused(*args: str) -> None:
    """Run ``transcribe`` in-process; it must refuse with exit 2 and print nothing."""
    out = io.StringIO()
    parsed = parse_args(["transcribe", *args])
    assert run_transcribe(parsed, out) == 2
    assert out.getvalue() == ""  # refused before any recognition


def test_o_onto_the_input_wav_is_refused_even_with_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wav = tmp_path / "talk.wav"
    wav.write_bytes(CLIP.read_bytes())
    link = tmp_path / "talk-link.wav"
    os.link(wav, link)  # a hard link to the input is the input too
    for output in (wav, link):
        _refused(str(wav), "--engine", "offline", "-o", str(output), "--format", "txt", "--force")
        assert "input file" in capsys.readouterr().err
    assert wav.read_bytes() == CLIP.read_bytes()


def test_an_existing_output_needs_force(out_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = out_dir / "clip.txt"
    out.write_text("yesterday's transcript")
    _refused(str(CLIP), "--engine", "offline", "-o", str(out))
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err
    assert out.read_text() == "yesterday's transcript"
    args = parse_args(["transcribe", str(CLIP), "--engine", "offline", "-o", str(out), "--force"])
    assert run_transcribe(args, io.StringIO()) == 0
    assert out.read_text(encoding="utf-8").startswith("[00:00:00] ")


def test_a_symlink_or_fifo_output_is_never_replaced(
    out_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = out_dir / "real.txt"
    real.write_text("linked document")
    link = out_dir / "link.txt"
    link.symlink_to(real)
    fifo = out_dir / "pipe.txt"  # a FIFO stands in for a device node
    os.mkfifo(fifo)
    _refused(str(CLIP), "--engine", "offline", "-o", str(link), "--force")
    assert "symbolic link" in capsys.readouterr().err
    _refused(str(CLIP), "--engine", "offline", "-o", str(fifo), "--force")
    assert "not a regular file" in capsys.readouterr().err
    assert link.is_symlink() and real.read_text() == "linked document"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def short_header_wav(path: Path, seconds: int = 1) -> None:
    """A tone whose header claims half the audio that is there (also used by the GUI test)."""
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 16000)))
        for i in range(16000 * seconds)
    )
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(frames)
    data = bytearray(path.read_bytes())
    at = data.index(b"data")
    data[at + 4 : at + 8] = struct.pack("<I", len(frames) // 2)
    path.write_bytes(bytes(data))


def test_a_damaged_header_warning_is_printed_once(tmp_path: Path) -> None:
    wav = tmp_path / "short-header.wav"
    short_header_wav(wav)
    result = transcribe(str(wav), "--engine", "offline")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("header gives") == 1, result.stderr
    assert "captioner: warning: the file's header gives 16,000 bytes" in result.stderr


def test_an_existing_translation_track_is_refused_before_recognition(
    out_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = out_dir / "talk.srt"
    track = out_dir / "talk.fr.srt"
    track.write_text("an earlier French track")
    _refused(
        str(CLIP), "--engine", "assemblyai", "--translate", "fr", "--subtitles", "separate",
        "-o", str(out),
    )  # fmt: skip
    err = capsys.readouterr().err
    assert "talk.fr.srt" in err and "--force" in err
    assert track.read_text() == "an earlier French track" and not out.exists()


def test_a_run_refused_before_any_turn_leaves_the_output_file_alone(
    out_dir: Path, monkeypatch, capsys
) -> None:
    # A wrong key with --force replaced the user's transcript with an empty file; without
    # --force the empty file blocked the retry ("already exists").
    kept, fresh = out_dir / "minutes.txt", out_dir / "retry.txt"
    kept.write_text("precious\n")
    with FakeV3Server(api_key="the-right-key") as server:
        monkeypatch.setenv("ASSEMBLYAI_API_KEY", "a-wrong-key-0123456789abcdef0123")
        for out, force in ((kept, ("--force",)), (fresh, ())):
            args = parse_args(
                [
                    *("transcribe", str(CLIP), "--engine", "assemblyai"),
                    *("--api-host", server.url, "-o", str(out), *force),
                ]
            )
            assert run_transcribe(args, io.StringIO()) == 1
    assert kept.read_text() == "precious\n" and not fresh.exists()
    assert "Nothing was written to" in capsys.readouterr().err


def test_the_keyring_is_read_once_for_the_cloud_and_never_for_offline(
    out_dir: Path, monkeypatch
) -> None:
    # A keyring read can wait on D-Bus or raise an unlock prompt: an explicitly offline,
    # display-less run read it anyway, and a cloud run read it three times.
    import keyring
    from keyring.backend import KeyringBackend

    reads: list[str] = []

    class Counting(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            reads.append(username)
            return None

        def set_password(self, service: str, username: str, password: str) -> None:
            raise NotImplementedError

        def delete_password(self, service: str, username: str) -> None:
            raise NotImplementedError

    previous = keyring.get_keyring()
    keyring.set_keyring(Counting())
    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)
    try:
        args = parse_args(["transcribe", str(CLIP), "--engine", "offline"])
        assert run_transcribe(args, io.StringIO()) == 0
        assert reads == []
        args = parse_args(["transcribe", str(CLIP), "--engine", "assemblyai"])
        assert run_transcribe(args, io.StringIO()) == 1  # no key anywhere: said
        assert len(reads) == 1
    finally:
        keyring.set_keyring(previous)
