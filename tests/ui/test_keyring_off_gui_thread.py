"""A slow keyring never freezes the window (issue 11 item 1, the keyring part).

The keyring here is a real ``keyring`` backend that blocks inside each call
until the test lets it go, as a Secret Service waiting for an unlock prompt
does.  While it blocks, the GUI thread must keep running its event loop: a
zero-delay timer posted after the call began fires, the dialog says what it
is waiting for, and the answer arrives once the keyring replies.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import keyring
import keyring.backend
import pytest
from PySide6.QtCore import QSettings, QTimer

from captioner import keystore
from captioner.core.settings import Settings
from captioner.engines.registry import EngineId
from captioner.ui.assemblyai_settings import AssemblyAISettingsDialog
from tests.conftest import DATA

KEY = "0123456789abcdef0123456789abcdef"
SHORT_CLIP_PATH = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0880.wav"


class SlowKeyring(keyring.backend.KeyringBackend):
    """Blocks every call until ``release`` is set; records which threads called it."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.entered = threading.Event()
        self.store: dict[tuple[str, str], str] = {}
        self.threads: set[str] = set()

    def _wait(self) -> None:
        self.threads.add(threading.current_thread().name)
        self.entered.set()
        assert self.release.wait(10), "the test never released the keyring"

    def get_password(self, service: str, username: str) -> str | None:
        self._wait()
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._wait()
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._wait()
        self.store.pop((service, username), None)


@pytest.fixture
def slow_keyring() -> Iterator[SlowKeyring]:
    previous = keyring.get_keyring()
    ring = SlowKeyring()
    keyring.set_keyring(ring)
    yield ring
    ring.release.set()  # never leave a worker blocked
    keyring.set_keyring(previous)


@pytest.fixture
def prefs(tmp_path) -> Settings:
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


def gui_keeps_running(qtbot) -> None:
    """A timer posted now fires: the GUI thread is processing events, not waiting."""
    ticked: list[bool] = []
    QTimer.singleShot(0, lambda: ticked.append(True))
    qtbot.waitUntil(lambda: ticked == [True], timeout=2000)


def test_opening_the_dialog_does_not_wait_for_the_keyring(qtbot, prefs, slow_keyring) -> None:
    slow_keyring.store[(keystore.SERVICE, keystore.ACCOUNT)] = KEY
    dialog = AssemblyAISettingsDialog(prefs, "ws://127.0.0.1:9")  # returns at once
    qtbot.addWidget(dialog)
    dialog.show()
    assert slow_keyring.entered.wait(5)  # the keyring is being asked…
    gui_keeps_running(qtbot)  # …and the window still answers
    assert "Checking the keyring" in dialog.key_status.text()
    assert not dialog.key_edit.isEnabled() and not dialog.test_button.isEnabled()
    slow_keyring.release.set()
    qtbot.waitUntil(lambda: dialog.key_state is not None, timeout=5000)
    assert dialog.key_status.text() == "Kept in the system keyring, never in a file."
    assert dialog.key_edit.placeholderText().endswith(KEY[-4:])
    assert "MainThread" not in slow_keyring.threads


def test_storing_the_key_does_not_wait_for_the_keyring(qtbot, prefs, slow_keyring) -> None:
    slow_keyring.release.set()  # reading is quick this time
    dialog = AssemblyAISettingsDialog(prefs, "ws://127.0.0.1:9")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.key_state is not None, timeout=5000)
    slow_keyring.release.clear()
    slow_keyring.entered.clear()
    dialog.key_edit.setText(KEY)
    dialog.accept()  # returns at once
    assert slow_keyring.entered.wait(5)
    gui_keeps_running(qtbot)
    assert dialog.saving and "Saving the key" in dialog.key_status.text()
    assert not dialog.ok_button.isEnabled()
    dialog.reject()  # Esc while saving: the dialog waits for the keyring's answer
    assert dialog.isVisible()
    slow_keyring.release.set()
    qtbot.waitUntil(lambda: dialog.result() == dialog.DialogCode.Accepted, timeout=5000)
    assert not dialog.isVisible()
    assert slow_keyring.store[(keystore.SERVICE, keystore.ACCOUNT)] == KEY
    assert "MainThread" not in slow_keyring.threads


def test_the_app_starts_without_waiting_for_the_keyring(make_app, qtbot, slow_keyring) -> None:
    slow_keyring.store[(keystore.SERVICE, keystore.ACCOUNT)] = KEY
    app = make_app()  # builds the window while the keyring is blocked
    assert slow_keyring.entered.wait(5)
    gui_keeps_running(qtbot)
    assert app.engines.pending
    assert app.window.selected_engine() is EngineId.OFFLINE  # a first guess…
    with qtbot.waitSignal(app.engines.keyKnown, timeout=5000) as known:
        slow_keyring.release.set()
    assert known.args == [True]
    assert app.window.selected_engine() is EngineId.ASSEMBLYAI  # …put right by the answer
    assert "MainThread" not in slow_keyring.threads


def test_at_launch_the_keyring_is_asked_once_the_window_shows(
    make_app, qtbot, slow_keyring
) -> None:
    # run_gui builds the app with look_now=False and calls start_looking() after show():
    # the keyring's import on a worker would share the GIL with the window's start-up.
    slow_keyring.store[(keystore.SERVICE, keystore.ACCOUNT)] = KEY
    app = make_app(look_now=False)
    gui_keeps_running(qtbot)
    assert not slow_keyring.entered.is_set()  # not asked yet
    assert app.engines.pending and app.window.selected_engine() is EngineId.OFFLINE
    app.start_looking()
    assert slow_keyring.entered.wait(5)
    with qtbot.waitSignal(app.engines.keyKnown, timeout=5000) as known:
        slow_keyring.release.set()
    assert known.args == [True]
    assert app.window.selected_engine() is EngineId.ASSEMBLYAI
    assert "MainThread" not in slow_keyring.threads


