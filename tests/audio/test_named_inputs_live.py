"""Real PulseAudio: microphones by name (13.4), nothing lost before the engine is ready (13.3).

A "USB headset" is a remap source of a null sink's monitor: to pactl, PortAudio's
ALSA "pulse" device and the app it is an ordinary microphone, and it hears the
LibriVox clip played into that sink.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

import jiwer
import pytest

from captioner.audio.early_capture import EarlyCapture
from captioner.audio.inventory import find_input, scan_inputs
from captioner.audio.source import DeviceSource
from captioner.engines.offline import OfflineEngine
from tests.conftest import DATA, reference_text
from tests.flowing import Flowing
from tests.pulse import HEADSET, PulseServer, play_wav
from tests.recording import RecordingListener

pytestmark = [pytest.mark.pulse, pytest.mark.sound_servers]

CLIP = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0930.wav"


class FinalListener(RecordingListener):
    """Also says when the first finished line came."""

    def __init__(self) -> None:
        super().__init__()
        self.finished = threading.Event()

    def on_final(self, update) -> None:  # type: ignore[no-untyped-def]
        super().on_final(update)
        self.finished.set()


def test_the_microphone_is_listed_by_its_name_and_device_finds_it(
    pulse_server: PulseServer, pulse_sink: str, pulse_headset: str
) -> None:
    inventory = scan_inputs()
    names = [d.name for d in inventory.devices]
    assert HEADSET in names
    assert not any(name.startswith("Monitor of") for name in names)
    assert f"System audio — {pulse_sink}" in [s.name for s in inventory.systems]
    found = find_input("usb headset", inventory)  # part of the name, any case
    assert found.name == HEADSET and found.pulse_source == pulse_headset  # type: ignore[union-attr]
    assert find_input("System audio", inventory).name == f"System audio — {pulse_server.sink}"


def python_on(server: PulseServer, *args: str) -> subprocess.CompletedProcess[str]:
    """A fresh interpreter run with ``args``, talking to ``server``."""
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PULSE_SERVER": server.server},
        check=False,
    )


def test_the_microphone_and_system_audio_are_found_and_heard_without_portaudio(
    pulse_server: PulseServer, pulse_sink: str, pulse_headset: str
) -> None:
    """The sound server lists them and libpulse records them (issue 14: no ALSA
    plugins in an app open all day), in a fresh interpreter that never loads PortAudio."""
    script = textwrap.dedent(
        f"""
        import sys
        from captioner.audio.inventory import find_input, scan_inputs
        from captioner.audio.source import DeviceSource

        inventory = scan_inputs()
        microphone = DeviceSource(find_input({HEADSET!r}, inventory))
        system_audio = find_input("System audio", inventory).make_source()
        for spec, source in (({HEADSET!r}, microphone), ("System audio", system_audio)):
            source.open()
            try:
                chunk = None
                while chunk is None:
                    chunk = source.read(10.0)
                print(spec, len(chunk))
            finally:
                source.close()
        print("portaudio loaded:", "sounddevice" in sys.modules)
        """
    )
    result = python_on(pulse_server, "-c", script)
    assert result.returncode == 0, result.stderr
    assert f"{HEADSET} 1600" in result.stdout and "System audio 1600" in result.stdout
    assert "portaudio loaded: False" in result.stdout


def test_list_devices_names_the_microphone_and_system_audio(
    pulse_server: PulseServer, pulse_sink: str, pulse_headset: str
) -> None:
    result = python_on(pulse_server, "-m", "captioner", "--list-devices")
    assert result.returncode == 0, result.stderr
    assert f"  {HEADSET}" in result.stdout
    assert f"System audio — {pulse_sink}" in result.stdout


@pytest.mark.slow
def test_speech_heard_before_the_engine_is_ready_is_captioned(
    pulse_server: PulseServer, pulse_sink: str, pulse_headset: str
) -> None:
    """Start opens the microphone at once; the engine, ready only after the speech, gets it all.

    The whole clip plays before the engine exists (a model still loading, a
    cloud still connecting, only longer), so every word it recognises was
    kept by the capture from Start.
    """
    device = find_input(HEADSET, scan_inputs())
    assert isinstance(device.pulse_source, str)  # type: ignore[union-attr]
    flowing = Flowing(DeviceSource(device))  # type: ignore[arg-type]
    capture = EarlyCapture(flowing)
    capture.start()  # Start pressed
    listener = FinalListener()
    engine = OfflineEngine(listener, realtime=True)
    try:
        assert flowing.flowing.wait(20), "capture never started"
        player = play_wav(CLIP, pulse_sink)
        _, stderr = player.communicate(timeout=30)
        assert player.returncode == 0, stderr
        assert not listener.states  # nothing has read a single chunk yet
        engine.start(capture)  # ready at last
        assert listener.listening.wait(30)
        # The clip is over: the engine works through what was kept, then ends
        # the utterance on the silence after it.
        finished = listener.finished.wait(30)
    finally:
        engine.stop()
        listener.wait_stopped(30)
        assert engine.join(10)
        capture.close()
    assert finished, f"no finished line; states {listener.states}"
    assert not listener.errors, listener.errors
    heard = " ".join(t.text for t in listener.transcript).lower()
    reference = reference_text(CLIP)
    first = " ".join(reference.split()[:4])  # "he might even have"
    hits = jiwer.process_words(first, " ".join(heard.split()[:6]) or "<nothing>").hits
    assert hits >= 3, f"the first words are missing: heard {heard!r}"
