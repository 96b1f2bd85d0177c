"""A call's headset unplugged mid-call: said, and said for the rest of the call, while the
status line goes on telling the run's states (a reconnect, Stop) as before.

The lost side was reported as the run's error, which the status line keeps as the
run's last word: a network drop afterwards never showed "Reconnecting…", Stop never
showed "Stopped", and after Stop the line still said captioning continued.
"""

from __future__ import annotations

import threading
import time

from PySide6.QtWidgets import QApplication

from captioner.audio.call import CallSources
from captioner.audio.convert import CHUNK_BYTES
from captioner.engines.assemblyai import AssemblyAIConfig
from captioner.engines.assemblyai.call import AssemblyAICallEngine
from captioner.ui.controller import CaptionController
from tests.engines.test_call_engines import (
    SCRIPT,
    FrameSource,
    conversation_frames,
    read_at_once_clock,
)
from tests.fakes.v3_server import FakeV3Server, Faults

KEY = "test-key-lost-side"


def watched() -> tuple[CaptionController, list[str], list[str]]:
    """A controller, with the status texts it shows and the notices it gives, recorded."""
    controller = CaptionController()
    seen: list[str] = []
    notices: list[str] = []
    controller.statusChanged.connect(lambda text, _error: seen.append(text))
    controller.noticed.connect(lambda message, _detail: notices.append(message))
    return controller, seen, notices


def test_a_lost_side_stays_said_while_the_status_goes_on_and_stop_says_stopped(qtbot) -> None:
    frames = conversation_frames() + [conversation_frames()[-1]] * 60  # ~8.7 s
    mic = FrameSource([f[:CHUNK_BYTES] for f in frames], "Headset", fail_at=20)  # at 1 s
    system = FrameSource([f[CHUNK_BYTES:] for f in frames], "Speakers")
    sources = CallSources(mic, system, clock=read_at_once_clock)
    controller = CaptionController()
    seen: list[tuple[str, bool]] = []
    notices: list[str] = []
    controller.statusChanged.connect(lambda text, error: seen.append((text, error)))
    controller.noticed.connect(lambda message, _detail: notices.append(message))
    faults = [Faults(drop_after_ms=3000), Faults()]  # the network drops after the headset
    with FakeV3Server(api_key=KEY, script=SCRIPT, faults=faults) as server:
        config = AssemblyAIConfig(
            api_key=KEY,
            api_host=server.url,
            connect_timeout_s=2.0,
            provisional_offline=False,
            backoff_base_s=0.5,
            backoff_cap_s=0.5,
        )
        controller.start(lambda listener: AssemblyAICallEngine(listener, config), sources)
        deadline = time.monotonic() + 30
        while controller.running and time.monotonic() < deadline:
            QApplication.processEvents()
            time.sleep(0.01)
        began = sum(s.began for s in server.sessions)
    assert not controller.running and began >= 2, (began, seen)
    assert [n for n in notices if "Headset" in n], notices  # the whole message, once
    lost = seen.index(next(s for s in seen if "microphone lost" in s[0]))
    after = [text for text, _ in seen[lost:]]
    assert any(t.startswith("Reconnecting") and t.endswith("· microphone lost") for t in after)
    assert any(t.startswith("Listening") and t.endswith("· microphone lost") for t in after)
    assert controller.status_text == "Stopped"
    assert controller.last_error is None


def test_a_side_back_ends_its_lost_note_and_says_it_is_back(qtbot) -> None:
    """The headset reconnects mid-call: "· microphone lost" goes from the status, and the
    notice says the microphone is captioned again."""
    frames = conversation_frames() + [conversation_frames()[-1]] * 60
    mic = FrameSource([f[:CHUNK_BYTES] for f in frames], "Headset", fail_at=20)
    system = FrameSource([f[CHUNK_BYTES:] for f in frames], "Speakers")
    sources = CallSources(mic, system, clock=read_at_once_clock)
    back = FrameSource([f[:CHUNK_BYTES] for f in frames[40:]], "Headset")
    sources.watch(on_source_lost=lambda side, _text: sources.restore(side, back))
    controller, seen, notices = watched()
    with FakeV3Server(api_key=KEY, script=SCRIPT) as server:
        config = AssemblyAIConfig(api_key=KEY, api_host=server.url, provisional_offline=False)
        controller.start(lambda listener: AssemblyAICallEngine(listener, config), sources)
        qtbot.waitUntil(lambda: any("is back" in n for n in notices), timeout=30_000)
        qtbot.waitUntil(lambda: not controller.running, timeout=30_000)
    assert back.sent > 0  # the engine read the headset again
    assert "“Headset” is back: captioning the microphone again." in notices
    lost = next(i for i, text in enumerate(seen) if "microphone lost" in text)
    assert any(t.startswith("Listening") and "lost" not in t for t in seen[lost:]), seen
    assert "microphone lost" not in controller.status_note
    assert controller.status_text == "Stopped"


def test_both_sides_lost_keep_the_session_open_until_they_are_back(qtbot) -> None:
    """The sound server restarts mid-call with the cloud engine: the one session goes on
    (silence streamed meanwhile, at the pace of the world), both notes say so, both go
    when the devices are back, and Stop ends it as usual. Before, the call ended."""
    frames = conversation_frames() + [conversation_frames()[-1]] * 40
    mic = FrameSource([f[:CHUNK_BYTES] for f in frames], "Headset", fail_at=20)
    system = FrameSource([f[CHUNK_BYTES:] for f in frames], "Speakers", fail_at=20)
    sources = CallSources(mic, system, clock=time.monotonic)  # the pacing needs real time
    sources.awaits = lambda _side: True  # as the app's SideReviver answers
    backs = {
        side: FrameSource([f[i * CHUNK_BYTES : (i + 1) * CHUNK_BYTES] for f in frames[20:]], name)
        for i, (side, name) in enumerate((("mic", "Headset"), ("system", "Speakers")))
    }
    lost: set[str] = set()

    def on_lost(side: str, _text: str) -> None:
        lost.add(side)
        if lost == {"mic", "system"}:  # both gone: back 1.5 s later, as a server restarts
            for back_side, source in backs.items():
                threading.Timer(1.5, sources.restore, (back_side, source)).start()

    sources.watch(on_source_lost=on_lost)
    controller, seen, notices = watched()
    with FakeV3Server(api_key=KEY, script=SCRIPT) as server:
        config = AssemblyAIConfig(api_key=KEY, api_host=server.url, provisional_offline=False)
        controller.start(lambda listener: AssemblyAICallEngine(listener, config), sources)
        qtbot.waitUntil(lambda: sum("is back:" in n for n in notices) == 2, timeout=30_000)
        qtbot.waitUntil(lambda: not controller.running, timeout=60_000)
        sessions = server.sessions
    assert len(sessions) == 1 and sessions[0].terminate_received, sessions
    assert any("microphone lost" in t and "system audio lost" in t for t in seen), seen
    assert any(n.endswith("Waiting up to 2 minutes for the call's audio.") for n in notices)
    assert all(source.sent > 0 for source in backs.values())
    # The away time went to the server as silence: more audio than the frames held (not
    # all 1.5 s: these lists were read ahead of real time, which the engine then waits out).
    assert sessions[0].audio_ms_received >= len(frames) * 50 + 500, sessions[0].audio_ms_received
    assert controller.status_text == "Stopped"
