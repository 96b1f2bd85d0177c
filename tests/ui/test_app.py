"""The whole app in-process: window, overlay and engine against the fake v3 server."""

from __future__ import annotations

import gc
import itertools
import weakref
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QWidget

from captioner.app import CaptionerApp
from captioner.audio import found_again
from captioner.audio.devices import InputDevice
from captioner.audio.errors import AudioError
from captioner.cli import parse_args
from captioner.ui.quit_sequence import Closing
from tests.audio.fake_sd import FakeSoundDevice
from tests.conftest import DATA, reference_text
from tests.fakes.v3_server import FakeV3Server, ScriptTurn, TurnScript

KEY = "test-key-app"
SHORT_CLIP = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0880.wav"  # 3 s


def cloud_args(server: FakeV3Server, clip: Path = SHORT_CLIP) -> list[str]:
    return ["--engine", "assemblyai", "--input-file", str(clip), "--api-host", server.url]


def test_live_captions_grow_in_the_overlay_then_finish(make_app, qtbot, monkeypatch) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    script = TurnScript.from_text(reference_text(SHORT_CLIP))
    with FakeV3Server(api_key=KEY, script=script, ms_per_word=250) as server:
        app = make_app(*cloud_args(server))
        seen: list[str] = []
        app.controller.partialChanged.connect(lambda _t: seen.append(app.overlay.partial_text()))
        qtbot.mouseClick(app.window.start_button, Qt.MouseButton.LeftButton)
        assert app.overlay.isVisible()
        qtbot.waitUntil(lambda: len(seen) >= 3, timeout=10000)
        assert app.window.status_text() == "Listening"
        assert app.window.start_button.text() == "Stop"
        qtbot.waitUntil(lambda: not app.controller.running, timeout=15000)  # end of file
        session = server.sessions[0]
    # the in-progress line grew word by word, in place
    assert all(b.startswith(a) and len(b) > len(a) for a, b in itertools.pairwise(seen))
    expected = reference_text(SHORT_CLIP).capitalize() + "."
    assert app.overlay.history_texts() == [expected]
    assert app.overlay.partial_text() == ""
    assert app.window.transcript.finished_texts()[0].endswith(expected)
    assert session.terminate_received
    assert app.window.start_button.text() == "Start"


