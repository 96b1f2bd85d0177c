"""Turn what the AssemblyAI service or SDK reports into plain words and an action.

The SDK reports every failure through its Error handler as a
``StreamingError(message, code)``, where ``code`` is an HTTP status for a
rejected handshake, a websocket close code (1006, 1008, 3005…, 4001…) for a
dropped session, or ``None`` for a socket error before any handshake.
"""

from __future__ import annotations

from dataclasses import replace
from enum import Enum

from captioner.engines.assemblyai.token_source import TOKEN_FAILURE
from captioner.engines.assemblyai.translation import mentions_gateway, refusal_message
from captioner.engines.base import EngineError, ErrorKind

AUTH_CODES = {401, 403, 1008, 4001, 4003}
LIMIT_CODES = {402, 429, 3009, 4002, 4102, 1013}
BAD_AUDIO_CODES = {3006, 3007, 4029, 4032, 4033, 4034}
EXPIRED_CODES = {3008, 4008, 4031}
# Retrying cannot help: the account or the request itself is the problem.
ACCOUNT_CODES = {402, 4002, 4003}
# A Termination the app did not ask for (no Terminate sent): the service ended the
# session itself, e.g. after the inactivity_timeout ("End after silence").
ENDED_BY_SERVICE = "the service ended the session without being asked"
ENDED_AFTER_SILENCE = (
    "AssemblyAI ended the session: End after silence is set to {seconds} s "
    "(Settings ▸ AssemblyAI). The captions so far are kept; press Start to go on."
)
BAD_REQUEST_CODES = {400, 404, 4000, 4100, 4101}


class Recovery(Enum):
    """What the engine does after a connection failed or dropped."""

    STOP = "stop"  # report and end the run (key rejected, bad request)
    RETRY = "retry"  # reconnect with exponential backoff (network, server hiccup)
    RETRY_LATER = "retry_later"  # reconnect, but not sooner than a floor (limits)
    RETRY_ONCE_SLOWLY = "retry_once_slowly"  # our bug (3007): one slow retry, then stop
    RECONNECT_NOW = "reconnect_now"  # the session expired (3008): take a new one at once


# What a failure is about, read from its text where the code is ambiguous
# (AssemblyAI's 1008 covers a bad key, an empty account and too many
# sessions; older servers sent 3005 for every session-level error).
KEY, CREDIT, SESSIONS, TOO_FAST, CHUNKS, BAD_MESSAGE, EXPIRED, CANCELLED, INTERNAL = (
    "key credit sessions too_fast chunks bad_message expired cancelled internal".split()
)
_CODE_CAUSES = {1008: KEY, 1011: INTERNAL, 3005: CANCELLED, 3006: BAD_MESSAGE}
_CODE_CAUSES |= {3007: CHUNKS, 3008: EXPIRED, 3009: SESSIONS}
_SERVICE_CODES = set(_CODE_CAUSES)


def cause_of(code: int | None, message: str) -> str | None:
    """What an AssemblyAI close (1008, 1011, 3005–3009) is about; ``None`` for other codes.

    The text decides first (it names the cause; the code may be shared),
    then the code (the service's table of close codes).
    """
    if code not in _SERVICE_CODES:
        return None
    text = message.lower()
    if "concurrent" in text or ("too many" in text and ("session" in text or "stream" in text)):
        return SESSIONS
    if any(word in text for word in ("balance", "insufficient", "funds", "credit")):
        return CREDIT
    if "transmission rate" in text or "faster than real" in text or "too fast" in text:
        return TOO_FAST
    if "input duration" in text:
        return CHUNKS
    if "expired" in text or "maximum session duration" in text:
        return EXPIRED
    if "invalid message" in text or "invalid json" in text:
        return BAD_MESSAGE
    return _CODE_CAUSES[code]  # type: ignore[index]


def recovery_for(code: int | None, message: str = "") -> Recovery:
    """The action for a failure with this code (and text), once a session has run.

    (Before any session began, every failure ends the start attempt: the user
    sees the reason and can press Start again.)
    """
    cause = cause_of(code, message)
    if cause in (KEY, CREDIT):
        return Recovery.STOP
    if cause == SESSIONS:
        return Recovery.RETRY_LATER
    if cause in (TOO_FAST, CHUNKS, BAD_MESSAGE):
        return Recovery.RETRY_ONCE_SLOWLY
    if cause == EXPIRED:
        return Recovery.RECONNECT_NOW
    if cause in (CANCELLED, INTERNAL):
        return Recovery.RETRY
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
    cause = cause_of(code, message)
    if cause == EXPIRED or (cause is None and code in EXPIRED_CODES):
        return (
            f"{RECONNECTING} (session time limit)",
            f"the session reached its time limit: {detail}",
        )
    if cause == SESSIONS or (cause is None and code in LIMIT_CODES):
        return f"{RECONNECTING} (AssemblyAI is busy)", f"AssemblyAI is busy: {detail}, code {code}"
    if cause in (TOO_FAST, CHUNKS, BAD_MESSAGE) or (cause is None and code in BAD_AUDIO_CODES):
        return RECONNECTING, f"AssemblyAI rejected our audio: {detail}, code {code}"
    if code is None or str(code) in detail:
        return RECONNECTING, f"lost the connection to {host}: {detail}"
    return RECONNECTING, f"lost the connection to {host}: {detail}, code {code}"


