"""Low-bandwidth mode (issue 15.6): Opus packets instead of PCM, through the real SDK.

Runs against the fake v3 server, which decodes every message as one Opus
packet with PyAV's libopus (tests/fakes/v3_opus.py), so its scripted
recogniser hears the audio it really decoded.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from captioner.audio.file_source import WavFileSource
from captioner.engines.assemblyai import AssemblyAIConfig, AssemblyAIEngine, opus
from captioner.engines.base import EngineNotice
from tests.conftest import reference_text
from tests.engines.resilience_harness import StatusRecorder
from tests.engines.test_call_engines import FrameSource, conversation_frames, run_cloud
from tests.fakes.v3_server import FakeV3Server, Faults, TurnScript

KEY = "opus-key-4b7e21"
CHUNK_BYTES = 1600  # 50 ms of 16 kHz 16-bit mono


def need_opus() -> None:
    """Skip without PyAV, unless CI says it must be there (CAPTIONER_REQUIRE_OPUS=1)."""
    problem = opus.opus_problem()
    if problem is None:
        return
    if os.environ.get("CAPTIONER_REQUIRE_OPUS") == "1":
        pytest.fail(problem)
    pytest.skip(problem)


class NoticeRecorder(StatusRecorder):
    def __init__(self) -> None:
        super().__init__()
        self.notices: list[EngineNotice] = []

    def on_notice(self, notice: EngineNotice) -> None:
        with self.lock:
            self.notices.append(notice)


def pcm_source(pcm: bytes) -> FrameSource:
    """Given PCM in 50 ms chunks (the last one padded), as fast as asked, then the end."""
    chunks = [pcm[i : i + CHUNK_BYTES] for i in range(0, len(pcm), CHUNK_BYTES)]
    chunks[-1] = chunks[-1].ljust(CHUNK_BYTES, b"\0")
    return FrameSource(chunks, "speech")


def clip_pcm(clip: Path) -> bytes:
    samples, rate = sf.read(clip, dtype="int16")
    assert rate == 16000 and samples.ndim == 1
    return samples.astype("<i2").tobytes()


def reference_packets(pcm: bytes) -> list[bytes]:
    """What one fresh Opus stream makes of ``pcm`` fed in 50 ms chunks, flushed at the end."""
    encoder = opus.OpusEncoder()
    packets: list[bytes] = []
    for i in range(0, len(pcm), CHUNK_BYTES):
        packets += encoder.encode(pcm[i : i + CHUNK_BYTES])
    return packets + encoder.flush()


def run(server: FakeV3Server, source, listener, **config) -> AssemblyAIEngine:
    engine = AssemblyAIEngine(
        listener,
        AssemblyAIConfig(
            api_key=KEY,
            api_host=server.url,
            connect_timeout_s=2.0,
            backoff_base_s=0.05,
            provisional_offline=False,
            **config,
        ),
    )
    engine.start(source)
    return engine


def finish(engine: AssemblyAIEngine, listener: StatusRecorder) -> None:
    listener.wait_stopped(40)
    assert engine.join(10)


def test_opus_run_captions_speech_as_pcm_does_in_a_tenth_of_the_bytes(clip: Path) -> None:
    need_opus()
    script = TurnScript.from_text(reference_text(clip))
    pcm_listener, opus_listener = StatusRecorder(), StatusRecorder()
    # Both runs at once (each is paced at real time): one PCM, one Opus.
    with (
        FakeV3Server(api_key=KEY, script=script, ms_per_word=250) as pcm_server,
        FakeV3Server(api_key=KEY, script=script, ms_per_word=250) as opus_server,
    ):
        pcm_engine = run(pcm_server, WavFileSource(clip, realtime=False), pcm_listener)
        opus_engine = run(
            opus_server, WavFileSource(clip, realtime=False), opus_listener, low_bandwidth=True
        )
        finish(pcm_engine, pcm_listener)
        finish(opus_engine, opus_listener)
        (pcm_session,) = pcm_server.sessions
        (opus_session,) = opus_server.sessions
    assert not pcm_listener.errors and not opus_listener.errors
    # The same captions, partials and finals alike.
    assert [t.text for t in opus_listener.transcript] == [t.text for t in pcm_listener.transcript]
    assert [t.text for t in opus_listener.transcript] == [reference_text(clip).capitalize() + "."]
    assert [p.text for p in opus_listener.partials] == [p.text for p in pcm_listener.partials]
    # The connection asked for Opus; every message was one valid 20 ms packet, and
    # exactly the packets of one fresh Opus stream of the clip, the tail flushed.
    assert opus_session.query["encoding"] == "opus"
    assert "encoding" not in pcm_session.query
    assert opus_session.opus_invalid == 0
    assert set(opus_session.chunk_ms) == {20.0}
    assert opus_session.opus_packets == reference_packets(clip_pcm(clip))
    assert opus_session.audio_ms_received >= pcm_session.audio_ms_received
    assert opus_session.terminate_received and opus_session.termination_sent
    # Bandwidth: what went into websocket messages, per minute of audio.
    minutes = pcm_session.audio_ms_received / 60_000
    pcm_bytes = len(pcm_session.audio_bytes)
    opus_bytes = sum(len(p) for p in opus_session.opus_packets)
    assert opus_engine.connections[0].audio_bytes_sent == opus_bytes
    print(
        f"bytes per minute: PCM {pcm_bytes / minutes:,.0f}, Opus {opus_bytes / minutes:,.0f} "
        f"({pcm_bytes / opus_bytes:.1f}x less)"
    )
    assert pcm_bytes / minutes == pytest.approx(1_920_000)
    assert opus_bytes * 8 < pcm_bytes  # 24 kbit/s against 256 kbit/s


def test_the_server_decodes_the_speech_that_was_sent(clip: Path) -> None:
    """The packets are the clip's speech, not just well-formed: decoded, it matches the input."""
    need_opus()
    from tests.fakes.v3_opus import OpusStream

    pcm = clip_pcm(clip)
    stream = OpusStream()
    decoded = b"".join(stream.decode(p)[0] for p in reference_packets(pcm))  # type: ignore[index]
    sent = np.frombuffer(pcm, "<i2").astype(float)
    heard = np.frombuffer(decoded, "<i2").astype(float)
    # Encoder lookahead + resampler: the decoded speech lags by a few ms, never more.
    n = len(sent) - 800
    lags = range(0, 320)  # up to 20 ms
    lag = max(lags, key=lambda k: float(np.dot(sent[:n], heard[k : k + n])))
    assert lag <= 16 * 12  # < 12 ms: word times stay where they were
    # Opus keeps the spectrum of speech, not its waveform: compare log spectrograms
    # (20 ms frames). The same speech a second later scores ~0.6; this scores ~0.95.
    heard = heard[lag : lag + n]
    assert spectral_similarity(sent[:n], heard) > 0.9
    assert spectral_similarity(sent[: n - 16000], heard[16000:]) < 0.8


