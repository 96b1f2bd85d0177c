"""The API key as a new user enters it: no keyring on the desktop, pasted with junk around it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail, null
from PySide6.QtCore import QSettings

from captioner import keystore
from captioner.core.settings import Settings
from captioner.ui.assemblyai_settings import AssemblyAISettingsDialog
from tests.fakes.v3_server import FakeV3Server

KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def prefs(tmp_path: Path) -> Settings:
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture(autouse=True)
def forget_run_key() -> Iterator[None]:
    yield
    keystore.use_for_this_run("")


@pytest.fixture(params=["null", "fail"])
def no_keyring(request: pytest.FixtureRequest) -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(null.Keyring() if request.param == "null" else fail.Keyring())
    yield
    keyring.set_keyring(previous)


def make_dialog(qtbot, prefs: Settings) -> AssemblyAISettingsDialog:
    dialog = AssemblyAISettingsDialog(prefs, "ws://127.0.0.1:9")
    qtbot.addWidget(dialog)
    # The keyring is read off the GUI thread: wait for its answer, as a user would.
    qtbot.waitUntil(lambda: dialog.key_state is not None, timeout=5000)
    return dialog


def accept_and_wait(qtbot, dialog: AssemblyAISettingsDialog) -> None:
    """OK; storing a key happens off the GUI thread, so wait until it has answered."""
    dialog.accept()
    qtbot.waitUntil(lambda: not dialog.saving, timeout=5000)


def test_without_a_keyring_the_dialog_says_so_and_the_key_still_works_for_this_run(
    qtbot, prefs, no_keyring, tmp_path
) -> None:
    dialog = make_dialog(qtbot, prefs)
    status = dialog.key_status.text()
    assert "keyring" in status and "this run only" in status and "ASSEMBLYAI_API_KEY" in status
    assert "Kept in the system keyring" not in status
    dialog.key_edit.setText(KEY)
    accept_and_wait(qtbot, dialog)
    assert keystore.load_api_key() == KEY  # not thrown away
    assert keystore.key_source() == "run"
    again = make_dialog(qtbot, prefs)
    assert "this run only" in again.key_status.text()
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert KEY not in path.read_text(errors="replace"), path


def test_with_a_keyring_the_key_is_stored_there(qtbot, prefs, memory_keyring) -> None:
    dialog = make_dialog(qtbot, prefs)
    assert dialog.key_status.text() == "Kept in the system keyring, never in a file."
    dialog.key_edit.setText(KEY)
    accept_and_wait(qtbot, dialog)
    assert keystore.key_source() == "keyring"


@pytest.mark.parametrize(
    ("pasted", "said"),
    [
        (KEY + "\nsecond line", "line break"),
        ("clé-" + KEY, "not in an API key"),
        ("x" * 100_000, "characters long"),
        (KEY[:12], "only 12 characters"),  # a paste that lost its end
    ],
)
def test_a_malformed_key_is_named_as_the_problem_and_never_echoed(
    qtbot, prefs, memory_keyring, pasted: str, said: str
) -> None:
    dialog = make_dialog(qtbot, prefs)
    dialog.key_edit.setText(pasted)
    accept_and_wait(qtbot, dialog)
    message = dialog.problems.text()
    assert said in message and "API key" in message
    assert pasted.strip() not in message
    assert keystore.load_api_key() is None  # nothing was stored


def test_a_malformed_key_from_the_environment_is_reported_with_where_it_came_from(
    monkeypatch,
) -> None:
    monkeypatch.setenv(keystore.ENV_VAR, KEY + "\r\n" + KEY)
    problem = keystore.api_key_problem()
    assert problem and "line break" in problem and keystore.ENV_VAR in problem
    assert KEY not in problem


def test_without_a_keyring_a_tested_key_is_still_said_to_be_for_this_run_only(
    make_app, qtbot, no_keyring, tmp_path
) -> None:
    # "Test key" replaced the notice with "The key works.", and OK closed without a
    # word: the user took the key for saved, and the next launch had none.
    with FakeV3Server(api_key=KEY) as server:
        app = make_app("--data-dir", str(tmp_path / "s"), "--api-host", server.url)
        dialog = app.dialogs.edit_assemblyai()
        qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=5000)
        dialog.key_edit.setText(KEY)
        dialog.test_button.click()
        qtbot.waitUntil(lambda: "The key works." in dialog.key_status.text(), timeout=15000)
        assert "this run only" in dialog.key_status.text()
        dialog.ok_button.click()
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    assert "for this run only" in app.window.status_text()


def test_test_key_says_a_cut_key_is_cut_without_asking_the_server(qtbot, prefs) -> None:
    # A key that lost its end when copied went to the server and came back only as
    # "API key rejected" (or, offline, a network error), with nothing saying why.
    dialog = make_dialog(qtbot, prefs)
    qtbot.waitUntil(lambda: dialog.test_button.isEnabled(), timeout=5000)
    dialog.key_edit.setText(KEY[:15])
    dialog.test_button.click()
    status = dialog.key_status.text()
    assert "only 15 characters" in status and KEY[:15] not in status
    assert dialog.test_button.isEnabled()  # no check was started
