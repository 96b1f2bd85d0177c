"""Real sound servers: a call's headset unplugged and plugged back in is captioned again.

A Bluetooth headset that drops for a moment, a USB one re-plugged: the
microphone side was lost for the rest of the call.  Here the headset (a source
of its own, as a USB headset's microphone is) is removed mid-call and made
again under the same name; the sound server's device events (or the retries)
bring the side back, and the user's speech after that is heard on it.
"""

from __future__ import annotations

import threading
import time
from functools import partial

import pytest

from captioner.audio.call_revive import SideReviver
from captioner.audio.devices import sound_server_input
from captioner.audio.pulse_monitor import PulseMonitorSource
from captioner.audio.sides import MIC
from captioner.audio.source import DeviceSource
from tests.audio.helpers import CLIP_0890
from tests.audio.test_pulse_unplugged import live_call, loudest
from tests.pulse import PulseServer, playing

pytestmark = [pytest.mark.pulse, pytest.mark.slow, pytest.mark.sound_servers]

HEADSET = "USB Headset Microphone"


def test_a_headset_plugged_back_in_mid_call_is_heard_again(pulse_server: PulseServer) -> None:
    headset_out, far_end = pulse_server.create_sink(), pulse_server.create_sink()
    headset = pulse_server.create_microphone(HEADSET, hears=headset_out)
    device = sound_server_input(headset, HEADSET)
    said: list[str] = []
    back = threading.Event()
    try:
        with live_call(
            DeviceSource(device),
            PulseMonitorSource(f"{far_end}.monitor", name="System audio — Call"),
        ) as call:
            reviver = SideReviver(call.sources, {MIC: partial(DeviceSource, device)})
            call.sources.watch(on_source_lost=reviver.lost)
            call.sources.watch(on_source_back=lambda _side, text: (said.append(text), back.set()))
            try:
                pulse_server.remove_sink(headset)  # unplugged
                call.read_while(lambda: not call.lost and len(call.you) < 200)
                assert [side for side, _ in call.lost] == [MIC], "the headset was never lost"
                gone = time.monotonic()
                call.read_while(lambda: time.monotonic() - gone < 1.0)  # a second without it
                pulse_server.create_microphone(HEADSET, hears=headset_out, name=headset)
                began = time.monotonic()
                call.read_while(lambda: not back.is_set() and time.monotonic() - began < 20)
                assert back.is_set(), f"the headset was not taken back ({reviver.attempts} tries)"
                call.you.clear()
                with playing(CLIP_0890, headset_out):  # the user speaks into it
                    began = time.monotonic()
                    call.read_while(lambda: time.monotonic() - began < 4)
            finally:
                reviver.close()
    finally:
        pulse_server.remove_sink(headset)
        pulse_server.remove_sink(headset_out)
        pulse_server.remove_sink(far_end)
    assert said == [f"“{HEADSET}” is back: captioning the microphone again."]
    assert loudest(call.you) > 0.05, "the headset's side heard nothing after it came back"
    assert loudest(call.them) < 1e-3  # the far end's side never got the user's voice
