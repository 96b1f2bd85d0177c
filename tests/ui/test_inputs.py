"""The input picker: inputs looked for off the GUI thread (issue 11.1), --device and
--call-mode (13.4), and a silence hint only where silence is suspicious (13.6)."""

from __future__ import annotations

import dataclasses
import threading

import pytest
from PySide6.QtWidgets import QApplication

from captioner.audio.convert import CHUNK_BYTES
from captioner.audio.devices import InputDevice
from captioner.audio.system import SystemAudioDevice
from captioner.engines import registry
from captioner.engines.base import EngineState
from captioner.engines.registry import EngineId
from captioner.ui.input_picker import LOOKING
from captioner.ui.level_monitor import SILENCE_HINT_AFTER_S, LevelMonitor

HEADSET = InputDevice(1, "USB Headset", "PulseAudio", 2, 48000.0, pulse_source="usb_in")
BUILT_IN = InputDevice(1, "Built-in Audio", "PulseAudio", 2, 48000.0, True, "builtin_in")
SPEAKERS = SystemAudioDevice("System audio — Speakers", "Speakers", "pulse", "spk.monitor")
HDMI = SystemAudioDevice("System audio — HDMI", "HDMI", "pulse", "hdmi.monitor", None, True)


class SlowSoundServer:
    """Answers each look for devices only when the test says so, and notes the thread."""

    def __init__(self, *answers: list[InputDevice]) -> None:
        self.answers = list(answers)
        self.gates = [threading.Event() for _ in answers]
        self.threads: list[str] = []
        self.calls = 0

    def list_devices(self) -> list[InputDevice]:
        call = self.calls
        self.calls += 1
        self.threads.append(threading.current_thread().name)
        assert self.gates[call].wait(10), "the test never answered"
        return self.answers[call]

    def hooks(self) -> dict[str, object]:
        return {
            "list_devices": self.list_devices,
            "list_system_sources": lambda: [SPEAKERS],
            "rescan_devices": lambda: None,
        }


def combo_texts(app) -> list[str]:
    combo = app.window.input_combo
    return [combo.itemText(i) for i in range(combo.count())]


class SilentMic:
    """A live microphone that opens and delivers nothing (Start must reach it)."""

    name = "USB Headset"
    level = 0.0

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.closed = threading.Event()

    def open(self) -> None:
        self.opened.set()

    def read(self, timeout: float) -> bytes | None:
        self.closed.wait(timeout)
        return b"" if self.closed.is_set() else None

    def close(self) -> None:
        self.closed.set()


def test_inputs_are_looked_for_off_the_gui_thread_and_start_waits_for_them(
    make_app, qtbot, loop
) -> None:
    server = SlowSoundServer([HEADSET])
    mic = SilentMic()
    app = make_app("--engine", "offline", loop=loop, open_device=lambda _d: mic, **server.hooks())
    # The window is up and answering while the sound server has not answered yet.
    qtbot.waitUntil(lambda: server.calls == 1, timeout=5000)
    assert combo_texts(app) == [LOOKING]
    assert server.threads[0] != threading.main_thread().name
    app.start_captioning()  # pressed too early: it waits, it does not fail
    assert app.window.status_text() == LOOKING
    assert not app.controller.running and not mic.opened.is_set()
    server.gates[0].set()
    qtbot.waitUntil(lambda: app.controller.running, timeout=5000)
    assert combo_texts(app) == ["USB Headset", "System audio — Speakers"]
    assert mic.opened.wait(5)  # the run started on the device that was found
    app.controller.stop()
    qtbot.waitUntil(lambda: not app.controller.running, timeout=15000)