def test_a_pick_made_while_the_keyring_thinks_is_kept(make_app, qtbot, slow_keyring) -> None:
    slow_keyring.store[(keystore.SERVICE, keystore.ACCOUNT)] = KEY
    app = make_app()
    assert slow_keyring.entered.wait(5)
    combo = app.window.engine_combo
    combo.setCurrentIndex(combo.findData(EngineId.OFFLINE.value))  # no change: pick again
    combo.setCurrentIndex(combo.findData(EngineId.ASSEMBLYAI.value))
    combo.setCurrentIndex(combo.findData(EngineId.OFFLINE.value))
    with qtbot.waitSignal(app.engines.keyKnown, timeout=5000):
        slow_keyring.release.set()
    assert app.window.selected_engine() is EngineId.OFFLINE


def test_closing_the_dialog_while_the_keyring_thinks_is_safe(qtbot, prefs, slow_keyring) -> None:
    """The answer of a keyring call for a window that is gone is dropped, not delivered."""
    from shiboken6 import isValid

    dialog = AssemblyAISettingsDialog(prefs, "ws://127.0.0.1:9")
    worker = dialog.keyring_call.thread
    assert slow_keyring.entered.wait(5)
    dialog.deleteLater()
    qtbot.waitUntil(lambda: not isValid(dialog))
    slow_keyring.release.set()
    worker.join(5)
    gui_keeps_running(qtbot)  # the queued answer is processed here: no crash, no exception
    assert not worker.is_alive()


def test_start_does_not_wait_for_the_keyring(make_app, qtbot, slow_keyring, monkeypatch) -> None:
    """Start with the key in the keyring: capture begins, the window answers, then the run."""
    from tests.fakes.v3_server import FakeV3Server, TurnScript
    from tests.ui.test_app import SHORT_CLIP, cloud_args

    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)
    slow_keyring.store[(keystore.SERVICE, keystore.ACCOUNT)] = KEY
    slow_keyring.release.set()  # the app's own start-up read is quick
    with FakeV3Server(api_key=KEY, script=TurnScript.from_text("and mister john")) as server:
        app = make_app(*cloud_args(server, SHORT_CLIP))
        qtbot.waitUntil(lambda: not app.engines.pending, timeout=5000)
        slow_keyring.release.clear()
        slow_keyring.entered.clear()
        app.start_captioning()  # returns at once, though the keyring is blocked
        assert slow_keyring.entered.wait(5)
        gui_keeps_running(qtbot)
        assert "Reading the API key" in app.window.status_text()
        assert not app.controller.running
        app.start_captioning()  # a second press while waiting starts nothing more
        slow_keyring.release.set()
        qtbot.waitUntil(lambda: app.controller.running, timeout=5000)
        qtbot.waitUntil(lambda: not app.controller.running, timeout=20000)  # end of file
        assert len(server.sessions) == 1 and server.sessions[0].terminate_received
    assert "MainThread" not in slow_keyring.threads


def test_a_malformed_key_in_the_keyring_is_named_at_start(make_app, qtbot, slow_keyring) -> None:
    slow_keyring.store[(keystore.SERVICE, keystore.ACCOUNT)] = "bad\nkey"
    slow_keyring.release.set()
    app = make_app("--engine", "assemblyai", "--input-file", str(SHORT_CLIP_PATH))
    qtbot.waitUntil(lambda: not app.engines.pending, timeout=5000)
    app.start_captioning()
    qtbot.waitUntil(lambda: "system keyring" in app.window.status_text(), timeout=5000)
    assert "bad" not in app.window.status_text()  # the key is named, never echoed
    assert not app.controller.running


class SlowToClose:
    """An input still opening (a Bluetooth headset waking up): its close takes seconds."""

    name = "slow headset"

    def __init__(self) -> None:
        self.closed_on: list[str] = []

    def open(self) -> None:
        pass

    def read(self, timeout: float) -> bytes | None:
        return None

    def close(self) -> None:
        self.closed_on.append(threading.current_thread().name)
        threading.Event().wait(1.5)


def test_a_start_that_fails_does_not_wait_for_the_input_to_close(
    make_app, qtbot, slow_keyring, monkeypatch
) -> None:
    """Start fails (here, an unusable key): the input already capturing is let go off the
    GUI thread, which keeps painting while the device takes its time."""
    slow_keyring.store[(keystore.SERVICE, keystore.ACCOUNT)] = "bad\nkey"
    slow_keyring.release.set()
    app = make_app("--engine", "assemblyai", "--input-file", str(SHORT_CLIP_PATH))
    qtbot.waitUntil(lambda: not app.engines.pending, timeout=5000)
    slow = SlowToClose()
    monkeypatch.setattr(app.runs, "_open_source", lambda _choice: slow)
    app.start_captioning()
    qtbot.waitUntil(lambda: "system keyring" in app.window.status_text(), timeout=5000)
    qtbot.waitUntil(lambda: bool(slow.closed_on), timeout=5000)
    assert "MainThread" not in slow.closed_on
    gui_keeps_running(qtbot)
