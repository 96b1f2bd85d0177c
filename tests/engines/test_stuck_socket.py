"""A socket nobody reads (a dead network path, a server that stopped reading) must not hang
the app: Stop still ends the run, and the watchdog keeps watching.

Once the kernel's send buffer is full, the SDK's write thread blocks in ``sendall``
holding the websocket's lock, with no timeout.  A real uplink holds seconds of audio;
here the client's send buffer is made small so that the fake server's stall (it stops
reading) fills it within the test.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time

from assemblyai.streaming.v3 import StreamingClientOptions, StreamingParameters

from captioner.engines.assemblyai.client import TolerantStreamingClient
from tests.engines.test_assemblyai import KEY, SCRIPT
from tests.fakes.v3_server import FakeV3Server, Faults, coded_chunk


class SmallBufferClient(TolerantStreamingClient):
    """The real client with a send buffer the size of a slow uplink's."""

    def connect(self, params: StreamingParameters) -> None:
        super().connect(params)
        if self._websocket is not None:
            self._websocket.socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)


def _returns_within(seconds: float, call) -> bool:  # type: ignore[no-untyped-def]
    done = threading.Event()
    threading.Thread(target=lambda: (call(), done.set()), daemon=True).start()
    return done.wait(seconds)


def test_disconnect_and_ping_return_while_the_write_thread_is_stuck() -> None:
    with FakeV3Server(api_key=KEY, script=SCRIPT, faults=[Faults(stall_after_ms=100)]) as server:
        options = StreamingClientOptions(api_key=KEY, api_host=server.url, terminate_timeout=1.0)
        client = SmallBufferClient(options)
        client.close_timeout = 0.5
        client.connect(StreamingParameters(sample_rate=16000))
        for index in range(4):
            client.stream(coded_chunk(index))
        server.wait_for(lambda s: bool(s.sessions) and s.sessions[0].fault_fired == "stall")
        for _ in range(2000):  # 100 s of noise (deflate cannot shrink it): more than buffers hold
            client.stream(os.urandom(1600))
        deadline = time.monotonic() + 20
        backlog = -1
        while time.monotonic() < deadline:  # until the writer stops getting anywhere
            time.sleep(0.5)
            now = client.pending_audio_chunks()
            if now == backlog and now > 0:
                break
            backlog = now
        assert backlog > 0, "the write thread never blocked: the test proves nothing"
        assert _returns_within(2.0, client.ping), "a ping queued behind the stuck write"
        assert _returns_within(10.0, lambda: client.disconnect(terminate=True)), "Stop hangs"


def test_stop_while_a_host_never_answers_the_handshake_ends_the_run_at_once() -> None:
    """A blackholed network: the server takes the TCP connection and never answers.  The
    SDK would retry for ~15 s; Stop must not wait for that (the attempt ends on its own)."""
    from captioner.engines.assemblyai import AssemblyAIConfig, AssemblyAIEngine
    from tests.engines.resilience_harness import StatusRecorder
    from tests.engines.test_assemblyai import SilenceSource

    listener_socket = socket.socket()
    listener_socket.bind(("127.0.0.1", 0))
    listener_socket.listen(16)
    held: list[tuple[socket.socket, object]] = []  # accepted and never answered

    done = threading.Event()
    listener_socket.settimeout(0.1)

    def accept_and_say_nothing() -> None:
        while not done.is_set():
            with contextlib.suppress(OSError):  # TimeoutError: look at done again
                held.append(listener_socket.accept())

    threading.Thread(target=accept_and_say_nothing, daemon=True).start()
    port = listener_socket.getsockname()[1]
    # The SDK tries 3 times, 3 s each: ~9 s before it gives up by itself.
    config = AssemblyAIConfig(api_key=KEY, api_host=f"ws://127.0.0.1:{port}", connect_timeout_s=3)
    recorder = StatusRecorder()
    engine = AssemblyAIEngine(recorder, config)
    engine.start(SilenceSource())
    deadline = time.monotonic() + 5
    while not held and time.monotonic() < deadline:
        time.sleep(0.05)
    assert held, "the engine never connected"
    stopped_at = time.monotonic()
    engine.stop()
    assert engine.join(10)
    assert time.monotonic() - stopped_at < 3.0  # not the rest of the SDK's retries
    assert recorder.errors == []  # a Stop, not a failure
    for thread in threading.enumerate():  # the abandoned attempt gives up by itself
        if thread.name.startswith("aai-abandon"):
            thread.join(20)
    done.set()
    listener_socket.close()
    for connection, _address in held:
        connection.close()
