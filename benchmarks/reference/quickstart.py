"""AssemblyAI's Python quickstart for streaming, as the reference of benchmarks/footprint.py.

The SDK, a sounddevice microphone and print(): what the quickstart in AssemblyAI's
documentation does (its ``aai.extras.MicrophoneStream`` needs PyAudio, so 50 ms
blocks come from sounddevice here).  Ctrl+C ends the session with ``Terminate``.
The host and device come from the environment so the benchmark can point it at
its local server and its null sink.
"""

import os
import queue

import assemblyai as aai  # noqa: F401  (the quickstart imports the package too)
import sounddevice as sd
from assemblyai.streaming.v3 import (
    StreamingClient,
    StreamingClientOptions,
    StreamingEvents,
    StreamingParameters,
)

blocks: queue.Queue[bytes] = queue.Queue()


def microphone():  # type: ignore[no-untyped-def]
    device = os.environ.get("QUICKSTART_DEVICE") or None
    with sd.RawInputStream(
        16000, 800, device, 1, "int16", callback=lambda b, *_: blocks.put(bytes(b))
    ):
        while True:
            yield blocks.get()


client = StreamingClient(
    StreamingClientOptions(
        api_key=os.environ["ASSEMBLYAI_API_KEY"],
        api_host=os.environ.get("QUICKSTART_HOST", "streaming.assemblyai.com"),
    )
)
client.on(StreamingEvents.Begin, lambda _c, event: print("Session started:", event.id, flush=True))
client.on(StreamingEvents.Turn, lambda _c, event: print(event.transcript, flush=True))
client.on(StreamingEvents.Termination, lambda _c, event: print("Session terminated", flush=True))
client.on(StreamingEvents.Error, lambda _c, error: print("Error:", error, flush=True))
client.connect(StreamingParameters(sample_rate=16000, format_turns=True))
try:
    client.stream(microphone())
except KeyboardInterrupt:
    pass
finally:
    client.disconnect(terminate=True)
