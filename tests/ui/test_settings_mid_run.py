"""Settings changed during a cloud run: every row says whether the running session takes it.

Some options reach a running session (``UpdateConfiguration``); the others are
connect parameters and wait for the next Start.  Each row says which under
it, and OK during a cloud run names in the status line the changes that wait,
only when there are some: unticking "Tell speakers apart" mid-run used to say
nothing while labels went on coming.  The whole app in-process, the real SDK
against the fake v3 server.
"""

from __future__ import annotations

import wave
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFormLayout, QWidget

from captioner.core.settings import Key, Settings
from captioner.ui.assemblyai_settings import AssemblyAISettingsDialog
from captioner.ui.translation_settings import TranslationSettingsDialog
from tests.conftest import DATA, reference_text
from tests.fakes.v3_server import FakeV3Server, TurnScript

KEY = "test-key-mid-run"
CLIP = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav"  # 7 s
NEXT = "From the next Start"


@pytest.fixture
def prefs(tmp_path: Path) -> Settings:
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


def note_under(form: QFormLayout, widget: QWidget) -> str:
    """The text of the row right under ``widget``'s (its note)."""
    row, _role = form.getWidgetPosition(widget)
    for role in (QFormLayout.ItemRole.FieldRole, QFormLayout.ItemRole.SpanningRole):
        item = form.itemAt(row + 1, role)
        if item is not None and item.widget() is not None:
            return item.widget().text()
    return ""


def ready(qtbot, dialog: AssemblyAISettingsDialog) -> AssemblyAISettingsDialog:
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.key_state is not None, timeout=5000)
    qtbot.waitUntil(lambda: dialog.models_known and dialog.options.policies_known, timeout=10000)
    return dialog


def test_each_assemblyai_row_says_whether_a_running_session_takes_it(qtbot, prefs) -> None:
    dialog = ready(qtbot, AssemblyAISettingsDialog(prefs, "ws://127.0.0.1:9"))
    form = dialog.frame.form
    for widget in (
        dialog.model_combo,
        dialog.profanity_check,
        dialog.format_check,
        dialog.speakers_check,
        dialog.options.voice_combo,
        dialog.options.domain_combo,
        dialog.options.token_url_edit,
    ):
        note = note_under(form, widget)
        if widget is dialog.options.voice_combo:
            note = note_under(form, dialog.options.voice_strength)
        assert NEXT in note, widget.accessibleName() or widget.text()
    assert NEXT in dialog.speakers_check.accessibleDescription()  # heard on focus
    assert "running session" in note_under(form, dialog.keyterms_edit)
    turns = dialog.findChild(QWidget, "turnHelp")
    assert "running session" in turns.text()  # the turn silences above the spin boxes


def test_the_translation_dialog_says_what_applies_at_once_and_what_waits(qtbot, prefs) -> None:
    dialog = TranslationSettingsDialog(prefs, offline=False)
    qtbot.addWidget(dialog)
    form = dialog.frame.form
    next_start = NEXT.lower()
    # Not said of every row: "Overlay shows" applies at once.
    assert next_start not in dialog.cost_note.text().lower()
    assert next_start in note_under(form, dialog.model_edit).lower()  # language and model
    assert "at once" in note_under(form, dialog.display_combo)
    assert next_start in note_under(form, dialog.revision).lower()  # the speaker options
    assert next_start in dialog.language_combo.accessibleDescription().lower()


def longer_clip(tmp_path: Path, times: int = 4) -> Path:
    """The clip several times over: a run that outlasts opening a few dialogs."""
    path = tmp_path / "longer.wav"
    with wave.open(str(CLIP), "rb") as src:
        params, frames = src.getparams(), src.readframes(src.getnframes())
    with wave.open(str(path), "wb") as out:
        out.setparams(params)
        out.writeframes(frames * times)
    return path


def test_ok_during_a_cloud_run_names_the_changes_that_wait_for_the_next_start(
    make_app, qtbot, monkeypatch, tmp_path
) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    script = TurnScript.from_text(reference_text(CLIP))
    clip = longer_clip(tmp_path)
    status = None
    with FakeV3Server(api_key=KEY, script=script) as server:
        app = make_app(
            "--engine", "assemblyai", "--input-file", str(clip), "--api-host", server.url
        )
        app.complete()
        app.prefs.set(Key.AAI_SPEAKER_LABELS, True)
        status = app.window.status_line.label
        # Opened before the run: their background look-ups done, OK is all that is left.
        live_only = ready(qtbot, app.dialogs.edit_assemblyai())
        live_only.options.prompt_edit.setPlainText("Sense and Sensibility.")
        app.start_captioning()
        qtbot.waitUntil(lambda: bool(server.sessions) and server.sessions[0].began, timeout=30000)
        assert app.controller.running

        live_only.accept()  # reaches the session: nothing waits
        assert NEXT not in status.text()
        display = app.dialogs.edit_translation()
        qtbot.addWidget(display)
        display.display_combo.setCurrentIndex(display.display_combo.findData("translation"))
        display.accept()  # the overlay changes at once
        assert NEXT not in status.text()

        speakers = ready(qtbot, app.dialogs.edit_assemblyai())
        speakers.speakers_check.setChecked(False)
        speakers.accept()
        assert status.text() == "Saved. From the next Start: telling speakers apart."

        language = app.dialogs.edit_translation()
        qtbot.addWidget(language)
        language.language_combo.setEditText("French")
        language.accept()
        assert status.text() == "Saved. From the next Start: translation language."

        app.controller.stop()
        qtbot.waitUntil(lambda: not app.controller.running, timeout=15000)
        idle = ready(qtbot, app.dialogs.edit_assemblyai())
        idle.format_check.setChecked(False)
        idle.accept()  # no run: the next Start is the only one there is
        assert NEXT not in status.text()
    assert app.prefs.get(Key.AAI_SPEAKER_LABELS) is False
