"""Issue 15.5: a token URL instead of a stored key.

A local HTTP endpoint hands out temporary tokens; the fake v3 server accepts
only those (the key it knows is never sent).  Every connection of a run gets
a token of its own, including a reconnect after a drop; an endpoint that
refuses, is unreachable, or answers something that is not a token ends a
start with a plain message, and mid-run is retried like a dropped connection.
"""

from __future__ import annotations

import socket
from collections.abc import Container

import pytest

from captioner.engines.assemblyai import AssemblyAIEngine
from captioner.engines.assemblyai.token_source import TokenError, fetch_token
from captioner.engines.base import ErrorKind
from tests.engines.resilience_harness import SCRIPT, CodedSource, fast_config
from tests.fakes.token_endpoint import TokenEndpoint
from tests.fakes.v3_server import FakeV3Server, Faults
from tests.recording import RecordingListener

SERVER_KEY = "the-organisation-key-never-on-the-laptop"


def _run(
    endpoint: TokenEndpoint,
    *,
    faults=None,
    chunks: int = 40,
    url: str | None = None,
    accepted: Container[str] | None = None,
):
    """A run authorised by ``endpoint``'s tokens; the service takes those in ``accepted``
    (default: every token the endpoint issued)."""
    tokens = endpoint.issued if accepted is None else accepted
    with FakeV3Server(SERVER_KEY, SCRIPT, faults, ms_per_word=200, tokens=tokens) as server:
        listener = RecordingListener()
        config = fast_config(
            server.url, api_key="", token_url=url or endpoint.url, provisional_offline=False
        )
        engine = AssemblyAIEngine(listener, config)
        engine.start(CodedSource(chunks))
        listener.wait_stopped()
        assert engine.join(5)
        sessions = server.sessions
    return listener, sessions


def test_each_connection_gets_its_own_token_and_no_key_is_needed() -> None:
    with TokenEndpoint() as endpoint:
        listener, sessions = _run(endpoint, faults=[Faults(drop_after_ms=1000), Faults()])
        issued = set(endpoint.issued)
        asked = len(endpoint.requests)
    assert listener.errors == []
    assert listener.finals, "captions came through the token-authorised sessions"
    assert len(sessions) >= 2  # the drop was reconnected
    tokens = [s.authorization for s in sessions]
    assert all(t in issued for t in tokens)
    assert len(set(tokens)) == len(sessions) == asked  # one token per session, reconnect too
    assert SERVER_KEY not in tokens


@pytest.mark.parametrize(
    ("answer", "words", "kind"),
    [
        ((401, b'{"error": "not allowed"}'), "HTTP 401", ErrorKind.AUTH),
        ((500, b"oops"), "HTTP 500", ErrorKind.NETWORK),
        ((200, b"<html>Sign in to the Wi-Fi</html>"), "not JSON", ErrorKind.NETWORK),
        ((200, b'{"access": "abc"}'), 'no "token"', ErrorKind.NETWORK),
        ((200, b'{"token": ""}'), 'no "token"', ErrorKind.NETWORK),
        ("close", "cannot reach", ErrorKind.NETWORK),
    ],
)
def test_a_failed_token_request_stops_the_start_with_a_plain_message(
    answer, words: str, kind: ErrorKind
) -> None:
    with TokenEndpoint([answer]) as endpoint:
        listener, sessions = _run(endpoint)
    assert sessions == []  # nothing reached the service
    assert len(listener.errors) == 1
    error = listener.errors[0]
    assert error.kind is kind
    assert "token URL" in error.message and words in error.message
    assert "API key" not in error.message  # it is not the AssemblyAI key that failed


def test_an_unreachable_token_url_is_named() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    with TokenEndpoint() as endpoint:
        listener, _sessions = _run(endpoint, url=f"http://127.0.0.1:{port}/token")
    assert [e.kind for e in listener.errors] == [ErrorKind.NETWORK]
    assert "cannot reach" in listener.errors[0].message


def test_a_token_failure_mid_run_is_retried_like_a_drop() -> None:
    """The first reconnect finds the endpoint down (503); the next attempt gets a token."""
    with TokenEndpoint(["token", (503, b"busy"), "token"]) as endpoint:
        listener, sessions = _run(endpoint, faults=[Faults(drop_after_ms=800), Faults()], chunks=50)
        asked = len(endpoint.requests)
    assert listener.errors == []
    assert asked >= 3 and len(sessions) == asked - 1
    assert sessions[-1].began and sessions[-1].terminate_received


def test_a_refusal_mid_run_ends_it() -> None:
    with TokenEndpoint(["token", (403, b"revoked")]) as endpoint:
        listener, sessions = _run(endpoint, faults=[Faults(drop_after_ms=800), Faults()], chunks=60)
    assert len(sessions) == 1
    assert [e.kind for e in listener.errors] == [ErrorKind.AUTH]
    assert "HTTP 403" in listener.errors[0].message


def test_the_token_is_what_the_endpoint_answered() -> None:
    with TokenEndpoint() as endpoint:
        token = fetch_token(endpoint.url, timeout_s=5)
        assert token in endpoint.issued
        assert endpoint.requests[0]["Accept"] == "application/json"
    with TokenEndpoint([(200, b"[1, 2]")]) as endpoint, pytest.raises(TokenError) as caught:
        fetch_token(endpoint.url, timeout_s=5)
    assert not caught.value.refused


def assert_token_refusal(error) -> None:
    """The user is told the token was refused and where to look, not about a key they lack."""
    assert error.kind is ErrorKind.AUTH
    assert "refused the streaming token from the token URL" in error.message
    assert "Settings ▸ AssemblyAI ▸ Token URL" in error.message
    assert "token service" in error.message
    assert "key" not in error.message.lower()


def test_a_token_the_service_refuses_at_start_is_named_not_a_key() -> None:
    with TokenEndpoint() as endpoint:
        listener, sessions = _run(endpoint, accepted=frozenset())  # the service takes none
    assert [s.rejected_status for s in sessions] == [401]  # one try: a refusal is not retried
    assert len(listener.errors) == 1
    assert_token_refusal(listener.errors[0])
    assert "401" in listener.errors[0].detail


def test_a_token_refused_at_a_reconnect_is_named_not_a_key() -> None:
    """The first token works; after a drop, the service refuses the next one."""
    with TokenEndpoint() as endpoint:
        listener, sessions = _run(
            endpoint,
            faults=[Faults(drop_after_ms=800), Faults()],
            chunks=60,
            accepted=frozenset({"temp-token-1"}),
        )
    assert sessions[0].began and sessions[1].rejected_status == 401
    assert [e.kind for e in listener.errors] == [ErrorKind.AUTH]
    assert_token_refusal(listener.errors[0])


def test_a_session_closed_for_its_token_mid_run_is_named_not_a_key() -> None:
    faults = Faults(close_after_ms=(800, 1008, "Unauthorized: invalid token"))
    with TokenEndpoint() as endpoint:
        listener, sessions = _run(endpoint, faults=faults, chunks=60)
    assert len(sessions) == 1 and sessions[0].began  # not retried: a refusal stops the run
    assert [e.kind for e in listener.errors] == [ErrorKind.AUTH]
    assert_token_refusal(listener.errors[0])
    assert "invalid token" in listener.errors[0].message
