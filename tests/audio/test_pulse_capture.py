"""Real capture through PortAudio → ALSA "pulse" → a private PulseAudio daemon.

A LibriVox clip is played into a null sink with ``paplay`` and recorded from
the sink's monitor with :class:`DeviceSource`, then compared with the file.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
import wave
from dataclasses import replace

import numpy as np
import pytest

from captioner.audio.convert import CHUNK_BYTES
from captioner.audio.early_capture import EarlyCapture
from captioner.audio.errors import AudioError
from captioner.audio.pcm import CHUNK_MS
from captioner.audio.source import DeviceSource
from tests.audio.helpers import CLIP_0890
from tests.pulse import PulseServer, playing, pulse_input_device

pytestmark = [pytest.mark.pulse, pytest.mark.slow]


def envelope(samples: np.ndarray, frame: int = 800) -> np.ndarray:
    """RMS per 50 ms frame: robust to the small gain and phase changes of the path."""
    usable = len(samples) // frame * frame
    return np.sqrt(np.mean(samples[:usable].reshape(-1, frame) ** 2, axis=1))


def find_lag(reference: np.ndarray, captured: np.ndarray) -> int:
    """Offset of ``reference`` in ``captured`` by FFT cross-correlation (may be negative)."""
    size = 1 << int(np.ceil(np.log2(len(reference) + len(captured))))
    spectrum = np.fft.rfft(captured, size) * np.conj(np.fft.rfft(reference, size))
    xcorr = np.fft.irfft(spectrum, size)
    lag = int(np.argmax(xcorr))
    return lag - size if lag > size // 2 else lag


def overlap(reference: np.ndarray, captured: np.ndarray, lag: int) -> tuple[np.ndarray, ...]:
    """The parts of both signals that line up at ``lag``."""
    if lag < 0:
        reference, lag = reference[-lag:], 0
    length = min(len(reference), len(captured) - lag)
    return reference[:length], captured[lag : lag + length]


def capture_while_playing(source: DeviceSource, sink: str, tail_s: float = 1.0) -> np.ndarray:
    chunks: list[bytes] = []
    # Play only once capture is running: the first block can take a couple of
    # seconds to arrive through the ALSA pulse plugin.
    started = time.monotonic()
    while not (chunk := source.read(0.5)):
        assert time.monotonic() - started < 15, "the capture stream never started"
    chunks.append(chunk)
    with playing(CLIP_0890, sink) as player:  # killed, waited for and closed on the way out
        # Read on until ``tail_s`` of audio after the player ended has been captured:
        # counted in audio, which a loaded machine does not stretch as it does time.
        tail_chunks = round(tail_s * 1000 / CHUNK_MS)
        stop_after: int | None = None
        hard_deadline = time.monotonic() + 30
        while time.monotonic() < hard_deadline:
            chunk = source.read(0.5)
            if chunk:
                chunks.append(chunk)
            if stop_after is None and player.poll() is not None:
                stop_after = len(chunks) + tail_chunks
            if stop_after is not None and len(chunks) >= stop_after:
                break
        if player.poll() is None:
            player.kill()
        _, stderr = player.communicate(timeout=5)
    assert player.returncode == 0, stderr.decode(errors="replace")
    assert all(len(c) == CHUNK_BYTES for c in chunks)
    return np.frombuffer(b"".join(chunks), "<i2").astype(np.float32) / 32768.0


@pytest.mark.sound_servers
def test_capture_a_null_sink_monitor(pulse_server: PulseServer, pulse_sink: str, monkeypatch):
    with wave.open(str(CLIP_0890), "rb") as w:
        reference = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768

    monkeypatch.setenv("PULSE_SOURCE", f"{pulse_sink}.monitor")
    with DeviceSource(pulse_input_device()) as source:
        captured = capture_while_playing(source, pulse_sink)
        assert source.overflows == 0

    seconds = len(captured) / 16000
    assert seconds >= len(reference) / 16000
    assert np.sqrt(np.mean(captured**2)) > 0.01, "captured audio is silent"
    # Capture starts before playback, so the clip sits at some latency inside it.
    lag = find_lag(reference, captured)
    ref_part, cap_part = overlap(reference, captured, lag)
    assert len(ref_part) > 0.9 * len(reference), f"most of the clip is missing (lag {lag})"
    corr = float(np.corrcoef(envelope(ref_part), envelope(cap_part))[0, 1])
    assert corr > 0.8, f"envelope correlation {corr:.2f} at lag {lag / 16:.0f} ms"


def test_other_sinks_are_not_heard(pulse_server: PulseServer, pulse_sink: str, monkeypatch):
    """PULSE_SOURCE really selects the source: playback elsewhere stays out."""
    monkeypatch.setenv("PULSE_SOURCE", f"{pulse_server.sink}.monitor")
    with DeviceSource(pulse_input_device()) as source:
        captured = capture_while_playing(source, pulse_sink, tail_s=0.2)
    assert np.max(np.abs(captured)) < 1e-3


@pytest.mark.sound_servers
def test_removed_source_is_a_lost_device(pulse_server: PulseServer, monkeypatch):
    """The app's stall limit (3 s) kept: the stream ends with its source (it was once
    moved to the default source ~1.4 s later; see test_pulse_unplugged.py)."""
    sink = pulse_server.create_sink()
    try:
        monkeypatch.setenv("PULSE_SOURCE", f"{sink}.monitor")
        with DeviceSource(pulse_input_device()) as source:
            deadline = time.monotonic() + 5
            while not source.read(0.5):
                assert time.monotonic() < deadline, "no audio from the monitor"
            pulse_server.remove_sink(sink)
            began = time.monotonic()
            with pytest.raises(AudioError, match=r"^Lost the audio device “pulse”"):
                while time.monotonic() - began < 15:
                    source.read(0.5)
    finally:
        pulse_server.remove_sink(sink)


@pytest.mark.sound_servers
def test_sound_server_capture_needs_no_numpy(pulse_server: PulseServer, pulse_sink: str):
    """PulseAudio gives 16 kHz mono 16-bit itself: no numpy or soxr on the way (issue 14).

    In a fresh interpreter, as a launch with ``--start`` has it: importing numpy and
    soxr cost ~0.1 s of the way to the session and ~15 MB.
    """
    code = textwrap.dedent(
        """
        import json, sys
        from captioner.audio.devices import find_device, list_input_devices
        from captioner.audio.source import DeviceSource

        with DeviceSource(find_device("pulse", list_input_devices())) as source:
            chunks = []
            while len(chunks) < 10:
                chunk = source.read(5.0)
                assert chunk is not None, "no audio from the sound server"
                chunks.append(chunk)
            shape = (source.samplerate, source.channels)
        print(json.dumps({"loaded": sorted({"numpy", "soxr"} & set(sys.modules)),
                          "shape": shape, "sizes": sorted({len(c) for c in chunks})}))
        """
    )
    env = {**pulse_server.env(), "PULSE_SOURCE": f"{pulse_sink}.monitor"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found == {"loaded": [], "shape": [16000, 1], "sizes": [CHUNK_BYTES]}


@pytest.mark.sound_servers
def test_sound_server_sources_are_recorded_with_its_own_api(pulse_server, pulse_sink, monkeypatch):
    """libpulse, not PortAudio's ALSA plugin (which spins ~2 s of CPU at each start:
    benchmarks/footprint.py), and PortAudio still when libpulse cannot be loaded."""
    from captioner.audio import pulse_record

    monkeypatch.setenv("PULSE_SOURCE", f"{pulse_sink}.monitor")
    with DeviceSource(pulse_input_device()) as source:
        assert isinstance(source._stream, pulse_record.PulseRecordStream)
        captured = capture_while_playing(source, pulse_sink, tail_s=0.2)
    assert np.sqrt(np.mean(captured**2)) > 0.01, "captured audio is silent"

    monkeypatch.setattr(pulse_record, "library", lambda: None)
    with DeviceSource(pulse_input_device()) as source:
        assert not isinstance(source._stream, pulse_record.PulseRecordStream)
        captured = capture_while_playing(source, pulse_sink, tail_s=0.2)
    assert np.sqrt(np.mean(captured**2)) > 0.01, "captured audio is silent"


@pytest.mark.sound_servers
def test_a_source_the_server_does_not_have_is_a_clear_error(pulse_server):
    device = replace(pulse_input_device(), name="Headset", pulse_source="no_such_source")
    # In words a user can act on, not libpulse's "No such entity".
    with pytest.raises(AudioError, match=r"^Cannot open “Headset”: it is not connected now .+\.$"):
        DeviceSource(device).open()


@pytest.mark.sound_servers
def test_sound_server_audio_is_forwarded_from_its_own_thread(pulse_server, pulse_sink, monkeypatch):
    """Sound-server capture hands each chunk on where it arrives (issue 14: no thread of
    ours wakes per chunk to move it), and what reaches the receiver is the clip, whole."""
    with wave.open(str(CLIP_0890), "rb") as w:
        reference = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768
    monkeypatch.setenv("PULSE_SOURCE", f"{pulse_sink}.monitor")
    device = DeviceSource(pulse_input_device())
    capture = EarlyCapture(device)
    sent: list[bytes] = []
    capture.start()
    try:
        capture.open()
        assert device.pushing
        capture.forward(sent.append)
        deadline = time.monotonic() + 15
        while not sent:
            assert time.monotonic() < deadline, "the capture stream never started"
            assert capture.read(0.1) is None  # the reader only watches: chunks went on
        with playing(CLIP_0890, pulse_sink) as player:
            stop_after: int | None = None
            while time.monotonic() < deadline + 30:
                assert capture.read(0.1) is None
                if stop_after is None and player.poll() is not None:
                    stop_after = len(sent) + 20  # one second of audio after the clip
                if stop_after is not None and len(sent) >= stop_after:
                    break
    finally:
        capture.close()
    assert all(len(c) == CHUNK_BYTES for c in sent)
    captured = np.frombuffer(b"".join(sent), "<i2").astype(np.float32) / 32768.0
    lag = find_lag(reference, captured)
    ref_part, cap_part = overlap(reference, captured, lag)
    assert len(ref_part) > 0.9 * len(reference), f"most of the clip is missing (lag {lag})"
    corr = float(np.corrcoef(envelope(ref_part), envelope(cap_part))[0, 1])
    assert corr > 0.8, f"envelope correlation {corr:.2f} at lag {lag / 16:.0f} ms"


@pytest.mark.sound_servers
def test_a_removed_source_is_a_lost_device_while_forwarding(pulse_server: PulseServer, monkeypatch):
    sink = pulse_server.create_sink()
    try:
        monkeypatch.setenv("PULSE_SOURCE", f"{sink}.monitor")
        device = DeviceSource(pulse_input_device())  # the app's stall limit, as above
        capture = EarlyCapture(device)
        sent: list[bytes] = []
        capture.start()
        capture.open()
        capture.forward(sent.append)
        deadline = time.monotonic() + 5
        while not sent:
            assert time.monotonic() < deadline, "no audio from the monitor"
            capture.read(0.1)
        pulse_server.remove_sink(sink)
        began = time.monotonic()
        with pytest.raises(AudioError, match=r"^Lost the audio device “pulse”"):
            while time.monotonic() - began < 15:
                capture.read(0.5)
        capture.close()
    finally:
        pulse_server.remove_sink(sink)
