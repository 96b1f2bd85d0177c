"""``captioner transcribe``: printed lines and ``-o`` exports go through the profanity filter."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import srt

from captioner.cli import parse_args
from captioner.core.export import import_json
from captioner.core.transcript import TurnUpdate, Word
from captioner.engines.base import AudioSource, EngineListener, EngineState
from captioner.transcribe import run_transcribe
from tests.fakes.v3_server import FakeV3Server, TurnScript
from tests.test_transcribe import CLIP, LINE

KEY = "test-key-transcribe-profanity"


def printed(out: io.StringIO) -> list[str]:
    return [LINE.match(line).group(4) for line in out.getvalue().splitlines()]


class HallucinatingOfflineEngine:
    """Stands in for PocketSphinx on unclear audio: lowercase words, one of them profane."""

    name = "offline"

    def __init__(self, listener: EngineListener, **_options: object) -> None:
        self._listener = listener  # realtime, the user's names: what the registry passes

    def start(self, source: AudioSource) -> None:
        # Reads the file to its end as a real engine does (transcribe checks that).
        source.open()
        while source.read(timeout=1.0) != b"":
            pass
        source.close()
        text = "the fucking class began"
        words = tuple(Word(w, 300 + i * 400, 600 + i * 400) for i, w in enumerate(text.split()))
        self._listener.on_final(TurnUpdate("offline-1:0", 0, text, words, end_of_turn=True))
        self._listener.on_state(EngineState.STOPPED, "")

    def stop(self) -> None:
        pass

    def join(self, timeout: float | None = None) -> bool:
        return True


@pytest.mark.parametrize(
    ("flag", "expected"),
    [
        ((), ["Oh s***.", "What the f*** is this class?"]),  # on by default, like the app
        (("--no-profanity-filter",), ["Oh shit.", "What the fuck is this class?"]),
    ],
)
def test_cloud_lines_and_export_follow_the_filter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flag: tuple[str, ...], expected: list[str]
) -> None:
    script = TurnScript.from_text("oh shit. what the fuck is this class?")
    out_file = tmp_path / "cloud.json"
    with FakeV3Server(api_key=KEY, script=script, ms_per_word=200) as server:
        args = parse_args(
            [
                *("transcribe", str(CLIP), "--engine", "assemblyai"),
                *("--api-host", server.url, "-o", str(out_file), *flag),
            ]
        )
        monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
        out = io.StringIO()
        assert run_transcribe(args, out) == 0
    assert printed(out) == expected
    _info, turns = import_json(out_file)
    assert [t.text for t in turns] == expected
    assert [w.text for w in turns[0].words] == expected[0].split()


def test_offline_lines_and_subtitles_are_masked_with_the_same_timing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import captioner.engines.offline

    monkeypatch.setattr(captioner.engines.offline, "OfflineEngine", HallucinatingOfflineEngine)
    cues = {}
    for name, flag in (("masked", ()), ("raw", ("--no-profanity-filter",))):
        out_file = tmp_path / f"{name}.srt"
        args = parse_args(
            ["transcribe", str(CLIP), "--engine", "offline", "-o", str(out_file), *flag]
        )
        out = io.StringIO()
        assert run_transcribe(args, out) == 0
        cues[name] = list(srt.parse(out_file.read_text(encoding="utf-8")))
        expected = "the f****** class began" if name == "masked" else "the fucking class began"
        assert printed(out) == [expected]
        assert [c.content for c in cues[name]] == [expected]
    assert [(c.start, c.end) for c in cues["masked"]] == [(c.start, c.end) for c in cues["raw"]]
