"""A streaming client costs no TLS set-up the app does not use (issue 14).

The SDK builds an HTTP client (for temporary tokens) with every streaming
client; its TLS context loads the CA bundle, tens of milliseconds on the path
of every session opening and reconnection.  The app builds it only if it is
used, and then it is the SDK's own, configured as the SDK would.
"""

from __future__ import annotations

import httpx
from assemblyai.streaming.v3 import StreamingClientOptions

from captioner.engines.assemblyai.client import TolerantStreamingClient


def count_http_clients(monkeypatch) -> list[httpx.Client]:
    made: list[httpx.Client] = []
    real_init = httpx.Client.__init__

    def init(self, *args, **kwargs):
        made.append(self)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(httpx.Client, "__init__", init)
    return made


def test_opening_a_streaming_client_builds_no_http_client(monkeypatch) -> None:
    made = count_http_clients(monkeypatch)
    options = StreamingClientOptions(api_key="k" * 32, api_host="127.0.0.1:9")
    for _ in range(3):  # one per connection, reconnections included
        TolerantStreamingClient(options)
    assert made == []


def test_the_sdks_http_client_is_still_there_when_used(monkeypatch) -> None:
    made = count_http_clients(monkeypatch)
    client = TolerantStreamingClient(
        StreamingClientOptions(api_key="secret-key", api_host="streaming.example.com")
    )
    http = client._client._http_client  # what the SDK's create_temporary_token uses
    assert made == [http]
    assert str(http.base_url) == "https://streaming.example.com"
    assert http.headers["Authorization"] == "secret-key"
    assert client._client._http_client is http  # built once


def test_a_copy_of_the_lazy_client_does_not_recurse() -> None:
    import copy

    from captioner.engines.assemblyai.client import LazyHTTPClient

    lazy = LazyHTTPClient("streaming.example.com", "k")
    assert copy.copy(lazy)._args == ("streaming.example.com", "k")
