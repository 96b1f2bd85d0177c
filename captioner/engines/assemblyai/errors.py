"""Turn what the AssemblyAI service or SDK reports into plain words and an action.

The SDK reports every failure through its Error handler as a
``StreamingError(message, code)``, where ``code`` is an HTTP status for a
rejected handshake, a websocket close code (1006, 1008, 3005…, 4001…) for a
dropped session, or ``None`` for a socket error before any handshake.
"""

from __future__ import annotations

from dataclasses import replace
from enum import Enum

from captioner.engines.assemblyai.translation import mentions_gateway, refusal_message
from captioner.engines.base import EngineError, ErrorKind

AUTH_CODES = {401, 403, 1008, 4001, 4003}
LIMIT_CODES = {402, 429, 3009, 4002, 4102, 1013}
BAD_AUDIO_CODES = {3006, 3007, 4029, 4032, 4033, 4034}
EXPIRED_CODES = {3008, 4008, 4031}
# Retrying cannot help: the account or the request itself is the problem.
ACCOUNT_CODES = {402, 4002, 4003}
BAD_REQUEST_CODES = {400, 404, 4000, 4100, 4101}


class Recovery(Enum):
    """What the engine does after a connection failed or dropped."""

    STOP = "stop"  # report and end the run (key rejected, bad request)
    RETRY = "retry"  # reconnect with exponential backoff (network, server hiccup)
    RETRY_LATER = "retry_later"  # reconnect, but not sooner than a floor (limits)
    RETRY_ONCE_SLOWLY = "retry_once_slowly"  # our bug (3007): one slow retry, then stop
    RECONNECT_NOW = "reconnect_now"  # the session expired (3008): take a new one at once


def recovery_for(code: int | None) -> Recovery:
    """The action for a failure with this code, once a session has run.

    (Before any session began, every failure ends the start attempt: the user
    sees the reason and can press Start again.)
    """
    if code in AUTH_CODES or code in ACCOUNT_CODES or code in BAD_REQUEST_CODES:
        return Recovery.STOP
    if code in LIMIT_CODES:
        return Recovery.RETRY_LATER
    if code in BAD_AUDIO_CODES:
        return Recovery.RETRY_ONCE_SLOWLY
    if code in EXPIRED_CODES:
        return Recovery.RECONNECT_NOW
    return Recovery.RETRY


RECONNECTING = "Reconnecting…"


def describe_drop(code: int | None, message: str, *, host: str) -> tuple[str, str]:
    """``(summary, detail)`` of the status while recovering from a dropped connection.

    The summary is what a caption overlay can show without alarming anyone
    ("Reconnecting…", with a short reason only when it helps the user: the
    service is busy, the session hit its time limit); the detail is the
    technical cause for a tooltip and the log.
    """
    detail = message.strip().rstrip(".") or "connection lost"
    if code in EXPIRED_CODES:
        return (
            f"{RECONNECTING} (session time limit)",
            f"the session reached its time limit: {detail}",
        )
    if code in LIMIT_CODES:
        return f"{RECONNECTING} (AssemblyAI is busy)", f"AssemblyAI is busy: {detail}, code {code}"
    if code in BAD_AUDIO_CODES:
        return RECONNECTING, f"AssemblyAI rejected our audio: {detail}, code {code}"
    if code is None or str(code) in detail:
        return RECONNECTING, f"lost the connection to {host}: {detail}"
    return RECONNECTING, f"lost the connection to {host}: {detail}, code {code}"


def describe_error(code: int | None, message: str, *, host: str, connected: bool) -> EngineError:
    """Map an SDK error to what the user reads and what the app should do.

    ``connected`` says whether the session had begun: a socket error before
    that means the host is unreachable, after it that the link dropped.
    """
    detail = message.strip().rstrip(".")
    error = _describe_error(code, detail, host=host, connected=connected)
    technical = (
        f"{detail} (code {code})" if code is not None and str(code) not in detail else detail
    )
    return replace(error, detail=technical)


def _describe_error(code: int | None, detail: str, *, host: str, connected: bool) -> EngineError:
    if mentions_gateway(detail):  # about translation (the LLM Gateway), whatever the code
        return EngineError(ErrorKind.SETTINGS, refusal_message(detail), code)
    if code in AUTH_CODES:
        return EngineError(
            ErrorKind.AUTH,
            "API key rejected or account problem: check the AssemblyAI key in Settings "
            f"({detail}).",
            code,
        )
    if code in LIMIT_CODES:
        return EngineError(
            ErrorKind.LIMIT,
            f"AssemblyAI refused the session ({detail}). Try again later or check your account.",
            code,
        )
    if code in BAD_AUDIO_CODES:
        return EngineError(
            ErrorKind.INTERNAL,
            f"AssemblyAI rejected the audio we sent ({detail}, code {code}). "
            "This is a bug in Captioner; please report it.",
            code,
        )
    if code in EXPIRED_CODES:
        return EngineError(ErrorKind.SERVER, f"The AssemblyAI session ended ({detail}).", code)
    if not connected and (code is None or code < 1000):  # socket error or HTTP status
        if code is None:
            return EngineError(
                ErrorKind.NETWORK,
                f"Cannot reach {host}: {_strip_prefix(detail)}. Check your internet connection.",
                code,
            )
        return EngineError(
            ErrorKind.SERVER, f"{host} refused the connection ({detail}). Try again later.", code
        )
    if code is None or code in {1006, 1001}:
        # The socket-level cause ("Connection closed (code=1006)") goes to ``detail``.
        return EngineError(ErrorKind.NETWORK, f"Lost the connection to {host}.", code)
    return EngineError(ErrorKind.SERVER, f"AssemblyAI error: {detail} (code {code}).", code)


def _strip_prefix(detail: str) -> str:
    prefix = "Connection failed: "
    return detail[len(prefix) :] if detail.startswith(prefix) else detail
