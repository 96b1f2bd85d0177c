"""Call mode on Linux: a raw ALSA headset (a PortAudio device) comes back mid-call.

Beside system audio that libpulse records, the headset is the only PortAudio
stream, so PortAudio's devices can be listed again to find it.  Before, only
what the sound server records by name came back; this side stayed lost until
Stop and Start, and its loss said so.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from PySide6.QtCore import QSettings

from captioner.audio import found_again
from captioner.audio.sides import MIC
from captioner.audio.source import DeviceSource
from captioner.core.settings import Settings
from captioner.ui.call_mode import CallMode
from captioner.ui.call_panel import CallPanel
from tests.audio.fake_sd import Scenario
from tests.audio.test_found_again import (
    HEADSET,
    OTHER,
    ReplugSoundDevice,
    SoundServerSide,
    named,
)


@dataclass(frozen=True)
class SoundServerSystemAudio:
    """The picker's system audio item for an output libpulse records."""

    name: str = "System audio — Speakers"
    is_default: bool = True

    def make_source(self) -> SoundServerSide:
        return SoundServerSide()


def test_a_raw_alsa_headset_lost_mid_call_is_waited_for_and_captioned_again(
    qtbot, tmp_path, monkeypatch
) -> None:
    sd = ReplugSoundDevice(
        devices=[OTHER, HEADSET], native=True, scenario=Scenario(blocks=40, interval=0.05)
    )
    monkeypatch.setattr(found_again, "load_sounddevice", lambda: sd)  # what is listed again
    panel = CallPanel()
    qtbot.addWidget(panel)
    panel.set_sources([named(sd, "USB Headset")], [SoundServerSystemAudio()])
    prefs = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    mode = CallMode(panel, prefs, lambda device: DeviceSource(device, sd=sd))
    sources = mode.open_sources()
    lost: list[str] = []
    back = threading.Event()
    sources.watch(
        on_source_lost=lambda side, text: lost.append(text) if side == MIC else None,
        on_source_back=lambda side, _text: back.set() if side == MIC else None,
    )
    sources.open()
    sd.plugged_next = [OTHER]  # unplugged at 2 s: the first look finds only the other mic
    began = time.monotonic()

    def read_while(going) -> None:
        while going():
            assert time.monotonic() - began < 20, (lost, sd.relisted)
            sources.read(0.5)

    try:
        read_while(lambda: sd.relisted < 1)
        assert len(lost) == 1 and lost[0].endswith("for the system audio only until it is back.")
        sd.scenario, sd.plugged_next = Scenario(interval=0.05), [HEADSET, OTHER]  # plugged in
        read_while(lambda: not back.is_set())
        assert sources.lost_message(MIC) is None
        assert sd.streams[-1].device == 0 and not sd.streams[-1].closed  # its new number
    finally:
        mode.run_ended()
        sources.close()
    assert sd.freed_open == [], "devices were listed again with a stream open"
