"""Start in the app captures at once: speech heard while the engine is not ready yet is
captioned (issue 13.3), through a microphone picked by its name (13.4), real PulseAudio."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from captioner.audio.early_capture import EarlyCapture
from captioner.engines import registry
from captioner.engines.base import AudioSource, EngineListener, EngineState
from captioner.engines.offline import OfflineEngine
from captioner.engines.registry import EngineId, EngineOptions
from tests.conftest import DATA, reference_text
from tests.pulse import HEADSET, PulseServer, playing

pytestmark = [pytest.mark.pulse, pytest.mark.slow]

CLIP = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0930.wav"


class LateOfflineEngine(OfflineEngine):
    """The offline engine, ready only when the test says so (a model still loading)."""

    def __init__(self, listener: EngineListener, ready: threading.Event) -> None:
        super().__init__(listener, realtime=True)
        self._ready = ready

    def _run(self, source: AudioSource) -> None:
        self._listener.on_state(EngineState.LOADING, "Loading offline model…")
        while not self._ready.wait(0.05):
            if self._stop_requested.is_set():
                return
        super()._run(source)


def test_speech_during_engine_start_up_is_captioned_from_a_named_microphone(
    make_app,
    qtbot,
    monkeypatch: pytest.MonkeyPatch,
    pulse_server: PulseServer,
    pulse_sink: str,
    pulse_headset: str,
) -> None:
    ready = threading.Event()
    offline = registry.ENGINES[EngineId.OFFLINE]

    def late(listener: EngineListener, _options: EngineOptions) -> LateOfflineEngine:
        return LateOfflineEngine(listener, ready)

    monkeypatch.setitem(
        registry.ENGINES, EngineId.OFFLINE, dataclasses.replace(offline, factory=late)
    )
    app = make_app("--engine", "offline", "--device", "test usb")
    choice = app.window.selected_input()
    assert choice.label == HEADSET and choice.device.pulse_source == pulse_headset
    app.start_captioning()  # Start: the engine is "loading" from here on
    capture = app.runs.source
    assert isinstance(capture, EarlyCapture)
    qtbot.waitUntil(lambda: capture.buffered_s > 0, timeout=20000)  # the microphone is open
    with playing(CLIP, pulse_sink) as player:  # killed, waited for and closed on the way out
        # The meter moves with the speech although no engine reads yet.
        qtbot.waitUntil(lambda: app.window.level_meter.value() > 20, timeout=10000)
        qtbot.waitUntil(lambda: player.poll() is not None, timeout=30000)
        _, stderr = player.communicate()
    assert player.returncode == 0, stderr
    assert "Loading" in app.window.status_text()  # the whole clip played before the engine
    ready.set()
    qtbot.waitUntil(lambda: bool(app.window.transcript.finished_texts()), timeout=30000)
    app.controller.stop()
    qtbot.waitUntil(lambda: not app.controller.running, timeout=15000)
    heard = " ".join(app.window.transcript.finished_texts()).lower()
    first = reference_text(CLIP).split()[:3]  # "he might even"
    assert sum(word in heard.split()[:6] for word in first) >= 2, heard
