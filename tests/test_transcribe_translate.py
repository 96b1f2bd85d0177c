"""``captioner transcribe --translate LANG``: translations printed and exported, labels revised."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import srt

from captioner.cli import parse_args
from captioner.core.export import import_json
from captioner.transcribe import run_transcribe
from tests.fakes.v3_extras import Extras, Gateway
from tests.fakes.v3_server import FakeV3Server, ScriptTurn, TurnScript
from tests.test_transcribe import CLIP, transcribe

KEY = "test-key-translate"
SCRIPT = TurnScript(
    [
        ScriptTurn(["and", "mister", "john", "dashwood"], "And Mister John Dashwood.", "A"),
        ScriptTurn(
            ["had", "then", "leisure", "to", "consider"], "Had then leisure to consider.", "A"
        ),
    ]
)


def run_cloud(monkeypatch: pytest.MonkeyPatch, url: str, *extra: str) -> tuple[int, str]:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    args = parse_args(
        ["transcribe", str(CLIP), "--engine", "assemblyai", "--api-host", url, *extra]
    )
    out = io.StringIO()
    code = run_transcribe(args, out)
    return code, out.getvalue()


def test_translate_prints_each_translation_under_its_line_and_exports_bilingual_srt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "talk.srt"
    # Turn 0's translation comes after turn 1's: the printout still pairs them.
    extras = Extras(gateway=Gateway(delays_s=(2.5, 0.05)))
    with FakeV3Server(api_key=KEY, script=SCRIPT, extras=extras, ms_per_word=250) as server:
        code, printed = run_cloud(monkeypatch, server.url, "--translate", "fr", "-o", str(out))
        gateway = server.sessions[0].llm_gateway
    assert code == 0, printed
    assert gateway is not None and "French" in gateway["messages"][0]["content"]
    lines = printed.splitlines()
    assert lines[0].endswith("And Mister John Dashwood.")
    assert lines[1].strip() == "(fr) [fr] And Mister John Dashwood."
    assert lines[2].endswith("Had then leisure to consider.")
    assert lines[3].strip() == "(fr) [fr] Had then leisure to consider."
    cues = list(srt.parse(out.read_text(encoding="utf-8")))
    assert cues[0].content.splitlines()[-1] == "[fr] And Mister John Dashwood."


def test_exports_carry_translations_and_revised_labels_like_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "talk.json"
    extras = Extras(revisions=[(3500.0, {0: "B"})])
    with FakeV3Server(api_key=KEY, script=SCRIPT, extras=extras, ms_per_word=250) as server:
        code, printed = run_cloud(
            monkeypatch, server.url, "--translate", "French", "--max-speakers", "2", "-o", str(out)
        )
        query = server.sessions[0].query
    assert code == 0, printed
    assert query["speaker_labels"] == "True" and query["max_speakers"] == "2"
    info, turns = import_json(out)
    assert [t.speaker for t in turns] == ["B", "A"]  # turn 0 revised after it was printed
    assert {w.speaker for w in turns[0].words} == {"B"}
    assert [t.translation.text for t in turns if t.translation] == [
        "[fr] And Mister John Dashwood.",
        "[fr] Had then leisure to consider.",
    ]
    assert info is not None and info.settings["translate_to"] == "French"
    assert KEY not in json.dumps(info.to_dict())


def test_separate_subtitles_write_the_translation_beside_the_original(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "talk.vtt"
    with FakeV3Server(api_key=KEY, script=SCRIPT, ms_per_word=250) as server:
        code, _ = run_cloud(
            monkeypatch, server.url, "--translate", "fr", "--subtitles", "separate", "-o", str(out)
        )
    assert code == 0
    assert "[fr]" not in out.read_text(encoding="utf-8")
    assert "[fr] Had then leisure to consider." in (tmp_path / "talk.fr.vtt").read_text(
        encoding="utf-8"
    )


def test_offline_engine_with_translate_is_a_clear_error() -> None:
    result = transcribe(str(CLIP), "--engine", "offline", "--translate", "fr")
    assert result.returncode == 2
    assert "translation needs the cloud engine" in result.stderr
    assert result.stdout == ""


def test_bad_cloud_options_exit_2_before_connecting(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeV3Server(api_key=KEY, script=SCRIPT) as server:
        with pytest.raises(SystemExit) as exited:  # refused by the parser now
            run_cloud(monkeypatch, server.url, "--max-speakers", "11")
        assert server.sessions == []
    assert exited.value.code == 2


def test_printed_translations_are_masked_like_the_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The word list is English; a translation that keeps an English swear word
    # is masked in the printout as in the export (the filter is on by default).
    extras = Extras(gateway=Gateway(translate=lambda text: "[fr] " + text + " shit"))
    with FakeV3Server(api_key=KEY, script=SCRIPT, extras=extras, ms_per_word=250) as server:
        code, printed = run_cloud(monkeypatch, server.url, "--translate", "fr")
    assert code == 0, printed
    translations = [line.strip() for line in printed.splitlines() if "(fr)" in line]
    assert len(translations) == 2
    assert all("shit" not in line and "s***" in line for line in translations), translations