def test_the_first_look_begins_before_the_loop_exists_and_start_waits_for_it(
    make_app, qtbot, loop
) -> None:
    # At launch the window paints before asyncio and qasync load (issue 14); the sound
    # server is asked at once meanwhile, on a thread of its own, and --start waits for it.
    server = SlowSoundServer([HEADSET], [BUILT_IN])
    mic = SilentMic()
    app = make_app(
        "--engine", "offline", loop_later=True, open_device=lambda _d: mic, **server.hooks()
    )
    qtbot.waitUntil(lambda: server.calls == 1, timeout=5000)  # asked with no loop yet
    assert server.threads[0] != threading.main_thread().name
    app.start_captioning()
    app.window.refreshDevicesRequested.emit()  # ⟳ before the loop: asked again after
    app.inputs.use_loop(loop)
    assert combo_texts(app) == [LOOKING] and not app.controller.running
    server.gates[0].set()
    server.gates[1].set()
    qtbot.waitUntil(lambda: server.calls == 2 and not app.inputs.loading, timeout=5000)
    assert combo_texts(app)[0] == "Built-in Audio — default"  # the newer look
    qtbot.waitUntil(lambda: app.controller.running, timeout=5000)
    assert mic.opened.wait(5)
    app.controller.stop()
    qtbot.waitUntil(lambda: not app.controller.running, timeout=15000)


def test_with_start_the_first_look_fills_the_pickers_and_starts_before_any_loop(
    make_app, qtbot
) -> None:
    # With --start the loop (asyncio's import) waits until the session is open (issue 14):
    # the first scan's answer must fill the pickers and begin the run without it.
    server = SlowSoundServer([HEADSET])
    mic = SilentMic()
    app = make_app(
        "--engine", "offline", loop_later=True, open_device=lambda _d: mic, **server.hooks()
    )
    qtbot.waitUntil(lambda: server.calls == 1, timeout=5000)
    app.start_captioning()
    assert combo_texts(app) == [LOOKING] and not app.controller.running
    server.gates[0].set()
    qtbot.waitUntil(lambda: not app.inputs.loading, timeout=5000)
    assert combo_texts(app) == ["USB Headset", "System audio — Speakers"]
    qtbot.waitUntil(lambda: app.controller.running, timeout=5000)
    assert mic.opened.wait(5)
    app.controller.stop()
    qtbot.waitUntil(lambda: not app.controller.running, timeout=15000)


def test_a_file_starts_at_once_without_waiting_for_devices(make_app, qtbot, loop) -> None:
    from tests.conftest import DATA

    server = SlowSoundServer([HEADSET])
    clip = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0930.wav"
    app = make_app("--engine", "offline", "--input-file", str(clip), loop=loop, **server.hooks())
    qtbot.waitUntil(lambda: server.calls == 1, timeout=5000)
    assert combo_texts(app) == [f"File: {clip.name}", LOOKING]
    app.start_captioning()
    assert app.controller.running  # a file needs no devices
    app.controller.stop()
    qtbot.waitUntil(lambda: not app.controller.running, timeout=15000)
    server.gates[0].set()
    qtbot.waitUntil(lambda: not app.inputs.loading, timeout=5000)
    assert combo_texts(app)[0] == f"File: {clip.name}"


def test_an_older_answer_arriving_late_is_dropped(make_app, qtbot, loop) -> None:
    server = SlowSoundServer([BUILT_IN], [HEADSET])
    app = make_app(loop=loop, **server.hooks())
    qtbot.waitUntil(lambda: server.calls == 1, timeout=5000)
    app.window.refreshDevicesRequested.emit()  # ⟳ while the first look is still out
    server.gates[0].set()  # the first answers: too late, a newer look was asked for
    qtbot.waitUntil(lambda: server.calls == 2, timeout=5000)
    assert combo_texts(app) == [LOOKING]  # the stale answer was not shown...
    assert app.inputs.loading  # ...nor would Start have used it
    server.gates[1].set()
    qtbot.waitUntil(lambda: not app.inputs.loading, timeout=5000)
    assert combo_texts(app) == ["USB Headset", "System audio — Speakers"]


def test_device_picks_a_named_microphone_or_system_audio(make_app) -> None:
    hardware = {
        "list_devices": lambda: [BUILT_IN, HEADSET],
        "list_system_sources": lambda: [HDMI, SPEAKERS],
        "rescan_devices": lambda: None,
    }
    assert make_app("--device", "usb").window.selected_input().device == HEADSET
    assert make_app("--device", "System audio").window.selected_input().system == HDMI
    assert make_app("--device", "speak").window.selected_input().system == SPEAKERS
    wrong = make_app("--device", "Blue Yeti", **hardware)
    assert "No audio input matches “Blue Yeti”" in wrong.window.status_text()
    assert "USB Headset" in wrong.window.status_text()


