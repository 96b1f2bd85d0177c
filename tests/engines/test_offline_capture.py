"""Captions from a real capture device: PulseAudio null sink → PortAudio → offline engine."""

from __future__ import annotations

import threading

import jiwer
import pytest

from captioner.audio.source import DeviceSource
from captioner.engines.offline import OfflineEngine
from tests.conftest import DATA, reference_text
from tests.pulse import Flowing, PulseServer, play_wav, pulse_input_device
from tests.recording import RecordingListener

CLIP = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0920.wav"

pytestmark = [pytest.mark.pulse, pytest.mark.slow]


def test_speech_played_into_a_sink_is_captioned_from_its_monitor(
    pulse_server: PulseServer, pulse_sink: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULSE_SOURCE", f"{pulse_sink}.monitor")
    source = Flowing(DeviceSource(pulse_input_device()))
    listener = RecordingListener()
    engine = OfflineEngine(listener, realtime=True)
    engine.start(source)
    try:
        assert source.flowing.wait(20), "capture never started"
        player = play_wav(CLIP, pulse_sink)
        _, stderr = player.communicate(timeout=30)
        assert player.returncode == 0, stderr
        # let the last words reach the recogniser and the pause end the turn
        threading.Event().wait(1.5)
    finally:
        engine.stop()
        listener.wait_stopped(30)
        assert engine.join(10)
    assert not listener.errors, listener.errors
    heard = " ".join(t.text for t in listener.transcript)
    reference = reference_text(CLIP)
    hits = jiwer.process_words(reference, heard or "<nothing>").hits
    assert hits >= 0.6 * len(reference.split()), f"heard {heard!r}"