def test_stop_sends_terminate_and_keeps_the_turn_in_progress(make_app, qtbot, monkeypatch) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    script = TurnScript([ScriptTurn("he was not an ill disposed young man".split())])
    with FakeV3Server(api_key=KEY, script=script, ms_per_word=300) as server:
        app = make_app(
            *cloud_args(server, DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav")
        )
        app.start_captioning()
        qtbot.waitUntil(lambda: len(app.overlay.partial_text().split()) >= 2, timeout=10000)
        stops: list[None] = []
        app.window.stopRequested.connect(lambda: stops.append(None))
        button = app.window.start_button
        button.setFocus()
        qtbot.keyClick(button, Qt.Key.Key_Space)  # Stop from the keyboard
        assert button.text() == "Stopping…"
        # Still the focus (disabled, it passed the focus on: the next Space unticked
        # "Show caption overlay"), and no second Stop while ending.
        assert button.isEnabled() and app.window.focusWidget() is button
        qtbot.keyClick(button, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: not app.controller.running, timeout=10000)
        session = server.sessions[0]
    assert len(stops) == 1
    assert button.text() == "Start" and app.window.focusWidget() is button  # Space: Start
    assert session.terminate_received and session.termination_sent
    assert app.window.status_text() == "Stopped"
    finished = app.window.transcript.finished_texts()
    assert len(finished) == 1 and "he was" in finished[0].lower()


def test_closing_the_window_ends_the_session_first(make_app, qtbot, monkeypatch) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    script = TurnScript.from_text("and mister john dashwood")
    with FakeV3Server(api_key=KEY, script=script) as server:
        app = make_app(*cloud_args(server))  # no tray: closing asks first
        asked: list[QWidget] = []
        app.quit_sequence.ask_closing = lambda parent, answer: (
            asked.append(parent) or answer(Closing.QUIT)
        )
        app.start_captioning()
        server.wait_for(lambda s: bool(s.sessions) and s.sessions[0].audio_ms_received > 300)
        with qtbot.waitSignal(app.quitFinished, timeout=15000):
            app.window.close()
        session = server.sessions[0]
    assert asked == [app.window]
    assert session.terminate_received
    assert not app.window.isVisible() and not app.overlay.isVisible()


def test_closing_the_window_without_a_tray_asks_rather_than_ending_the_captions(
    make_app, qtbot
) -> None:
    # GNOME without the AppIndicator extension has no tray: a close mid-call quit at
    # once and the captions stopped.  Now: Minimise (default), Quit or Cancel.
    clip = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav"  # 7 s
    app = make_app("--input-file", str(clip), "--engine", "offline")
    answers: list[Closing] = []
    app.quit_sequence.ask_closing = lambda _parent, answer: answer(answers.pop(0))
    app.start_captioning()
    qtbot.waitUntil(lambda: app.controller.running, timeout=10000)
    answers.append(Closing.CANCEL)
    app.window.close()
    assert app.window.isVisible() and not app.window.isMinimized() and app.controller.running
    answers.append(Closing.MINIMISE)
    app.window.close()
    qtbot.waitUntil(app.window.isMinimized, timeout=2000)
    assert app.controller.running and not app.quit_sequence.done  # captions go on
    app.controller.stop()
    qtbot.waitUntil(lambda: not app.controller.running, timeout=15000)
    with qtbot.waitSignal(app.quitFinished, timeout=15000):
        app.window.close()  # not captioning: closing quits without a question


def test_no_api_key_explains_how_to_set_one(make_app, qtbot) -> None:
    app = make_app("--engine", "assemblyai", "--input-file", str(SHORT_CLIP))
    qtbot.mouseClick(app.window.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "No AssemblyAI API key" in app.window.status_text(), timeout=5000)
    assert "Settings ▸ AssemblyAI…" in app.window.status_text()
    assert app.window.start_button.isEnabled() and app.window.start_button.text() == "Start"
    assert not app.controller.running


def test_rejected_key_is_reported(make_app, qtbot, monkeypatch) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", "wrong")
    with FakeV3Server(api_key=KEY) as server:
        app = make_app(*cloud_args(server))
        app.start_captioning()
        qtbot.waitUntil(lambda: not app.controller.running, timeout=10000)
        attempts = len(server.sessions)
    assert "API key rejected" in app.window.status_text()
    assert attempts == 1
    assert app.window.start_button.text() == "Start"


def test_unreachable_host_is_named(make_app, qtbot, monkeypatch) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    app = make_app(
        "--engine", "assemblyai", "--input-file", str(SHORT_CLIP), "--api-host", "ws://127.0.0.1:9"
    )
    app.start_captioning()
    qtbot.waitUntil(lambda: not app.controller.running, timeout=15000)
    assert app.window.status_text().startswith("Cannot reach 127.0.0.1:9")


HEADSET = InputDevice(7, "USB headset", "ALSA", 1, 48000.0, is_default=True)


class FailingMic:
    """A device that delivers a second of audio and then disappears."""

    name = "USB headset"

    def __init__(self) -> None:
        self.sent = 0

    def open(self) -> None:
        pass

    def read(self, timeout: float) -> bytes | None:
        if self.sent >= 50:
            raise AudioError("Lost the audio device “USB headset”: it was unplugged.")
        self.sent += 1
        return b"\x00\x00" * 800

    def close(self) -> None:
        pass


def test_vanished_device_is_named_waited_for_and_the_transcript_stays(
    make_app, qtbot, monkeypatch
) -> None:
    """A headset gone mid-run: the status names it, the run waits for it to come back
    (PortAudio's devices are listed again every 3 s: here it never comes) instead of
    ending, and what was captioned stays, also after Stop."""
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    monkeypatch.setattr(found_again, "load_sounddevice", FakeSoundDevice)  # no devices
    script = TurnScript.from_text("he was not an ill disposed young man")
    said = "He was not an ill disposed young man."
    with FakeV3Server(api_key=KEY, script=script, ms_per_word=100) as server:
        app = make_app(
            "--engine",
            "assemblyai",
            "--api-host",
            server.url,
            list_devices=lambda: [HEADSET],
            open_device=lambda _device: FailingMic(),
        )
        assert app.window.selected_input().device == HEADSET
        app.start_captioning()
        status = app.window.status_text
        qtbot.waitUntil(lambda: "microphone lost" in status(), timeout=10000)
        qtbot.waitUntil(lambda: said in " ".join(app.window.transcript.finished_texts()))
        assert app.controller.running, status()
        app.controller.stop()
        qtbot.waitUntil(lambda: not app.controller.running, timeout=10000)
    assert said in app.window.transcript.finished_texts()[0]


def test_offline_is_the_default_without_a_key(make_app) -> None:
    app = make_app()
    assert app.window.selected_engine() == "offline"
    assert "private" in app.window.engine_hint.text()


def test_assemblyai_is_the_default_with_a_key_and_the_choice_is_remembered(
    make_app, qtbot, monkeypatch
) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    app = make_app("--input-file", str(SHORT_CLIP))
    assert app.window.selected_engine() == "assemblyai"
    assert "accuracy" in app.window.engine_hint.text()
    # the user prefers offline even with a key: once used, it sticks across launches
    app.window.engine_combo.setCurrentIndex(app.window.engine_combo.findData("offline"))
    app.start_captioning()
    app.controller.stop()
    qtbot.waitUntil(lambda: not app.controller.running, timeout=15000)
    again = make_app()
    assert again.window.selected_engine() == "offline"


def test_offline_captions_from_a_file_reach_the_overlay(make_app, qtbot) -> None:
    app = make_app("--input-file", str(SHORT_CLIP))
    qtbot.mouseClick(app.window.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(app.overlay.partial_text()), timeout=15000)
    qtbot.waitUntil(lambda: not app.controller.running, timeout=20000)
    heard = " ".join(app.overlay.history_texts())
    assert "young man" in heard
    assert app.window.transcript.finished_texts()


def test_key_terms_changed_mid_session_reach_the_service(make_app, qtbot, monkeypatch) -> None:
    from captioner.ui.assemblyai_settings import AssemblyAISettingsDialog

    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    script = TurnScript.from_text(reference_text(SHORT_CLIP))
    with FakeV3Server(api_key=KEY, script=script) as server:
        app = make_app(
            *cloud_args(server, DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav")
        )
        app.start_captioning()
        # Wait with the GUI loop running (not server.wait_for, which blocks the GUI
        # thread): a loaded machine takes longer than its 10 s, and anything the run
        # hands to the GUI thread meanwhile must be delivered.
        qtbot.waitUntil(lambda: bool(server.sessions) and server.sessions[0].began, timeout=30000)
        dialog = AssemblyAISettingsDialog(app.prefs, server.url, app.window)
        qtbot.addWidget(dialog)
        dialog.liveUpdate.connect(app.dialogs.update_running_session)
        dialog.keyterms_edit.setPlainText("Dashwood")
        dialog.accept()
        qtbot.waitUntil(
            lambda: any(
                m.get("type") == "UpdateConfiguration" for m in server.sessions[0].control_messages
            ),
            timeout=30000,
        )
        update = next(
            m for m in server.sessions[0].control_messages if m.get("type") == "UpdateConfiguration"
        )
        app.controller.stop()
        qtbot.waitUntil(lambda: not app.controller.running, timeout=15000)
    assert update["keyterms_prompt"] == ["Dashwood"]


def test_provisional_offline_lines_are_tagged_for_readers(make_app) -> None:
    from captioner.core.transcript import TurnUpdate

    app = make_app()
    app.controller._on_update(TurnUpdate("provisional-1:0", 0, "stand in words", provisional=True))
    assert app.overlay.partial_text() == "(offline) stand in words"
    assert app.window.transcript.partial_text() == "(offline) stand in words"


def test_a_dropped_connection_shows_reconnecting_over_the_captions(make_app, qtbot, monkeypatch):
    from tests.fakes.v3_server import Faults

    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    script = TurnScript.from_text(reference_text(SHORT_CLIP))
    badges: list[str] = []
    with FakeV3Server(
        api_key=KEY, script=script, faults=[Faults(drop_after_ms=800), Faults()]
    ) as server:
        app = make_app(
            *cloud_args(server, DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav")
        )
        app.controller.statusChanged.connect(lambda *_: badges.append(app.overlay.badge))
        app.start_captioning()
        qtbot.waitUntil(lambda: any(b.startswith("Reconnecting") for b in badges), timeout=10000)
        qtbot.waitUntil(lambda: app.window.status_text() == "Listening", timeout=10000)
        assert app.overlay.badge == ""  # back: the notice goes away
        app.controller.stop()
        qtbot.waitUntil(lambda: not app.controller.running, timeout=15000)
        sessions = server.sessions
    assert len(sessions) >= 2 and all(s.terminate_received or s.fault_fired for s in sessions)


def test_a_network_drop_shows_reconnecting_with_the_cause_in_a_tooltip(
    make_app, qtbot, monkeypatch
) -> None:
    """Issue 13.7: the status says "Reconnecting…"; the close code is in its tooltip only."""
    from tests.fakes.v3_server import Faults

    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    script = TurnScript.from_text(reference_text(SHORT_CLIP))
    faults = [Faults(drop_after_ms=600), Faults()]
    with FakeV3Server(api_key=KEY, script=script, faults=faults, ms_per_word=250) as server:
        app = make_app(*cloud_args(server))
        w = app.window
        seen: list[tuple[str, bool, str]] = []
        app.controller.statusChanged.connect(
            lambda text, error: seen.append((text, error, w.status_detail()))
        )
        app.start_captioning()
        qtbot.waitUntil(lambda: not app.controller.running, timeout=30000)
    reconnecting = [s for s in seen if s[0].startswith("Reconnecting")]
    assert reconnecting, seen
    assert not any(error for text, error, _d in reconnecting)  # not an alarm
    assert any("1006" in detail or "closed" in detail.lower() for _t, _e, detail in reconnecting)
    after_start = seen[[text for text, _e, _d in seen].index("Listening") :]
    assert not any("1006" in text or "127.0.0.1" in text for text, _e, _d in after_start)
    assert w.status_text() == "Stopped"


def test_start_pressed_while_the_app_is_still_loading_starts_once_it_has(make_app, qtbot) -> None:
    # Progressive start-up shows the window before the run starter exists: a Start
    # clicked in that moment must not be lost (nor a close, below).
    app = make_app("--input-file", str(SHORT_CLIP), complete=False)
    qtbot.mouseClick(app.window.start_button, Qt.MouseButton.LeftButton)
    assert not app.is_complete
    app.complete()
    qtbot.waitUntil(lambda: bool(app.overlay.partial_text()), timeout=15000)
    qtbot.waitUntil(lambda: not app.controller.running, timeout=20000)
    assert "young man" in " ".join(app.overlay.history_texts())


def test_closing_the_window_while_the_app_is_still_loading_quits_once_it_has(
    make_app, qtbot
) -> None:
    app = make_app("--input-file", str(SHORT_CLIP), complete=False)
    app.window.close()
    assert app.window.isVisible()  # nothing can quit yet: the window stays
    with qtbot.waitSignal(app.quitFinished, timeout=15000):
        app.complete()
    assert not app.window.isVisible()


def test_a_menu_item_chosen_while_the_app_is_still_loading_opens_once_it_has(
    make_app, qtbot
) -> None:
    # The menus work as soon as the window shows; their dialogs are built by complete().
    # A screen reader's activate (or a fast click) in that moment was lost (CI, AT-SPI test).
    from PySide6.QtWidgets import QApplication, QDialog

    app = make_app("--input-file", str(SHORT_CLIP), complete=False)
    app.window.overlaySettingsRequested.emit()  # Settings ▸ Captions…
    app.window.translation_action.trigger()

    def dialogs() -> list[str]:
        return sorted(
            w.windowTitle()
            for w in QApplication.topLevelWidgets()
            if isinstance(w, QDialog) and w.isVisible()
        )

    assert dialogs() == []
    app.complete()
    qtbot.waitUntil(lambda: len(dialogs()) == 2, timeout=5000)
    assert [title.removesuffix(" — Captioner") for title in dialogs()] == [
        "Caption settings",
        "Translation and speakers",
    ]
    for w in QApplication.topLevelWidgets():
        if isinstance(w, QDialog):
            w.close()


@pytest.mark.parametrize("progressive", [False, True])
def test_a_dropped_app_is_freed_at_once_not_by_the_cycle_collector(
    qapp, tmp_path, progressive
) -> None:
    # Python's cycle collector runs on whichever thread happens to allocate: an engine's
    # or the SDK's. A CaptionerApp (a QObject with Qt children) kept alive only by a
    # reference cycle was deleted there, and Qt objects deleted off the GUI thread crash
    # the interpreter (a segfault in a later test's SDK thread, Python 3.13, CI).
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    argv = ["--engine", "offline", "--data-dir", str(tmp_path / "sessions")]
    gc.disable()
    try:
        app = CaptionerApp(
            parse_args(argv), settings, list_devices=list, use_tray=False, complete=not progressive
        )
        app.complete()
        freed = weakref.ref(app)
        del app
        assert freed() is None
    finally:
        gc.enable()