def spectral_similarity(a: np.ndarray, b: np.ndarray) -> float:
    frames = min(len(a), len(b)) // 320
    window = np.hanning(320)

    def log_spectrum(x: np.ndarray) -> np.ndarray:
        return np.log1p(np.abs(np.fft.rfft(x[: frames * 320].reshape(-1, 320) * window, axis=1)))

    return float(np.corrcoef(log_spectrum(a).ravel(), log_spectrum(b).ravel())[0, 1])


def test_after_a_drop_every_connection_is_a_fresh_opus_stream_of_its_own_audio(
    clip: Path,
) -> None:
    """The reconnect and the backfill resend audio from their own starting points:
    each connection's packets are one fresh Opus stream of exactly that audio."""
    need_opus()
    pcm = clip_pcm(clip)[: 3 * 32000]  # 3 s of speech
    faults = [Faults(drop_after_ms=1500), Faults(), Faults()]
    listener = StatusRecorder()
    with FakeV3Server(api_key=KEY, script=TurnScript.from_text("a b c"), faults=faults) as server:
        engine = run(server, pcm_source(pcm), listener, low_bandwidth=True)
        finish(engine, listener)
        sessions = server.sessions
    assert not listener.errors
    links = engine.connections
    assert {link.role for link in links} >= {"live", "backfill"}
    assert len(sessions) == len(links) >= 3
    received = [s.opus_packets for s in sessions]
    for link in links:
        start = link.offset_ms * 32
        audio = pcm[start : start + link.sent_ms * 32]
        expected = reference_packets(audio)
        if link.failed.is_set() or link.retired:  # the dropped one: what got through
            assert any(r and r == expected[: len(r)] for r in received), link
        else:
            assert expected in received, link
    for session in sessions:
        assert session.query["encoding"] == "opus"
        assert session.opus_invalid == 0


