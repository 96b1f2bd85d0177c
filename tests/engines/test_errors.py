"""Every failure the SDK can report is told to the user in plain words."""

from __future__ import annotations

import pytest

from captioner.engines.assemblyai.errors import (
    Recovery,
    describe_drop,
    describe_error,
    recovery_for,
)
from captioner.engines.base import ErrorKind

HOST = "streaming.assemblyai.com"


@pytest.mark.parametrize("code", [401, 403, 1008, 4001])
def test_auth_failures_say_the_key_was_rejected(code: int) -> None:
    err = describe_error(code, "Unauthorized", host=HOST, connected=code > 1000)
    assert err.kind is ErrorKind.AUTH
    assert "API key rejected" in err.message


@pytest.mark.parametrize("code", [401, 403, 1008, 4001, 4003])
def test_auth_failures_with_a_token_url_say_the_token_was_refused(code: int) -> None:
    err = describe_error(code, "Unauthorized", host=HOST, connected=code > 1000, token=True)
    assert err.kind is ErrorKind.AUTH
    assert "refused the streaming token from the token URL" in err.message
    assert "Token URL" in err.message and "API key" not in err.message


@pytest.mark.parametrize(
    ("detail", "said"),
    [
        ("Unauthorized Connection: Insufficient account balance", "out of credit"),
        ("Unauthorized Connection: Too many concurrent sessions", "Too many AssemblyAI sessions"),
    ],
)
def test_account_problems_with_a_token_url_point_at_the_token_service(
    detail: str, said: str
) -> None:
    # The account behind a token URL is not the user's to top up or share out.
    err = describe_error(1008, detail, host=HOST, connected=True, token=True)
    assert err.kind is ErrorKind.LIMIT and said in err.message
    assert "token URL" in err.message and "token service" in err.message
    assert "this key" not in err.message and "dashboard" not in err.message


def test_socket_error_before_the_session_names_the_host() -> None:
    err = describe_error(
        None, "Connection failed: [Errno 111] Connection refused", host=HOST, connected=False
    )
    assert err.kind is ErrorKind.NETWORK
    assert err.message.startswith(f"Cannot reach {HOST}: [Errno 111] Connection refused")


def test_drop_after_the_session_began_is_a_lost_connection() -> None:
    err = describe_error(1006, "no close frame", host=HOST, connected=True)
    assert err.kind is ErrorKind.NETWORK and "Lost the connection" in err.message


def test_bad_chunk_sizes_are_reported_as_our_bug() -> None:
    err = describe_error(3007, "Input duration violation", host=HOST, connected=True)
    assert err.kind is ErrorKind.INTERNAL and "bug" in err.message


@pytest.mark.parametrize("code", [3009, 4002, 429])
def test_account_limits_suggest_trying_later(code: int) -> None:
    err = describe_error(code, "Too many", host=HOST, connected=code > 1000)
    assert err.kind is ErrorKind.LIMIT and "later" in err.message


def test_a_drop_is_summed_up_in_one_word_and_its_cause_kept_for_the_tooltip() -> None:
    summary, detail = describe_drop(1006, "Connection closed (code=1006)", host="127.0.0.1:40333")
    assert summary == "Reconnecting…"  # what the overlay and status line show
    assert detail == "lost the connection to 127.0.0.1:40333: Connection closed (code=1006)"


@pytest.mark.parametrize(
    ("code", "summary"),
    [(3008, "Reconnecting… (session time limit)"), (3009, "Reconnecting… (AssemblyAI is busy)")],
)
def test_a_reason_the_user_can_act_on_stays_in_the_summary(code: int, summary: str) -> None:
    said, detail = describe_drop(code, "Too many", host=HOST)
    assert said == summary
    assert "Too many" in detail