USB_MIC = InputDevice(2, "USB Microphone", "PulseAudio", 1, 48000.0, pulse_source="usbmic_in")


@pytest.mark.parametrize(
    ("device", "said", "named"),
    [
        ("Blue Yeti", "No audio input matches “Blue Yeti”", ("Built-in Audio", "USB Headset")),
        ("usb", "matches more than one", ("USB Headset", "USB Microphone")),
    ],
)
def test_start_with_a_device_that_picks_no_input_captions_nothing_until_the_user_picks(
    make_app, qtbot, device: str, said: str, named: tuple[str, str]
) -> None:
    # `captioner --device "Blue Yeti" --start`: the Start waits for the inputs, and when
    # the name picks none (or several) it must not caption another microphone instead.
    server = SlowSoundServer([BUILT_IN, HEADSET, USB_MIC])
    opened: list[InputDevice] = []

    def open_device(found: InputDevice) -> SilentMic:
        opened.append(found)
        return SilentMic()

    app = make_app(
        *("--engine", "offline", "--device", device),
        loop_later=True,
        open_device=open_device,
        **server.hooks(),
    )
    app.start_captioning()
    server.gates[0].set()
    qtbot.waitUntil(lambda: not app.inputs.loading and not app.runs.pending, timeout=5000)
    assert not app.controller.running and opened == []
    status = app.window.status_text()
    assert "Not started" in status and said in status
    assert all(name in status for name in named)  # what the inputs are called
    assert combo_texts(app)[0] == f"Choose an input (“{device}” picked none)"
    app.start_captioning()  # Start again without picking: still nothing captioned
    assert not app.controller.running and opened == []
    # The picker stays usable: the user picks the headset and presses Start.
    app.window.input_combo.setCurrentIndex(combo_texts(app).index("USB Headset"))
    app.start_captioning()
    qtbot.waitUntil(lambda: app.controller.running, timeout=5000)
    assert opened == [HEADSET]
    app.controller.stop()
    qtbot.waitUntil(lambda: not app.controller.running, timeout=15000)


def test_the_named_device_plugged_in_later_clears_the_no_match_message(make_app, qtbot) -> None:
    # `captioner --device "USB Headset" --start` at login, the headset connecting a moment
    # later: Start was refused, and once a look finds it the picker selects it and the
    # status line no longer says that nothing matches (it said so, in red, for good).
    server = SlowSoundServer([BUILT_IN], [BUILT_IN, HEADSET])
    app = make_app("--engine", "offline", "--device", "USB Headset", **server.hooks())
    app.start_captioning()
    server.gates[0].set()
    qtbot.waitUntil(lambda: not app.inputs.loading and not app.runs.pending, timeout=5000)
    assert "No audio input matches “USB Headset”" in app.window.status_text()
    server.gates[1].set()
    app.window.refreshDevicesRequested.emit()  # as the device watch asks when it comes
    qtbot.waitUntil(lambda: server.calls == 2 and not app.inputs.loading, timeout=5000)
    assert app.window.selected_input().device == HEADSET
    status = app.window.status_text()
    assert status == "“USB Headset” is connected: press Start to caption it.", status
    assert not app.controller.running  # Start is the user's, as the message said


@pytest.fixture
def make_app(make_app):
    """The shared factory with this module's hardware unless a test passes its own."""

    def make(*argv: str, **inject):
        inject.setdefault("list_devices", lambda: [BUILT_IN, HEADSET])
        inject.setdefault("list_system_sources", lambda: [HDMI, SPEAKERS])
        inject.setdefault("rescan_devices", lambda: None)
        return make_app(*argv, **inject)

    return make