def test_call_mode_keeps_pcm_when_low_bandwidth_is_on() -> None:
    """The SDK's ChannelStreamer mixes both sides' PCM and sends PCM itself."""
    listener, server = run_cloud(conversation_frames(), low_bandwidth=True)
    (session,) = server.sessions
    assert not listener.errors
    assert "encoding" not in session.query
    assert set(session.chunk_ms) == {50.0}
    assert [t.text for t in listener.transcript] == [
        "Hello there, how are",
        "Fine, thank you.",
        "And me too.",
    ]


@pytest.fixture
def without_pyav(monkeypatch: pytest.MonkeyPatch):
    """As on a machine where PyAV is not installed (``import av`` fails)."""
    opus.opus_problem.cache_clear()
    monkeypatch.setitem(sys.modules, "av", None)
    yield
    opus.opus_problem.cache_clear()


@pytest.mark.usefixtures("without_pyav")
def test_without_pyav_a_low_bandwidth_run_sends_pcm_and_says_why(clip: Path) -> None:
    problem = opus.opus_problem()
    assert problem is not None and "captioner[opus]" in problem
    listener = NoticeRecorder()
    with FakeV3Server(api_key=KEY, script=TurnScript.from_text("and mister john")) as server:
        engine = run(server, pcm_source(clip_pcm(clip)[:64000]), listener, low_bandwidth=True)
        finish(engine, listener)
        (session,) = server.sessions
    assert not listener.errors  # the run goes on, in PCM
    assert "encoding" not in session.query and set(session.chunk_ms) == {50.0}
    assert [t.text for t in listener.transcript] == ["And mister john."]
    (notice,) = listener.notices
    assert "Opus" in notice.message and "captioner[opus]" in notice.detail
    with pytest.raises(opus.OpusUnavailable):
        opus.OpusEncoder()


def test_flush_sends_the_last_partial_frame_and_ends_the_stream() -> None:
    need_opus()
    encoder = opus.OpusEncoder()
    tone = (8000 * np.sin(np.arange(1600) * 2 * np.pi * 440 / 16000)).astype("<i2").tobytes()
    # 100 ms = five whole 20 ms frames; 50 ms more leaves 10 ms waiting for a frame.
    assert len(encoder.encode(tone[:3200])) == 5
    assert len(encoder.encode(tone[:1600])) == 2
    tail = encoder.flush()
    assert len(tail) >= 1  # the padded last 10 ms (and the encoder's lookahead)
    assert encoder.flush() == []
    assert encoder.finished
    with pytest.raises(RuntimeError):
        encoder.encode(tone)


def test_the_encoder_runs_on_many_threads_at_once() -> None:
    """One encoder per connection: a live connection and a backfill encode side by side."""
    need_opus()
    pcm = bytes(range(256)) * 250
    results: list[list[bytes]] = []
    lock = threading.Lock()

    def encode() -> None:
        packets = reference_packets(pcm)
        with lock:
            results.append(packets)

    threads = [threading.Thread(target=encode) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4 and all(r == results[0] for r in results)


def test_the_fake_server_refuses_a_message_that_is_not_an_opus_packet() -> None:
    """What the checks above rely on: a message that is no Opus packet is noticed, not heard."""
    need_opus()
    from assemblyai.streaming.v3 import (
        StreamingClient,
        StreamingClientOptions,
        StreamingParameters,
    )

    with FakeV3Server(api_key=KEY) as server:
        client = StreamingClient(StreamingClientOptions(api_key=KEY, api_host=server.url))
        client.connect(StreamingParameters(sample_rate=16000, encoding="opus"))
        # A TOC byte announcing 63 frames of 20 ms: more than a packet may hold.
        client.stream(b"\xff" * 1600)
        server.wait_for(lambda s: s.sessions[0].closed)
        client.disconnect(terminate=False)
        (session,) = server.sessions
    assert session.opus_invalid == 1 and session.opus_packets == []
    assert session.close_code == 3007 and session.audio_ms_received == 0
