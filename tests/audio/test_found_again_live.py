"""Real PortAudio: a device gone mid-run is found again once it is back, in the same run.

On Windows and macOS every input is a PortAudio device, listed once when
PortAudio starts; here the same path runs on Linux through PortAudio's ALSA
"pulse" device (opened through PortAudio itself, not libpulse) while the
private PulseAudio daemon stops and starts again: the device fails, PortAudio
must list its devices again to reach the new daemon, and the run goes on.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from captioner.audio import found_again
from captioner.audio.devices import rescan
from captioner.audio.returning_capture import ReturningCapture
from captioner.audio.source import DeviceSource
from tests.audio.test_found_again import started_capture
from tests.pulse import PulseServer, playing, pulse_input_device
from tests.speech import DATA

pytestmark = [pytest.mark.pulse]

CLIP = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav"  # 7 s of speech


def loudest(capture: ReturningCapture, seconds: float) -> float:
    """The highest RMS of the chunks read in ``seconds`` (silence while away is 0)."""
    peak = 0.0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        chunk = capture.read(0.1)
        assert chunk != b"", "the run ended"
        if chunk:
            samples = np.frombuffer(chunk, "<i2").astype(np.float64) / 32768
            peak = max(peak, float(np.sqrt(np.mean(samples**2))))
    return peak


def test_a_portaudio_device_is_captured_again_after_the_sound_server_restarts(
    pulse_server: PulseServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    if pulse_server.kind != "pulseaudio":
        pytest.skip("restart() is PulseAudio's")
    import sounddevice

    relisted: list[bool] = []  # each re-listing: done (no stream of ours was open), or not
    monkeypatch.setattr(found_again, "rescan", lambda sd: relisted.append(rescan(sd)) or True)

    capture, said = started_capture(pulse_input_device(), lambda d: DeviceSource(d, sd=sounddevice))
    try:
        capture.open()
        with playing(CLIP, pulse_server.sink):
            assert loudest(capture, 4.0) > 0.01  # it hears what the sink plays
        pulse_server.restart()
        deadline = time.monotonic() + 30
        while not any("is back" in text for text in said) and time.monotonic() < deadline:
            loudest(capture, 0.5)
        assert [text.split(".")[0] for text in said] == [
            "Waiting up to 2 minutes for “pulse” to come back",
            "“pulse” is back: captioning it again",
        ], said
        with playing(CLIP, pulse_server.sink):
            assert loudest(capture, 4.0) > 0.01, "nothing heard from the new daemon"
        assert relisted and all(relisted), relisted  # the lost stream was closed first
    finally:
        capture.close()