def test_call_mode_flag_starts_in_call_mode_with_device_on_its_side(make_app) -> None:
    app = make_app("--call-mode", "--device", "speakers")
    panel = app.window.call_panel
    assert panel.call_mode()
    assert panel.selected("system") == SPEAKERS
    assert panel.selected("mic") == BUILT_IN  # the default microphone
    mic = make_app("--call-mode", "--device", "usb headset").window.call_panel
    assert mic.selected("mic") == HEADSET and mic.selected("system") == HDMI


def test_call_mode_with_a_device_that_picks_no_input_does_not_start(make_app) -> None:
    opened: list[InputDevice] = []
    app = make_app(
        *("--engine", "offline", "--call-mode", "--device", "Blue Yeti"),
        open_device=lambda found: opened.append(found) or SilentMic(),
    )
    app.start_captioning()
    assert not app.controller.running and opened == []
    assert "No audio input matches “Blue Yeti”" in app.window.status_text()


def test_a_call_start_that_fails_after_opening_its_devices_ends_the_calls_meters(
    make_app, qtbot
) -> None:
    """No API key, found once the call's devices were already capturing: the Start fails,
    its sources are let go, and the call panel's meters (and its lost-side attempts) end
    with it instead of polling closed devices until the next Start."""
    mic = SilentMic()
    app = make_app("--engine", "assemblyai", "--call-mode", open_device=lambda _found: mic)
    app.start_captioning()
    qtbot.waitUntil(lambda: "No AssemblyAI API key" in app.window.status_text(), timeout=5000)
    assert mic.opened.wait(5) and not app.controller.running
    assert not app.call.level_timer.isActive()


class QuietSource:
    def __init__(self, name: str, *, system_audio: bool) -> None:
        self.name = name
        self.level = 0.0
        self.is_system_audio = system_audio


@pytest.fixture
def clock_monitor(make_app, qtbot):
    app = make_app()
    qtbot.waitExposed(app.window)
    now = [0.0]
    monitor = LevelMonitor(clock=lambda: now[0])
    monitor.show_hints_in(app.window, app.controller)
    return app, monitor, now


def silence_for(monitor: LevelMonitor, now: list[float], seconds: float) -> None:
    monitor.poll()
    now[0] += seconds
    monitor.poll()


def test_a_paused_video_on_system_audio_is_not_an_alarm(clock_monitor) -> None:
    app, monitor, now = clock_monitor
    app.window.show_status("Listening")
    monitor.watch(QuietSource("System audio — Speakers", system_audio=True))
    silence_for(monitor, now, 60.0)
    assert app.window.status_text() == "Listening"
    assert app.window.statusBar().currentMessage() == ""


def test_a_microphone_giving_zeros_gets_a_gentle_hint_that_moves_nothing(
    clock_monitor,
) -> None:
    app, monitor, now = clock_monitor
    app.window.show_status("Listening")
    QApplication.processEvents()
    transcript = app.window.transcript.geometry()
    mic = QuietSource("USB Headset", system_audio=False)
    monitor.watch(mic)
    silence_for(monitor, now, SILENCE_HINT_AFTER_S + 0.1)
    QApplication.processEvents()
    hint = app.window.statusBar().currentMessage()
    assert "USB Headset" in hint and "muted" in hint
    assert app.window.transcript.geometry() == transcript  # nothing shifted
    assert app.window.status_text() == "Listening"  # still there, under the hint
    mic.level = 0.05  # the user unmuted
    monitor.poll()
    assert app.window.statusBar().currentMessage() == ""


def test_news_from_the_run_replaces_the_hint(clock_monitor) -> None:
    app, monitor, now = clock_monitor
    monitor.watch(QuietSource("USB Headset", system_audio=False))
    silence_for(monitor, now, SILENCE_HINT_AFTER_S + 0.1)
    assert app.window.statusBar().currentMessage()
    app.controller.report_error("Lost the audio device “USB Headset”: unplugged.")
    assert app.window.statusBar().currentMessage() == ""
    assert "unplugged" in app.window.status_text()


