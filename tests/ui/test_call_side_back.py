"""The whole chain: a call's headset unplugged mid-call, then plugged back in, is captioned again.

A private sound server with a "USB headset" microphone, the app in call mode
with the offline engine.  The headset goes: the status says "microphone lost"
while the other side goes on.  It comes back under the same name (a Bluetooth
headset reconnecting): the note goes, the window says it is back, its meter
moves again and what the user says after that is captioned as "You".  Before,
"You" stayed uncaptioned until Stop and Start.
"""

from __future__ import annotations

import pytest

from captioner.audio.sides import MIC
from tests.pulse import HEADSET, PulseServer, playing
from tests.ui.test_call_meters import CLIP, SPEECH, select_monitor

pytestmark = [pytest.mark.pulse, pytest.mark.slow]


def said_by_you(app) -> list[str]:  # type: ignore[no-untyped-def]
    """The finished lines of the microphone's side ("00:02  You: …"), their words only."""
    return [
        t.split(" You: ", 1)[1] for t in app.window.transcript.finished_texts() if " You: " in t
    ]


def call_started(make_app, qtbot, monitor: str):  # type: ignore[no-untyped-def]
    """The app in call mode (offline), the test headset and ``monitor``, Listening."""
    app = make_app("--engine", "offline", "--call-mode", "--device", "test usb")
    qtbot.waitUntil(lambda: not app.inputs.loading, timeout=10000)
    select_monitor(app.window.call_panel, monitor)
    app.start_captioning()
    qtbot.waitUntil(lambda: "Listening" in app.window.status_text(), timeout=60000)
    return app


def you_are_captioned(app, qtbot, pulse_sink: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The user speaks into the headset: its meter moves and "You" lines come."""
    with playing(CLIP, pulse_sink):
        meter = app.window.call_panel.meters[MIC]
        qtbot.waitUntil(lambda: meter.value() > SPEECH, timeout=20000)
        qtbot.waitUntil(lambda: bool(said_by_you(app)), timeout=60000)
    return said_by_you(app)


def test_a_headset_back_mid_call_is_captioned_again(
    make_app, qtbot, pulse_server: PulseServer, pulse_sink: str, pulse_headset: str
) -> None:
    speakers = pulse_server.create_sink()  # the call's far end plays here (silent)
    try:
        app = call_started(make_app, qtbot, f"{speakers}.monitor")
        pulse_server.remove_sink(pulse_headset)  # unplugged
        qtbot.waitUntil(lambda: "microphone lost" in app.window.status_text(), timeout=15000)
        pulse_server.create_microphone(HEADSET, hears=pulse_sink, name=pulse_headset)
        qtbot.waitUntil(lambda: "lost" not in app.window.status_text(), timeout=20000)
        assert app.window.status_text().startswith("Listening"), app.window.status_text()
        assert app.controller.running

        said = you_are_captioned(app, qtbot, pulse_sink)
        assert len(" ".join(said).split()) >= 5, said
    finally:
        pulse_server.remove_sink(speakers)


@pytest.mark.parametrize("engine", ["offline", "assemblyai"])
def test_a_one_source_run_waits_for_its_headset_and_goes_on_in_the_same_session(
    make_app,
    qtbot,
    pulse_server: PulseServer,
    pulse_sink: str,
    pulse_headset: str,
    engine,
    monkeypatch,
) -> None:
    """Not in call mode: the headset unplugged no longer ends the run. It waits, says so,
    and captions again when it is back, in the same session (its earlier lines stay)."""
    from tests.fakes.v3_server import FakeV3Server

    with FakeV3Server(api_key="test-key") as server:
        monkeypatch.setenv("ASSEMBLYAI_API_KEY", "test-key")
        app = make_app("--engine", engine, "--api-host", server.url, "--device", "test usb")
        qtbot.waitUntil(lambda: not app.inputs.loading, timeout=10000)
        app.start_captioning()
        qtbot.waitUntil(lambda: "Listening" in app.window.status_text(), timeout=60000)
        session = app.sessions.info

        pulse_server.remove_sink(pulse_headset)  # unplugged
        qtbot.waitUntil(lambda: "microphone lost" in app.window.status_text(), timeout=15000)
        assert app.controller.running, app.window.status_text()
        pulse_server.create_microphone(HEADSET, hears=pulse_sink, name=pulse_headset)
        qtbot.waitUntil(lambda: "lost" not in app.window.status_text(), timeout=20000)
        assert app.window.status_text().startswith("Listening"), app.window.status_text()
        assert app.controller.running and app.sessions.info is session  # the same session
        heard: list[float] = []
        app.levels.levelChanged.connect(lambda level: heard.append(level or 0.0))
        with playing(CLIP, pulse_sink):  # the user speaks into it again
            qtbot.waitUntil(lambda: max(heard, default=0.0) > 0.01, timeout=20000)
            if engine == "offline":  # the clip plays on: its first 50 ms are not always a line
                qtbot.waitUntil(lambda: bool(app.window.transcript.finished_texts()), timeout=60000)


def test_a_call_whose_devices_all_go_at_once_waits_and_goes_on(
    make_app, qtbot, pulse_server: PulseServer, pulse_sink: str, pulse_headset: str
) -> None:
    """Both sides gone at once (the sound server restarted, a dock unplugged): the call
    no longer ends. It waits, and captions again once the devices are back."""
    speakers = pulse_server.create_sink()
    try:
        app = call_started(make_app, qtbot, f"{speakers}.monitor")
        session = app.sessions.info

        pulse_server.remove_sink(pulse_headset)
        pulse_server.remove_sink(speakers)
        status = app.window.status_text
        qtbot.waitUntil(
            lambda: "microphone lost" in status() and "system audio lost" in status(), timeout=15000
        )
        assert app.controller.running, status()
        pulse_server.create_sink(speakers)
        pulse_server.create_microphone(HEADSET, hears=pulse_sink, name=pulse_headset)
        qtbot.waitUntil(lambda: "lost" not in status(), timeout=20000)
        assert status().startswith("Listening") and app.sessions.info is session, status()

        you_are_captioned(app, qtbot, pulse_sink)
    finally:
        pulse_server.remove_sink(speakers)


def test_a_call_goes_on_after_the_sound_server_restarts(
    make_app, qtbot, pulse_server: PulseServer, pulse_sink: str, pulse_headset: str
) -> None:
    """PulseAudio itself stops and starts again (an update, ``systemctl --user restart``):
    every stream ends at once, with "the sound server stopped". The call waits, and once
    the server and the headset are back both sides are captioned again, in the same
    session. Before, the call ended."""
    app = call_started(make_app, qtbot, f"{pulse_server.sink}.monitor")  # the default's
    session = app.sessions.info

    pulse_server.restart()
    status = app.window.status_text
    qtbot.waitUntil(lambda: "microphone lost" in status(), timeout=15000)
    assert app.controller.running, status()
    pulse_server.create_sink(pulse_sink)  # the desktop's devices come back with it
    pulse_server.create_microphone(HEADSET, hears=pulse_sink, name=pulse_headset)
    qtbot.waitUntil(lambda: "lost" not in status(), timeout=20000)
    assert status().startswith("Listening") and app.sessions.info is session, status()
    you_are_captioned(app, qtbot, pulse_sink)
