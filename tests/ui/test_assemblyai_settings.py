"""Settings ▸ AssemblyAI…: options persisted and validated, key in the keyring only."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QLabel

from captioner import keystore
from captioner.core.settings import Key, Settings
from captioner.ui import assemblyai_help as helptext
from captioner.ui.assemblyai_settings import AssemblyAISettingsDialog, config_from_settings
from tests.fakes.v3_server import FakeV3Server

KEY = "sk-settings-test-7731-abcdefghij"


@pytest.fixture
def prefs(tmp_path: Path) -> Settings:
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


def make_dialog(qtbot, prefs: Settings, host: str = "ws://127.0.0.1:9") -> AssemblyAISettingsDialog:
    dialog = AssemblyAISettingsDialog(prefs, host)
    qtbot.addWidget(dialog)
    # The keyring is read off the GUI thread: wait for its answer, as a user would.
    qtbot.waitUntil(lambda: dialog.key_state is not None, timeout=5000)
    qtbot.waitUntil(lambda: dialog.models_known, timeout=10000)  # the SDK's list, read aside
    return dialog


def accept_and_wait(qtbot, dialog: AssemblyAISettingsDialog) -> None:
    """OK; storing a key happens off the GUI thread, so wait until it has answered."""
    dialog.accept()
    qtbot.waitUntil(lambda: not dialog.saving, timeout=5000)


def test_options_are_saved_and_become_the_next_runs_config(qtbot, prefs) -> None:
    dialog = make_dialog(qtbot, prefs)
    combo = dialog.model_combo
    combo.setCurrentIndex(combo.findData("universal-streaming-english"))
    dialog.languages_edit.setText("en, es")
    dialog.detect_check.setChecked(True)
    dialog.keyterms_edit.setPlainText("Dashwood\nNorland Park\n")
    dialog.min_silence.setValue(300)
    dialog.max_silence.setValue(1500)
    dialog.threshold.setValue(70)
    dialog.speakers_check.setChecked(True)
    accept_and_wait(qtbot, dialog)
    assert dialog.result() == dialog.DialogCode.Accepted
    config = config_from_settings(prefs, "k", "host")
    assert config.speech_model == "universal-streaming-english"
    assert config.language_codes == ("en", "es") and config.language_detection
    assert config.keyterms == ("Dashwood", "Norland Park")
    assert (config.min_turn_silence_ms, config.max_turn_silence_ms) == (300, 1500)
    assert config.end_of_turn_confidence_threshold == pytest.approx(0.7)
    assert config.speaker_labels
    params = config.streaming_parameters()
    assert params.keyterms_prompt == ["Dashwood", "Norland Park"]


def test_invalid_options_keep_the_dialog_open_with_the_problem(qtbot, prefs) -> None:
    dialog = make_dialog(qtbot, prefs)
    dialog.min_silence.setValue(2000)
    dialog.max_silence.setValue(500)
    dialog.languages_edit.setText("english please")
    dialog.accept()
    assert dialog.result() != dialog.DialogCode.Accepted
    assert "Minimum turn silence must not exceed" in dialog.problems.text()
    assert "Language codes look like" in dialog.problems.text()
    assert prefs.get(Key.AAI_MIN_TURN_SILENCE_MS) == 0  # nothing was saved


def test_the_key_goes_to_the_keyring_and_never_into_the_settings_file(
    qtbot, prefs, memory_keyring, tmp_path
) -> None:
    dialog = make_dialog(qtbot, prefs)
    dialog.key_edit.setText(KEY)
    accept_and_wait(qtbot, dialog)
    prefs.store.sync()
    assert memory_keyring.backend.store[("captioner", "assemblyai-api-key")] == KEY
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert KEY not in path.read_text(errors="replace"), path
    again = make_dialog(qtbot, prefs)
    assert (
        KEY not in again.key_edit.placeholderText() and KEY[-4:] in again.key_edit.placeholderText()
    )


@pytest.mark.parametrize(
    ("key", "expected"),
    [(KEY, "The key works."), ("wrong-key-0000000000000000", "API key rejected")],
)
def test_test_key_makes_a_real_connection(qtbot, prefs, key: str, expected: str) -> None:
    with FakeV3Server(api_key=KEY) as server:
        dialog = make_dialog(qtbot, prefs, server.url)
        dialog.key_edit.setText(key)
        with qtbot.waitSignal(dialog._check.finished, timeout=15000):
            dialog.test_button.click()
        dialog._check.thread.join(5)
        attempts = len(server.sessions)
    assert expected in dialog.key_status.text()
    assert attempts == 1


def test_options_are_in_plain_words_with_ids_units_and_ranges_in_tooltips(qtbot, prefs) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel

    from captioner.engines.assemblyai import SPEECH_MODELS

    dialog = make_dialog(qtbot, prefs)
    combo = dialog.model_combo
    offered = [combo.itemData(i) for i in range(combo.count())]
    assert offered == list(SPEECH_MODELS)  # every model the SDK knows
    for i, model_id in enumerate(offered):
        assert combo.itemText(i) != model_id  # a name, not the id…
        assert model_id in combo.itemData(i, Qt.ItemDataRole.ToolTipRole)  # …which is in the tip
    descriptions = set()
    for i in range(combo.count()):
        combo.setCurrentIndex(i)
        descriptions.add(dialog.model_description.text())
    assert len(descriptions) == combo.count()  # each model says what it is for
    # No stray "&": every label with a mnemonic has a field it moves to.
    for label in dialog.findChildren(QLabel):
        if "&" in label.text() and label.textFormat() != Qt.TextFormat.RichText:
            assert label.buddy() is not None, label.text()
    key_label = next(lb for lb in dialog.findChildren(QLabel) if lb.buddy() is dialog.key_edit)
    assert key_label.text() == "API &key:"
    for spin, unit, service_name in (
        (dialog.min_silence, "ms", "min_turn_silence"),
        (dialog.max_silence, "ms", "max_turn_silence"),
        (dialog.threshold, "%", "end_of_turn_confidence_threshold"),
    ):
        assert spin.suffix().strip() == unit
        assert service_name in spin.toolTip() and "default" in spin.toolTip().lower()
        assert f"{spin.maximum():,}" in spin.toolTip().replace("100 %", "100")
        spin.setValue(spin.maximum())
        assert spin.text().endswith(unit)
    labels = " ".join(lb.text() for lb in dialog.findChildren(QLabel))
    assert "turn silence" not in labels and "End-of-turn" not in labels


def test_word_wrapped_rows_get_the_height_of_their_text(qtbot, prefs) -> None:
    """The keyring's answer comes after the dialog is shown, five lines where one was:
    the form gave it the old row height and drew it clipped top and bottom (two
    option help lines too)."""
    dialog = make_dialog(qtbot, prefs)
    dialog.show()
    qtbot.waitExposed(dialog)
    problem = "No system keyring is running on this desktop (such as GNOME Keyring or KWallet)."
    dialog._on_key_state(keystore.KeyState(None, "", problem))  # as the keyring answers
    assert dialog.key_status.text() == helptext.key_status_text("", problem)
    form = dialog.frame.scroll.widget()

    def clipped() -> list[str]:
        return [
            f"{label.text()[:30]!r}: {label.height()} px of {label.heightForWidth(label.width())}"
            for label in form.findChildren(QLabel)
            if label.wordWrap() and label.isVisible() and label.text()
            if label.height() < label.heightForWidth(label.width())
        ]

    qtbot.wait(200)  # the layout settles
    assert clipped() == []
    dialog.resize(dialog.width() - 120, dialog.height())  # narrower: more lines each
    qtbot.wait(200)
    assert clipped() == []
