"""Temporary streaming tokens from the organisation's own endpoint (issue 15.5).

With a *token URL* set, no AssemblyAI key is stored on the computer: before
every connection (the first, each reconnect, rollover and backfill) the
engine GETs the URL and uses the token in the answer instead of a key
(``StreamingClientOptions(token=…)``).  The endpoint holds the real key and
asks AssemblyAI's ``GET /v3/token`` for a token, whose answer it may pass on
unchanged.

The expected answer: HTTP 200 with a JSON object whose ``"token"`` member is
a non-empty string, e.g. ``{"token": "eyJhbGciOi…", "expires_in_seconds": 60}``
(other members are ignored).  Anything else (unreachable, an HTTP error such
as 401, not JSON, no ``token``) raises :class:`TokenError` with what went
wrong in plain words; the token itself is never logged or shown.

Called on the connection's own thread (never the GUI thread): the request
blocks for up to ``timeout_s``.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Any

log = logging.getLogger(__name__)

# Every message about a failed token request starts with this, so the error
# wording (errors.describe_error) can tell it from a failure of the service.
TOKEN_FAILURE = "Could not get a streaming token from the token URL"
# A token answer is a few hundred bytes; a page this big is not one.
MAX_ANSWER_BYTES = 64 * 1024
# HTTP statuses that say the endpoint refuses us: asking again will not help.
REFUSED_STATUSES = frozenset({401, 403, 404, 405, 410})


class TokenError(Exception):
    """A token could not be had; ``status`` is the HTTP status when there was one."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status

    @property
    def refused(self) -> bool:
        """The endpoint said no (a retry gets the same answer), rather than failing."""
        return self.status in REFUSED_STATUSES


def fetch_token(url: str, *, timeout_s: float = 10.0) -> str:
    """GET ``url`` and return the ``token`` of its JSON answer (blocks; off the GUI thread)."""
    request = urllib.request.Request(
        url.strip(), headers={"Accept": "application/json", "Cache-Control": "no-store"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            body = response.read(MAX_ANSWER_BYTES + 1)
    except urllib.error.HTTPError as exc:
        reason = f" {exc.reason}" if isinstance(exc.reason, str) and exc.reason else ""
        refused = (
            " (it refused this computer; ask whoever runs it)" if exc.code in (401, 403) else ""
        )
        raise TokenError(
            f"{TOKEN_FAILURE}: it answered HTTP {exc.code}{reason}{refused}", exc.code
        ) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        why = getattr(exc, "reason", None) or exc
        raise TokenError(f"{TOKEN_FAILURE}: cannot reach it ({why})") from None
    if len(body) > MAX_ANSWER_BYTES:
        raise TokenError(f"{TOKEN_FAILURE}: its answer is too long to be a token")
    return _token_from(body)


def _token_from(body: bytes) -> str:
    try:
        answer: Any = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise TokenError(
            f'{TOKEN_FAILURE}: its answer is not JSON (expected {{"token": "…"}})'
        ) from None
    token = answer.get("token") if isinstance(answer, dict) else None
    if not isinstance(token, str) or not token.strip():
        raise TokenError(
            f'{TOKEN_FAILURE}: its answer has no "token" text (expected {{"token": "…"}})'
        )
    return token.strip()


def use_token(client: Any, token: str) -> None:
    """Make ``client`` (an SDK streaming client, not yet connected) send ``token``.

    The SDK reads its options when ``connect`` builds the handshake headers;
    a client is made before its token can be fetched (its event handlers are
    registered at once), so the token is put into its options here, and the
    key, if any, is taken out: the token alone authorises the connection.
    """
    options = client._options  # the SDK's own field; read again by connect()
    client._options = options.model_copy(update={"token": token, "api_key": None})