def test_in_call_mode_only_the_unmuted_microphone_side_is_judged(clock_monitor) -> None:
    from captioner.audio.call import CallSources

    app, monitor, now = clock_monitor
    mic = QuietSource("USB Headset", system_audio=False)
    speakers = QuietSource("System audio — Speakers", system_audio=True)
    call = CallSources(mic, speakers)  # type: ignore[arg-type]
    shown: list[object] = []
    monitor.levelChanged.connect(shown.append)
    monitor.watch(call)
    assert shown == [None]  # the call panel has its own meters
    mic.level = 0.05  # talking while the other side is silent: nothing to say
    silence_for(monitor, now, 30.0)
    assert app.window.statusBar().currentMessage() == ""
    mic.level = 0.0  # the microphone gives zeros
    silence_for(monitor, now, SILENCE_HINT_AFTER_S + 0.1)
    assert "USB Headset" in app.window.statusBar().currentMessage()
    call.set_muted("mic", True)  # muted on purpose: not a problem to point out
    monitor.poll()
    assert app.window.statusBar().currentMessage() == ""
    silence_for(monitor, now, 30.0)
    assert app.window.statusBar().currentMessage() == ""


class LosingCall:
    """A call source whose microphone side can be lost (the call panel's view of it)."""

    name = "Call"

    def __init__(self) -> None:
        self.mic = QuietSource("USB Headset", system_audio=False)
        self.lost: str | None = None

    def level(self, side: str) -> float:
        return 0.0  # a lost side is filled with silence

    def muted(self, side: str) -> bool:
        return False

    def source(self, side: str) -> QuietSource:
        return self.mic

    def lost_message(self, side: str) -> str | None:
        return self.lost if side == "mic" else None


def test_in_call_mode_a_lost_microphone_is_not_asked_whether_it_is_muted(clock_monitor) -> None:
    # Its headset unplugged, the call's microphone side is said lost; its silence is
    # not the user's, so no "Hearing nothing at all from … is it muted?" replaces that.
    app, monitor, now = clock_monitor
    call = LosingCall()
    monitor.watch(call)
    silence_for(monitor, now, SILENCE_HINT_AFTER_S + 0.1)
    assert "muted" in app.window.statusBar().currentMessage()  # zeros from a live side
    call.lost = "Lost the audio device “USB Headset”: unplugged."
    monitor.poll()
    assert app.window.statusBar().currentMessage() == ""
    silence_for(monitor, now, 60.0)
    assert app.window.statusBar().currentMessage() == ""


class FloodingMic(SilentMic):
    """A microphone that delivers 40 s of (silent) audio at once, then waits."""

    def __init__(self) -> None:
        super().__init__()
        self.left = 800

    def read(self, timeout: float) -> bytes | None:
        if self.left:
            self.left -= 1
            return bytes(CHUNK_BYTES)
        return super().read(timeout)


class NeverReady:
    """An engine that never gets to read (a model that never finishes loading)."""

    name = "never ready"

    def __init__(self, listener) -> None:  # type: ignore[no-untyped-def]
        self._listener = listener
        self._stopped = threading.Event()

    def start(self, source) -> None:  # type: ignore[no-untyped-def]
        self._listener.on_state(EngineState.LOADING, "Loading offline model…")

    def stop(self) -> None:
        self._listener.on_state(EngineState.STOPPED, "")
        self._stopped.set()

    def join(self, timeout: float | None = None) -> bool:
        return True

    @property
    def running(self) -> bool:
        return not self._stopped.is_set()


def test_audio_dropped_behind_a_stuck_engine_is_said_in_the_window(
    make_app, qtbot, monkeypatch
) -> None:
    offline = registry.ENGINES[EngineId.OFFLINE]
    stuck = dataclasses.replace(offline, factory=lambda listener, _options: NeverReady(listener))
    monkeypatch.setitem(registry.ENGINES, EngineId.OFFLINE, stuck)
    mic = FloodingMic()
    app = make_app("--engine", "offline", "--device", "usb", open_device=lambda _d: mic)
    app.start_captioning()
    qtbot.waitUntil(lambda: "behind “USB Headset”" in app.window.status_text(), timeout=10000)
    assert "oldest audio was dropped" in app.window.status_text()
    app.controller.stop()
    qtbot.waitUntil(lambda: not app.controller.running, timeout=10000)
    assert mic.closed.wait(5)  # the run ended without its engine opening the mic: released
