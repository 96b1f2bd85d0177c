"""Start in the app captures at once: speech heard while the engine is not ready yet is
captioned (issue 13.3), through a microphone picked by its name (13.4), real PulseAudio."""

from __future__ import annotations

import dataclasses
import threading
import wave

import numpy as np
import pytest

from captioner.audio.returning_capture import ReturningCapture
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
    # Capturing from Start; a named sound-server microphone is waited for if it goes away.
    assert isinstance(capture, ReturningCapture)
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


def test_a_named_microphone_reaches_the_cloud_whole_and_captions_appear(
    make_app,
    qtbot,
    monkeypatch: pytest.MonkeyPatch,
    pulse_server: PulseServer,
    pulse_sink: str,
    pulse_headset: str,
) -> None:
    """Cloud captioning from a real sound-server microphone, through the cloud engine's
    process: every chunk heard reaches the server, in order (the chunks are handed on
    from the capture thread itself: issue 14), and the captions come back."""
    from tests.audio.test_pulse_capture import envelope, find_lag, overlap
    from tests.fakes.v3_server import FakeV3Server, TurnScript

    key = "test-key-live"
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", key)
    monkeypatch.setattr(registry, "_hosting", True)  # as the app runs it (run_gui)
    script = TurnScript.from_text(reference_text(CLIP))
    with FakeV3Server(api_key=key, script=script, ms_per_word=200) as server:
        app = make_app("--engine", "assemblyai", "--api-host", server.url, "--device", "test usb")
        assert app.window.selected_input().label == HEADSET
        app.start_captioning()
        qtbot.waitUntil(
            lambda: bool(server.sessions) and bool(server.sessions[0].audio_bytes), timeout=20000
        )
        with playing(CLIP, pulse_sink) as player:
            qtbot.waitUntil(lambda: app.window.level_meter.value() > 20, timeout=10000)
            qtbot.waitUntil(lambda: player.poll() is not None, timeout=30000)
            _, stderr = player.communicate()
        assert player.returncode == 0, stderr
        qtbot.waitUntil(lambda: bool(app.window.transcript.finished_texts()), timeout=30000)
        qtbot.wait(1000)  # a second of the tail after the clip
        app.controller.stop()
        qtbot.waitUntil(lambda: not app.controller.running, timeout=15000)
        session = server.sessions[0]
    assert session.terminate_received
    assert len(session.audio_bytes) % 1600 == 0  # whole 50 ms chunks, none torn
    captured = np.frombuffer(session.audio_bytes, "<i2").astype(np.float32) / 32768
    with wave.open(str(CLIP), "rb") as w:
        reference = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768
    lag = find_lag(reference, captured)
    ref_part, cap_part = overlap(reference, captured, lag)
    assert len(ref_part) > 0.9 * len(reference), f"most of the clip is missing (lag {lag})"
    corr = float(np.corrcoef(envelope(ref_part), envelope(cap_part))[0, 1])
    assert corr > 0.8, f"envelope correlation {corr:.2f}: chunks lost or out of order"
    assert "he might" in " ".join(app.window.transcript.finished_texts()).lower()
