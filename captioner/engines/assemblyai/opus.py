"""Low-bandwidth audio: the app's 16 kHz mono PCM as Opus packets (``encoding=opus``).

AssemblyAI's v3 streaming takes raw Opus packets, one packet per websocket
message (``Encoding.opus``); the stream is self-describing, so the server
needs no sample rate.  PCM costs 32 kB per second of audio (1.9 MB a
minute); Opus at :data:`BITRATE` costs about a tenth of that (see
``benchmarks/opus_bandwidth.py`` and the README for measured figures),
which matters on a metered or poor connection.

The encoder is libopus, through PyAV (``pip install 'captioner[opus]'``),
whose wheels bundle it.  It is an *optional* dependency: without it the
setting is disabled with the reason (:func:`opus_problem`) and the app
streams PCM.  ``av`` is imported lazily, never at start-up and never on the
GUI thread (:func:`opus_problem` and :class:`OpusEncoder` are called from
worker threads).

Choices, and why:

* **20 ms frames** (:data:`FRAME_MS`): Opus's default and the size its
  speech mode (SILK) is tuned for; a 50 ms chunk from the audio pipeline
  becomes two or three packets, and nothing waits longer than one frame.
* **24 kbit/s VBR** (:data:`BITRATE`): libopus's wideband speech is
  "good" from 16 kbit/s and near transparent for 16 kHz speech at 24; the
  service recognises speech, not music, but it is an ASR model trained on
  clean audio, so we keep headroom over the minimum rather than save the
  last 2 kB a second.  Still ~10x less than PCM.
* ``application=voip``: libopus's mode for speech intelligibility.

Each connection is a fresh Opus stream (its own :class:`OpusEncoder`): the
service starts a new decoder per session, so a reconnect or a backfill
(which resends buffered audio from its own start point) must not continue
another connection's encoder state.  :meth:`OpusEncoder.flush` pads the last
partial frame with silence and drains the encoder, so the final few
milliseconds of speech reach the server before ``Terminate``.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from captioner.engines.base import EngineNotice, report_notice

if TYPE_CHECKING:
    from captioner.engines.assemblyai.config import AssemblyAIConfig
    from captioner.engines.base import EngineListener

log = logging.getLogger(__name__)

__all__ = [
    "BITRATE",
    "FRAME_MS",
    "INSTALL_HINT",
    "OpusEncoder",
    "OpusUnavailable",
    "opus_problem",
    "pcm_unless_opus_works",
]

SAMPLE_RATE = 16000
FRAME_MS = 20
BITRATE = 24_000
_BYTES_PER_SAMPLE = 2
INSTALL_HINT = "pip install 'captioner[opus]'"


class OpusUnavailable(RuntimeError):
    """The Opus encoder cannot be used here (PyAV missing, or built without libopus)."""


@functools.lru_cache(maxsize=1)
def opus_problem() -> str | None:
    """Why Opus cannot be used here, in plain words; ``None`` when it can.

    Imports PyAV (tens of milliseconds, more on a cold disk): call it off the
    GUI thread.  The answer is cached for the process.
    """
    try:
        import av  # whether it imports is the question
    except ImportError:
        return f"The Opus encoder (PyAV) is not installed: {INSTALL_HINT}"
    except Exception as exc:  # a broken install: a missing shared library…
        return f"The Opus encoder (PyAV) does not load: {exc}"
    try:
        import av.codec

        av.codec.Codec("libopus", "w")
    except Exception:
        return "This PyAV has no Opus encoder (libopus); install PyAV's own wheels."
    return None


class OpusEncoder:
    """16-bit mono PCM in, Opus packets out: one stream per connection.

    Not thread-safe: the connection that owns it serialises calls.
    """

    def __init__(
        self,
        *,
        sample_rate: int = SAMPLE_RATE,
        bitrate: int = BITRATE,
        frame_ms: int = FRAME_MS,
    ) -> None:
        problem = opus_problem()
        if problem is not None:
            raise OpusUnavailable(problem)
        import av

        self.sample_rate = sample_rate
        self.frame_samples = sample_rate * frame_ms // 1000
        self._frame_bytes = self.frame_samples * _BYTES_PER_SAMPLE
        context: Any = av.CodecContext.create("libopus", "w")
        context.sample_rate = sample_rate
        context.layout = "mono"
        context.format = "s16"
        context.bit_rate = bitrate
        context.options = {"application": "voip", "frame_duration": str(frame_ms), "vbr": "on"}
        context.open()
        self._context = context
        self._pending = bytearray()
        self._samples = 0  # samples handed to the encoder (the next frame's pts)
        self.finished = False
        self.packets = 0
        self.bytes_out = 0

    def encode(self, pcm: bytes) -> list[bytes]:
        """Encode ``pcm`` (any length of whole samples); return every packet now complete.

        A tail shorter than a frame waits for the next call (or :meth:`flush`).
        """
        if self.finished:
            raise RuntimeError("this Opus stream was flushed; a connection starts a new one")
        if len(pcm) % _BYTES_PER_SAMPLE:
            raise ValueError("PCM must hold whole 16-bit samples")
        self._pending += pcm
        packets: list[bytes] = []
        while len(self._pending) >= self._frame_bytes:
            frame = bytes(self._pending[: self._frame_bytes])
            del self._pending[: self._frame_bytes]
            packets += self._encode_frame(frame)
        return packets

    def flush(self) -> list[bytes]:
        """End the stream: the partial frame padded with silence, then the encoder drained.

        Idempotent: a second call returns nothing.
        """
        if self.finished:
            return []
        packets: list[bytes] = []
        if self._pending:
            tail = bytes(self._pending) + bytes(self._frame_bytes - len(self._pending))
            self._pending.clear()
            packets += self._encode_frame(tail)
        packets += self._collect(self._context.encode(None))
        self.finished = True
        return packets

    def _encode_frame(self, frame_bytes: bytes) -> list[bytes]:
        import av
        import numpy as np

        samples = np.frombuffer(frame_bytes, dtype="<i2").reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = self.sample_rate
        frame.pts = self._samples
        self._samples += self.frame_samples
        return self._collect(self._context.encode(frame))

    def _collect(self, packets: Any) -> list[bytes]:
        out = [bytes(packet) for packet in packets]
        self.packets += len(out)
        self.bytes_out += sum(len(p) for p in out)
        return out


def pcm_unless_opus_works(config: AssemblyAIConfig, listener: EngineListener) -> AssemblyAIConfig:
    """The run's config: as asked, or with low-bandwidth mode off if Opus cannot work here.

    Settings saved where PyAV was installed may meet a machine (or a venv)
    without it: the run then streams PCM rather than failing, and says so
    once, unobtrusively (a notice, not an error).  Imports PyAV: call it on
    the engine's worker thread.
    """
    if not config.low_bandwidth:
        return config
    problem = opus_problem()
    if problem is None:
        return config
    log.warning("Low-bandwidth audio is off for this run: %s", problem)
    report_notice(
        listener,
        EngineNotice("Low-bandwidth audio (Opus) is unavailable; sending PCM.", problem),
    )
    return replace(config, low_bandwidth=False)
