"""A local token endpoint: what an organisation runs so that no key sits on a laptop.

It answers ``GET`` like a proxy in front of AssemblyAI's ``/v3/token``: HTTP
200 with ``{"token": "…"}``, a fresh token each time.  Each request takes the
next scripted answer (the last one repeats): ``"token"`` (a fresh token),
or ``(status, body)`` sent as it is, or ``"close"`` (the connection is cut
without an answer).  ``issued`` holds every token handed out, to pass to
``FakeV3Server(tokens=…)``.
"""

from __future__ import annotations

import http.server
import itertools
import threading
from collections.abc import Sequence
from typing import Any

Answer = str | tuple[int, bytes]


class TokenEndpoint:
    """An HTTP server on 127.0.0.1 in a thread; use as a context manager."""

    def __init__(self, answers: Sequence[Answer] = ("token",)) -> None:
        self.answers = list(answers)
        self.issued: set[str] = set()
        self.requests: list[dict[str, str]] = []  # the headers of each request
        self._serial = itertools.count(1)
        self._lock = threading.Lock()
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                endpoint._answer(self)

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/assemblyai-token"

    def _answer(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        with self._lock:
            index = len(self.requests)
            self.requests.append(dict(handler.headers.items()))
            answer = self.answers[min(index, len(self.answers) - 1)]
            if answer == "token":
                token = f"temp-token-{next(self._serial)}"
                self.issued.add(token)
                answer = (200, b'{"token": "%s", "expires_in_seconds": 60}' % token.encode())
        if answer == "close":
            handler.close_connection = True
            handler.connection.close()
            return
        status, body = answer
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def __enter__(self) -> TokenEndpoint:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
