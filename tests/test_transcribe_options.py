"""``captioner transcribe``'s session options (issue 15.3 headless): sent, recorded, checked.

``--voice-focus``, ``--redact-pii`` (policies, substitution), ``--domain``
and ``--inactivity-timeout`` reach the fake v3 server as connect parameters,
the ``-o`` export records them (a reader must know the text was redacted),
and values the service would refuse stop the run before any audio is sent.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from captioner.cli import parse_args
from captioner.core.export import import_json
from captioner.transcribe import run_transcribe
from tests.fakes.v3_server import FakeV3Server, ScriptTurn, TurnScript
from tests.test_transcribe import CLIP

KEY = "test-key-session-options"
SCRIPT = TurnScript([ScriptTurn(["and", "mister", "john"], "And Mister John.")])


def run(monkeypatch: pytest.MonkeyPatch, url: str, *extra: str) -> int:
    monkeypatch.delenv("CAPTIONER_TOKEN_URL", raising=False)
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    args = parse_args(
        ["transcribe", str(CLIP), "--engine", "assemblyai", "--api-host", url, *extra]
    )
    return run_transcribe(args, io.StringIO())


def test_session_options_are_sent_and_recorded_in_the_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "talk.json"
    with FakeV3Server(api_key=KEY, script=SCRIPT, ms_per_word=200) as server:
        code = run(
            monkeypatch,
            server.url,
            *("--voice-focus", "far-field", "--voice-focus-threshold", "0.4"),
            *("--redact-pii", "--redact-pii-policies", "person_name, phone_number"),
            *("--redact-pii-sub", "entity_name", "--domain", "medical-v1"),
            *("--inactivity-timeout", "30", "-o", str(out)),
        )
        query = server.sessions[0].query
    assert code == 0, capsys.readouterr().err
    assert query["voice_focus"] == "far-field"
    assert float(query["voice_focus_threshold"]) == 0.4
    assert query["redact_pii"] == "True"
    assert "person_name" in query["redact_pii_policies"]
    assert "phone_number" in query["redact_pii_policies"]
    assert query["redact_pii_sub"] == "entity_name"
    assert query["domain"] == "medical-v1"
    assert query["inactivity_timeout"] == "30"
    info, _turns = import_json(out)
    assert info is not None
    assert info.settings["redact_pii"] is True
    assert info.settings["redact_pii_policies"] == ["person_name", "phone_number"]
    assert info.settings["voice_focus"] == "far-field"
    assert info.settings["domain"] == "medical-v1"
    assert info.settings["inactivity_timeout_s"] == 30


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--voice-focus", "middle"), "invalid choice: 'middle'"),
        (("--voice-focus", "near-field", "--voice-focus-threshold", "1.5"), "from 0.0 to 1.0"),
        (("--inactivity-timeout", "2"), "must be from 5 to 3600 seconds"),
        (("--inactivity-timeout", "soon"), "expected a number, not 'soon'"),
        (("--domain", "legal"), "invalid choice: 'legal'"),
        (("--redact-pii-sub", "stars"), "invalid choice: 'stars'"),
        (("--max-speakers", "0"), "--max-speakers: must be from 1 to 10, not 0"),
        (("--max-speakers", "11"), "--max-speakers: must be from 1 to 10, not 11"),
        (("--translate", ""), "--translate: must name a language"),
        (("--translate", "  "), "--translate: must name a language"),
    ],
)
def test_impossible_values_are_argparse_errors(
    options: tuple[str, ...], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_args(["transcribe", str(CLIP), "--engine", "assemblyai", *options])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--voice-focus-threshold", "0.5"), "needs voice focus"),
        (("--redact-pii", "--redact-pii-policies", "shoe_size"), "shoe_size"),
        (("--redact-pii-sub", "hash"), "need --redact-pii"),
    ],
)
def test_options_that_cannot_be_sent_stop_the_run_before_any_audio(
    options: tuple[str, ...],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with FakeV3Server(api_key=KEY, script=SCRIPT) as server:
        code = run(monkeypatch, server.url, *options)
        sessions = len(server.sessions)
    assert code == 2 and sessions == 0
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--max-speakers", "0"), "--max-speakers: must be from 1 to 10, not 0"),
        (("--translate", ""), "--translate: must name a language"),
        (("--prompt", ""), "--prompt needs the cloud engine"),
    ],
)
def test_empty_or_impossible_cloud_options_with_the_offline_engine_are_refused(
    options: tuple[str, ...], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # They passed silently: the user believed speakers limited or text translated.
    argv = ["transcribe", str(CLIP), "--engine", "offline", *options]
    try:
        code = run_transcribe(parse_args(argv), io.StringIO())
    except SystemExit as exited:
        code = exited.code
    assert code == 2
    assert message in capsys.readouterr().err


def test_session_options_with_the_offline_engine_are_an_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = parse_args(
        ["transcribe", str(CLIP), "--engine", "offline", "--redact-pii", "--domain", "medical-v1"]
    )
    assert run_transcribe(args, io.StringIO()) == 2
    assert "--redact-pii, --domain need the cloud engine" in capsys.readouterr().err


def test_key_terms_with_the_offline_engine_are_written_as_given() -> None:
    # The offline engine cannot listen for them, but a name it hears in lower case
    # ("dashwood", in no word list) is written as the user typed it.
    out = io.StringIO()
    args = parse_args(
        ["transcribe", str(CLIP), "--engine", "offline", "--keyterms", "Dashwood, iPhone"]
    )
    assert run_transcribe(args, out) == 0
    assert "Mr John Dashwood" in out.getvalue()
    plain = io.StringIO()
    assert run_transcribe(parse_args(["transcribe", str(CLIP), "--engine", "offline"]), plain) == 0
    assert "Mr John dashwood" in plain.getvalue()
