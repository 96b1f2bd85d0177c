"""Audio goes out as it is; the server's messages still come compressed (issue 14).

websockets would deflate every audio chunk (~110 µs of CPU each for an 11 %
smaller upload of speech, nothing for Opus); the client offers
permessage-deflate at level 0 instead.  Seen on the wire: a relay between the
real SDK and the fake v3 server counts the bytes each way.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from pathlib import Path

from captioner.audio.file_source import WavFileSource
from tests import speech
from tests.conftest import reference_text
from tests.engines.test_assemblyai import KEY, run_engine
from tests.fakes.v3_server import FakeV3Server, TurnScript

LIBRIVOX = Path(__file__).parents[1] / "data" / "librivox"
CLIP = LIBRIVOX / "sense_and_sensibility_01_austen_64kb-0870.wav"


class CountingRelay:
    """A loopback TCP relay to ``port`` that counts the bytes each way."""

    def __init__(self, port: int) -> None:
        self.upstream = port
        self.sent = 0  # client to server
        self.received = 0  # server to client
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream))
            self._sockets += [client, server]
            for args in ((client, server, "sent"), (server, client, "received")):
                pump = threading.Thread(target=self._pump, args=args, daemon=True)
                self._threads.append(pump)
                pump.start()

    def _pump(self, source: socket.socket, sink: socket.socket, counter: str) -> None:
        try:
            while data := source.recv(65536):
                with self._lock:
                    setattr(self, counter, getattr(self, counter) + len(data))
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Stop accepting (shutdown wakes the blocked accept) and wait for the pumps."""
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        for thread in self._threads:
            thread.join(10)
        for end in self._sockets:
            end.close()


def test_speech_is_sent_uncompressed_and_the_servers_turns_arrive_compressed() -> None:
    audio = speech.read_wav(CLIP)
    script = TurnScript.from_text(reference_text(CLIP))
    with FakeV3Server(api_key=KEY, script=script, ms_per_word=150) as server:
        relay = CountingRelay(server.port)
        try:
            _, listener = run_engine(relay.url, WavFileSource(CLIP, realtime=False))
        finally:
            relay.close()
        session = server.sessions[0]
    assert not listener.errors
    assert session.audio_bytes == audio  # every sample arrived, in order
    offered = session.headers.get("Sec-WebSocket-Extensions", "")
    assert "permessage-deflate" in offered, session.headers
    # Deflated at websockets' default level this speech takes ~0.89 of its size
    # on the wire; stored, it takes its size plus framing.
    assert relay.sent >= len(audio), f"{relay.sent} bytes on the wire for {len(audio)} of audio"
    # The server may still compress what it sends: the growing Turns repeat
    # their words, and arrive in fewer bytes than their JSON.
    turns = sum(len(json.dumps(turn)) for turn in session.turns_sent)
    assert turns > 5000, turns
    assert relay.received < 0.7 * turns, f"{relay.received} bytes for {turns} of Turn JSON"
