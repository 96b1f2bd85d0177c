"""Turn what the AssemblyAI service or SDK reports into plain words and an action.

The SDK reports every failure through its Error handler as a
``StreamingError(message, code)``, where ``code`` is an HTTP status for a
rejected handshake, a websocket close code (1006, 1008, 3005…, 4001…) for a
dropped session, or ``None`` for a socket error before any handshake.
"""

from __future__ import annotations

from captioner.engines.base import EngineError, ErrorKind

AUTH_CODES = {401, 403, 1008, 4001, 4003}
LIMIT_CODES = {402, 429, 3009, 4002, 4102, 1013}
BAD_AUDIO_CODES = {3006, 3007, 4029, 4032, 4033, 4034}
EXPIRED_CODES = {3008, 4008, 4031}


def describe_error(code: int | None, message: str, *, host: str, connected: bool) -> EngineError:
    """Map an SDK error to what the user reads and what the app should do.

    ``connected`` says whether the session had begun: a socket error before
    that means the host is unreachable, after it that the link dropped.
    """
    detail = message.strip().rstrip(".")
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
        return EngineError(ErrorKind.NETWORK, f"Lost the connection to {host} ({detail}).", code)
    return EngineError(ErrorKind.SERVER, f"AssemblyAI error: {detail} (code {code}).", code)


def _strip_prefix(detail: str) -> str:
    prefix = "Connection failed: "
    return detail[len(prefix) :] if detail.startswith(prefix) else detail
