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

KEY = "0123456789abcdef0123456789abcdef"


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