def describe_error(
    code: int | None, message: str, *, host: str, connected: bool, token: bool = False
) -> EngineError:
    """Map an SDK error to what the user reads and what the app should do.

    ``connected`` says whether the session had begun: a socket error before
    that means the host is unreachable, after it that the link dropped.
    ``token`` says the run authorises with tokens from a token URL: a refusal
    is then about the token (and whoever hands it out), as no key is set.
    """
    detail = message.strip().rstrip(".")
    error = _describe_error(code, detail, host=host, connected=connected, token=token)
    technical = (
        f"{detail} (code {code})" if code is not None and str(code) not in detail else detail
    )
    return replace(error, detail=technical)


def _describe_error(
    code: int | None, detail: str, *, host: str, connected: bool, token: bool
) -> EngineError:
    if detail.startswith(TOKEN_FAILURE):  # our organisation's endpoint, not AssemblyAI
        kind = ErrorKind.AUTH if code in AUTH_CODES else ErrorKind.NETWORK
        return EngineError(kind, f"{detail}. Check Settings ▸ AssemblyAI ▸ Token URL.", code)
    if mentions_gateway(detail):  # about translation (the LLM Gateway), whatever the code
        return EngineError(ErrorKind.SETTINGS, refusal_message(detail), code)
    cause = cause_of(code, detail)
    if cause is not None and cause != KEY:
        # With a token URL the account is whoever runs that service's, not the user's.
        kind, message = (_TOKEN_SERVICE_MESSAGES if token else {}).get(
            cause, _SERVICE_MESSAGES[cause]
        )
        return EngineError(kind, message.format(detail=detail, code=code, host=host), code)
    if code in AUTH_CODES and token:
        return EngineError(
            ErrorKind.AUTH,
            "AssemblyAI refused the streaming token from the token URL, or the account "
            f"behind it has a problem ({detail}). Check Settings ▸ AssemblyAI ▸ Token URL, "
            "or ask whoever runs that token service.",
            code,
        )
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


# Plain words for AssemblyAI's own close codes: what happened, then what to do.
_SERVICE_MESSAGES = {
    CREDIT: (
        ErrorKind.LIMIT,
        "Your AssemblyAI account is out of credit ({detail}). Add funds or a card on "
        "the AssemblyAI dashboard (app.assemblyai.com, Billing), then press Start.",
    ),
    SESSIONS: (
        ErrorKind.LIMIT,
        "Too many AssemblyAI sessions are open on this account ({detail}). Stop "
        "captioning on other computers or apps that use this key, or try again later.",
    ),
    TOO_FAST: (
        ErrorKind.INTERNAL,
        "AssemblyAI closed the session because audio reached it faster than real time "
        "({detail}, code {code}). Captioner paces its audio, so this is a bug in "
        "Captioner; please report it. Press Start to continue.",
    ),
    CHUNKS: (
        ErrorKind.INTERNAL,
        "AssemblyAI rejected the audio we sent ({detail}, code {code}). "
        "This is a bug in Captioner; please report it.",
    ),
    BAD_MESSAGE: (
        ErrorKind.INTERNAL,
        "AssemblyAI could not read a message Captioner sent ({detail}, code {code}). "
        "This is a bug in Captioner; please report it.",
    ),
    EXPIRED: (
        ErrorKind.SERVER,
        "The AssemblyAI session reached its time limit ({detail}): 3 hours, or the "
        "limit of a temporary token. Press Start to begin a new session.",
    ),
    CANCELLED: (
        ErrorKind.SERVER,
        "AssemblyAI cancelled the session because of an error on its side ({detail}). "
        "Press Start to try again; if it keeps happening, check status.assemblyai.com.",
    ),
    INTERNAL: (
        ErrorKind.SERVER,
        "AssemblyAI had an internal error and closed the session ({detail}). "
        "Press Start to try again; if it keeps happening, check status.assemblyai.com.",
    ),
}


def _strip_prefix(detail: str) -> str:
    prefix = "Connection failed: "
    return detail[len(prefix) :] if detail.startswith(prefix) else detail


# The same, for a run that authorises with tokens from a token URL: the account
# is not the user's to top up or share out; whoever runs the token service is.
_TOKEN_SERVICE_MESSAGES = {
    CREDIT: (
        ErrorKind.LIMIT,
        "The AssemblyAI account behind the token URL is out of credit ({detail}). "
        "Tell whoever runs that token service (Settings ▸ AssemblyAI ▸ Token URL), "
        "then press Start.",
    ),
    SESSIONS: (
        ErrorKind.LIMIT,
        "Too many AssemblyAI sessions are open on the account behind the token URL "
        "({detail}). Try again later, or tell whoever runs that token service.",
    ),
}
