"""The call panel's two level meters move with each side's sound during a real call-mode run.

A README screenshot showed both meters (You / Them) empty while a "You:" partial
was on screen.  Here the whole chain runs for real: a private PulseAudio with a
"USB headset" microphone and a speakers sink whose monitor is the system audio,
the app in call mode with the offline engine, PortAudio capture on both sides
(CallMode → CallSources → EarlyCapture → DeviceSource / PulseMonitorSource).
The meters do move; a partial stays on screen in the silence after the words
(the offline recogniser completes it as the speech ends), which is when an
empty meter beside a "You:" partial is right.
"""

from __future__ import annotations

import pytest

from captioner.audio.sides import MIC, SYSTEM
from tests.conftest import DATA
from tests.pulse import PulseServer, playing

pytestmark = [pytest.mark.pulse, pytest.mark.slow]

CLIP = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav"  # 7 s of speech
SPEECH = 20  # percent of the -60..0 dBFS meter: clearly moving (speech sits near 50-80)


def select_monitor(panel, monitor: str) -> None:
    """Pick the system-audio source that records ``monitor`` in the call panel."""
    picker = panel.pickers[SYSTEM]
    for index in range(picker.count()):
        if getattr(picker.itemData(index), "monitor", None) == monitor:
            picker.setCurrentIndex(index)
            return
    raise AssertionError(f"{monitor} is not offered as system audio")


def test_each_call_meter_moves_with_its_own_side_and_falls_back_in_silence(
    make_app, qtbot, pulse_server: PulseServer, pulse_sink: str, pulse_headset: str
) -> None:
    speakers = pulse_server.create_sink()  # what the call plays; the headset hears pulse_sink
    try:
        app = make_app("--engine", "offline", "--call-mode", "--device", "test usb")
        qtbot.waitUntil(lambda: not app.inputs.loading, timeout=10000)
        panel = app.window.call_panel
        assert panel.selected(MIC).pulse_source == pulse_headset
        select_monitor(panel, f"{speakers}.monitor")
        meters = panel.meters
        app.start_captioning()
        qtbot.waitUntil(lambda: app.controller.running, timeout=10000)
        # The engine reads both sides from here on (the screenshot's situation).
        qtbot.waitUntil(lambda: "Listening" in app.window.status_text(), timeout=60000)

        for side, other, sink in ((MIC, SYSTEM, pulse_sink), (SYSTEM, MIC, speakers)):
            with playing(CLIP, sink):  # the player is killed on the way out: sound stops
                qtbot.waitUntil(lambda s=side: meters[s].value() > SPEECH, timeout=20000)
                # Read in the same update: the other side's meter shows its silence.
                assert meters[other].value() == 0, f"{other} moved with {side}'s sound"
            qtbot.waitUntil(lambda s=side: meters[s].value() == 0, timeout=10000)
        assert app.controller.running  # the meters fell back while the run went on
    finally:
        pulse_server.remove_sink(speakers)