def test_an_error_keeps_the_raw_cause_apart_from_its_message() -> None:
    err = describe_error(1006, "Connection closed (code=1006)", host=HOST, connected=True)
    assert err.message == f"Lost the connection to {HOST}."
    assert err.detail == "Connection closed (code=1006)"
    refused = describe_error(
        503, "WebSocket handshake rejected (HTTP 503)", host=HOST, connected=False
    )
    assert refused.detail == "WebSocket handshake rejected (HTTP 503)"  # the code is in it already
    server = describe_error(3005, "Server error", host=HOST, connected=True)
    assert server.detail == "Server error (code 3005)"


# The texts AssemblyAI sends with its own close codes (its "Common session
# errors and closures" table), what the user must read, and what the engine does.
SERVICE_CLOSES = [
    (
        1008,
        "Unauthorized Connection: Missing Authorization header",
        ErrorKind.AUTH,
        "check the AssemblyAI key in Settings",
        Recovery.STOP,
    ),
    (
        1008,
        "Unauthorized Connection: Invalid API key",
        ErrorKind.AUTH,
        "check the AssemblyAI key in Settings",
        Recovery.STOP,
    ),
    (
        1008,
        "Unauthorized Connection: Insufficient account balance",
        ErrorKind.LIMIT,
        "out of credit",
        Recovery.STOP,
    ),
    (
        1008,
        "Unauthorized Connection: Too many concurrent sessions",
        ErrorKind.LIMIT,
        "Too many AssemblyAI sessions",
        Recovery.RETRY_LATER,
    ),
    (
        3009,
        "Unauthorized Connection: Too many concurrent sessions",
        ErrorKind.LIMIT,
        "Stop captioning on other computers",
        Recovery.RETRY_LATER,
    ),
    (1011, "Internal server error", ErrorKind.SERVER, "Press Start to try again", Recovery.RETRY),
    (
        3005,
        "Session Cancelled: An error occurred",
        ErrorKind.SERVER,
        "Press Start to try again",
        Recovery.RETRY,
    ),
    (
        3005,
        "Session Expired: Maximum session duration exceeded",
        ErrorKind.SERVER,
        "time limit",
        Recovery.RECONNECT_NOW,
    ),
    (
        3006,
        "Invalid Message Type: Foo",
        ErrorKind.INTERNAL,
        "please report it",
        Recovery.RETRY_ONCE_SLOWLY,
    ),
    (
        3007,
        "Audio Transmission Rate Exceeded: Received 12 sec. audio in 5 sec",
        ErrorKind.INTERNAL,
        "faster than real time",
        Recovery.RETRY_ONCE_SLOWLY,
    ),
    (
        3007,
        "Input duration violation: 20 ms. Expected between 50 and 1000 ms",
        ErrorKind.INTERNAL,
        "please report it",
        Recovery.RETRY_ONCE_SLOWLY,
    ),
    (
        3008,
        "Session Expired: Maximum session duration exceeded",
        ErrorKind.SERVER,
        "Press Start to begin a new session",
        Recovery.RECONNECT_NOW,
    ),
]


@pytest.mark.parametrize(("code", "text", "kind", "advice", "recovery"), SERVICE_CLOSES)
def test_each_assemblyai_close_code_says_what_happened_and_what_to_do(
    code: int, text: str, kind: ErrorKind, advice: str, recovery: Recovery
) -> None:
    err = describe_error(code, text, host=HOST, connected=True)
    assert err.kind is kind
    assert advice in err.message
    assert "AssemblyAI error:" not in err.message  # not the catch-all
    assert str(code) in err.detail  # the technical cause stays for the tooltip and the log
    assert recovery_for(code, text) is recovery


def test_a_drop_for_too_many_sessions_or_the_time_limit_says_so_whatever_the_code() -> None:
    busy, _ = describe_drop(
        1008, "Unauthorized Connection: Too many concurrent sessions", host=HOST
    )
    assert busy == "Reconnecting… (AssemblyAI is busy)"
    expired, _ = describe_drop(
        3005, "Session Expired: Maximum session duration exceeded", host=HOST
    )
    assert expired == "Reconnecting… (session time limit)"
