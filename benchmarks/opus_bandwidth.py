"""Low-bandwidth mode (issue 15.6): bytes per minute, Opus against PCM, and what encoding costs.

    .venv/bin/python benchmarks/opus_bandwidth.py [--runs 3] [--no-wer]

Material: every recording under ``tests/data`` with a transcript (the five
LibriVox clips and PocketSphinx's eight; real speech, 16 kHz mono), fed to
the app's encoder (:class:`captioner.engines.assemblyai.opus.OpusEncoder`,
20 ms frames, 24 kbit/s VBR, ``application=voip``) in 50 ms chunks, one
fresh stream per clip, flushed, exactly as one connection sends them.

Bytes are counted three ways, per minute of audio:

* **payload**: what goes into websocket messages (PCM chunks or Opus packets);
* **+ websocket framing**: a client frame's header (2 bytes, 4 more for a
  126-65535-byte payload) and its 4-byte mask, exact;
* **+ TLS and TCP/IP (estimate)**: 22 bytes of TLS 1.3 record (5 header, 16
  tag, 1 content type) and 52 of TCP/IPv4 with timestamps per message,
  assuming each message leaves in a segment of its own (they are 20-50 ms
  apart); ACKs and the server's messages not counted.

CPU: ``time.process_time`` for encoding all the clips, divided by their
duration (the share of one core that real-time encoding takes), best of
``--runs``.  WER (``--no-wer`` skips it): PocketSphinx's default decode of
each clip as PCM and as Opus decoded back to 16 kHz, summed over all clips:
a proxy (PocketSphinx is not AssemblyAI's model) for whether the codec
loses words a recogniser needs.  Other bitrates and frame lengths are
printed for comparison.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from captioner.engines.assemblyai.opus import BITRATE, FRAME_MS, OpusEncoder, opus_problem
from tests.speech import Clip, clips

CHUNK_BYTES = 1600  # 50 ms
TLS_TCP_PER_MESSAGE = 22 + 52


def ws_header(payload: int) -> int:
    """A client (masked) websocket frame's overhead for a payload of this size."""
    return 2 + 4 + (2 if 126 <= payload <= 65535 else 8 if payload > 65535 else 0)


def encode(pcm: bytes, *, bitrate: int = BITRATE, frame_ms: int = FRAME_MS) -> list[bytes]:
    encoder = OpusEncoder(bitrate=bitrate, frame_ms=frame_ms)
    packets: list[bytes] = []
    for i in range(0, len(pcm), CHUNK_BYTES):
        packets += encoder.encode(pcm[i : i + CHUNK_BYTES])
    return packets + encoder.flush()


def pcm_messages(pcm: bytes) -> list[int]:
    sizes = [CHUNK_BYTES] * (len(pcm) // CHUNK_BYTES)
    return sizes + ([len(pcm) % CHUNK_BYTES] if len(pcm) % CHUNK_BYTES else [])


def per_minute(sizes: list[int], minutes: float) -> tuple[float, float, float, float]:
    payload = sum(sizes)
    framed = payload + sum(ws_header(s) for s in sizes)
    wire = framed + TLS_TCP_PER_MESSAGE * len(sizes)
    return payload / minutes, framed / minutes, wire / minutes, len(sizes) / minutes


def decoded_pcm(packets: list[bytes]) -> bytes:
    """Opus packets back to 16 kHz PCM, as the service would hear them."""
    import av
    import soxr

    decoder = av.CodecContext.create("libopus", "r")
    decoder.sample_rate = 48000
    decoder.layout = "mono"
    parts = [
        frame.to_ndarray().reshape(-1) for p in packets for frame in decoder.decode(av.Packet(p))
    ]
    samples48 = np.concatenate(parts).astype(np.float32)
    if np.issubdtype(parts[0].dtype, np.integer):
        samples48 /= 32768
    samples16 = soxr.resample(samples48, 48000, 16000)
    return (np.clip(samples16, -1, 1) * 32767).astype("<i2").tobytes()


def sphinx_wer(material: tuple[Clip, ...], transform) -> float:  # type: ignore[no-untyped-def]
    import jiwer
    from pocketsphinx import Decoder

    references, hypotheses = [], []
    for clip in material:
        decoder = Decoder(loglevel="FATAL")
        decoder.start_utt()
        decoder.process_raw(transform(clip.pcm), False, True)
        decoder.end_utt()
        hyp = decoder.hyp()
        references.append(clip.reference)
        hypotheses.append(hyp.hypstr if hyp else "")
    return float(jiwer.wer(references, hypotheses))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-wer", action="store_true")
    args = parser.parse_args()
    problem = opus_problem()
    if problem is not None:
        print(problem, file=sys.stderr)
        return 1
    material = clips()
    seconds = sum(c.seconds for c in material)
    minutes = seconds / 60
    print(f"{len(material)} clips of real speech, {seconds:.1f} s; load average {os.getloadavg()}")
    pcm = per_minute([s for c in material for s in pcm_messages(c.pcm)], minutes)
    rows = [("PCM 16 kHz 16-bit", pcm)]
    for bitrate, frame_ms in ((BITRATE, FRAME_MS), (16_000, 20), (32_000, 20), (BITRATE, 60)):
        sizes = [
            len(p) for c in material for p in encode(c.pcm, bitrate=bitrate, frame_ms=frame_ms)
        ]
        mark = "  <- the app" if (bitrate, frame_ms) == (BITRATE, FRAME_MS) else ""
        rows.append(
            (f"Opus {bitrate // 1000} kbit/s, {frame_ms} ms{mark}", per_minute(sizes, minutes))
        )
    print(
        f"\n{'bytes per minute of audio':<36}{'payload':>12}{'+ websocket':>14}"
        f"{'+ TLS/TCP est.':>16}{'messages':>10}"
    )
    for name, (payload, framed, wire, messages) in rows:
        print(f"{name:<36}{payload:>12,.0f}{framed:>14,.0f}{wire:>16,.0f}{messages:>10,.0f}")
    app = rows[1][1]
    print(
        f"\nOpus at the app's settings: {pcm[0] / app[0]:.1f}x fewer payload bytes than PCM, "
        f"{pcm[1] / app[1]:.1f}x with websocket framing, {pcm[2] / app[2]:.1f}x on the wire (est.)"
    )
    best = float("inf")
    for _ in range(args.runs):
        started = time.process_time()
        for clip in material:
            encode(clip.pcm)
        best = min(best, time.process_time() - started)
    print(
        f"CPU: encoding takes {best / seconds:.4f} s of CPU per second of audio "
        f"({100 * best / seconds:.2f} % of one core; best of {args.runs})"
    )
    if not args.no_wer:
        plain = sphinx_wer(material, lambda pcm: pcm)
        coded = sphinx_wer(material, lambda pcm: decoded_pcm(encode(pcm)))
        words = sum(len(c.reference.split()) for c in material)
        print(
            f"PocketSphinx WER over all clips: PCM {plain:.1%}, Opus (decoded) {coded:.1%} "
            f"({words} words: one word is {100 / words:.1f} points)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
