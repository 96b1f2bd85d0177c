"""``captioner transcribe --engine assemblyai``: no key needed, honest about the model (issue 15).

A token URL (``--token-url`` or ``$CAPTIONER_TOKEN_URL``) stands in for the
API key, as the app's setting does: a local token endpoint hands out
temporary tokens that the fake v3 server accepts instead of a key.  The
model the service says it ran (``Begin.configuration``) goes into the
``-o`` JSON export's settings as ``model_in_use``, as the app's exports
carry it, and a substitution is said once on stderr.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from captioner.cli import parse_args
from captioner.core.export import import_json
from captioner.transcribe import run_transcribe
from tests.fakes.token_endpoint import TokenEndpoint
from tests.fakes.v3_extras import Extras
from tests.fakes.v3_server import FakeV3Server, ScriptTurn, TurnScript
from tests.test_transcribe import CLIP

KEY = "test-key-token-url"  # the server's real key, which the laptop never has
SCRIPT = TurnScript(
    [
        ScriptTurn(["and", "mister", "john", "dashwood"], "And Mister John Dashwood."),
        ScriptTurn(["had", "then", "leisure"], "Had then leisure."),
    ]
)


def keyless(monkeypatch: pytest.MonkeyPatch) -> None:
    """No key anywhere: not in the environment, not in a keyring."""
    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)
    monkeypatch.delenv("CAPTIONER_TOKEN_URL", raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")


def run(server_url: str, *extra: str) -> tuple[int, str]:
    args = parse_args(
        ["transcribe", str(CLIP), "--engine", "assemblyai", "--api-host", server_url, *extra]
    )
    out = io.StringIO()
    return run_transcribe(args, out), out.getvalue()


def test_token_url_transcribes_without_a_key_and_exports_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    keyless(monkeypatch)
    out = tmp_path / "talk.json"
    with (
        TokenEndpoint() as endpoint,
        FakeV3Server(api_key=KEY, script=SCRIPT, tokens=endpoint.issued, ms_per_word=200) as server,
    ):
        code, printed = run(server.url, "--token-url", endpoint.url, "-o", str(out))
        issued = set(endpoint.issued)
        auth = [s.authorization for s in server.sessions]
    err = capsys.readouterr().err
    assert code == 0, err
    assert printed.splitlines()[0].endswith("And Mister John Dashwood.")
    assert len(auth) == 1 and auth[0] in issued  # the connection used a fetched token
    _info, turns = import_json(out)
    assert [t.text for t in turns] == ["And Mister John Dashwood.", "Had then leisure."]
    exported = out.read_text(encoding="utf-8")
    assert all(token not in exported and token not in err for token in issued)
    assert endpoint.url not in exported  # a token URL may carry a secret in its query


def test_token_url_from_the_environment_wins_over_a_stored_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    keyless(monkeypatch)
    # A key that this server does not know: were it sent, the session would be refused.
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", "0123456789abcdef0123456789abcdef")
    with (
        TokenEndpoint() as endpoint,
        FakeV3Server(api_key=KEY, script=SCRIPT, tokens=endpoint.issued, ms_per_word=200) as server,
    ):
        monkeypatch.setenv("CAPTIONER_TOKEN_URL", endpoint.url)
        code, printed = run(server.url)
        requests = len(endpoint.requests)
    assert code == 0, capsys.readouterr().err
    assert requests == 1 and "Had then leisure." in printed


def test_a_refusing_token_endpoint_is_explained(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    keyless(monkeypatch)
    with (
        TokenEndpoint([(403, b'{"error": "not you"}')]) as endpoint,
        FakeV3Server(api_key=KEY, script=SCRIPT, tokens=endpoint.issued) as server,
    ):
        code, _printed = run(server.url, "--token-url", endpoint.url)
        sessions = len(server.sessions)
    err = capsys.readouterr().err
    assert code == 1 and sessions == 0
    assert "token URL" in err and "403" in err


def test_a_plain_http_token_url_elsewhere_is_refused_before_recognition(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    keyless(monkeypatch)
    with FakeV3Server(api_key=KEY, script=SCRIPT) as server:
        code, _printed = run(server.url, "--token-url", "http://tokens.example.org/aai")
        sessions = len(server.sessions)
    assert code == 2 and sessions == 0
    assert "https://" in capsys.readouterr().err


def test_token_url_with_the_offline_engine_is_an_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    keyless(monkeypatch)
    args = parse_args(
        ["transcribe", str(CLIP), "--engine", "offline", "--token-url", "https://x.org/t"]
    )
    assert run_transcribe(args, io.StringIO()) == 2
    assert "--token-url needs the cloud engine" in capsys.readouterr().err


def test_the_model_the_service_ran_is_exported_and_said_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CAPTIONER_TOKEN_URL", raising=False)
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    out = tmp_path / "talk.json"
    extras = Extras(served_model="universal-streaming-english", served_mode="balanced")
    with FakeV3Server(api_key=KEY, script=SCRIPT, extras=extras, ms_per_word=200) as server:
        code, _printed = run(server.url, "-o", str(out))
        asked = server.sessions[0].query["speech_model"]
    err = capsys.readouterr().err
    assert code == 0, err
    assert asked != "universal-streaming-english"
    info, _turns = import_json(out)
    assert info is not None
    assert info.settings["speech_model"] == asked
    assert info.settings["model_in_use"] == "universal-streaming-english"
    assert info.settings["mode_in_use"] == "balanced"
    assert err.count("“universal-streaming-english” model") == 1, err
    assert "Settings" not in err  # the app's wording points at a dialog a terminal has not got


def test_the_model_asked_for_is_exported_without_a_word_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CAPTIONER_TOKEN_URL", raising=False)
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    out = tmp_path / "talk.json"
    with FakeV3Server(api_key=KEY, script=SCRIPT, ms_per_word=200) as server:
        code, _printed = run(server.url, "-o", str(out))
        asked = server.sessions[0].query["speech_model"]
    err = capsys.readouterr().err
    assert code == 0, err
    settings = json.loads(out.read_text(encoding="utf-8"))["session"]["settings"]
    assert settings["model_in_use"] == asked
    assert "model" not in err
