"""Settings ▸ AssemblyAI… session options (issue 15.3) and the token URL (15.5), end to end.

Each option round-trips: the dialog saves it, the next run's config sends it
when connecting; a live one changed during a run reaches the service as
``UpdateConfiguration``; with redaction on the overlay never shows a partial
line; with a token URL a run starts without any key and the service sees a
token.  The fake v3 server and a local token endpoint stand in for the
network; the SDK is the real one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel

from captioner.core.settings import Key, Settings
from captioner.ui.assemblyai_settings import AssemblyAISettingsDialog, config_from_settings
from captioner.ui.contrast import AA_NORMAL, contrast_ratio
from captioner.ui.translation_settings import TranslationSettingsDialog
from tests.conftest import DATA, reference_text
from tests.fakes.token_endpoint import TokenEndpoint
from tests.fakes.v3_server import FakeV3Server, TurnScript

KEY = "test-key-options"
CLIP = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav"


@pytest.fixture
def prefs(tmp_path: Path) -> Settings:
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


def make_dialog(qtbot, prefs: Settings) -> AssemblyAISettingsDialog:
    dialog = AssemblyAISettingsDialog(prefs, "ws://127.0.0.1:9")
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.key_state is not None, timeout=5000)
    qtbot.waitUntil(lambda: dialog.models_known and dialog.options.policies_known, timeout=10000)
    return dialog


def choose(combo, value: str) -> None:
    index = combo.findData(value)
    assert index >= 0, value
    combo.setCurrentIndex(index)


def test_every_option_is_saved_and_sent_by_the_next_run(qtbot, prefs) -> None:
    dialog = make_dialog(qtbot, prefs)
    options = dialog.options
    choose(options.mode_combo, "max_accuracy")
    options.prompt_edit.setPlainText("A lecture on Jane Austen.")
    choose(options.voice_combo, "far-field")
    options.voice_strength.setValue(40)
    options.redact_check.setChecked(True)
    options.set_policies({"person_name", "phone_number"})
    choose(options.sub_combo, "entity_name")
    choose(options.domain_combo, "medical-v1")
    options.inactivity.setValue(120)
    options.token_url_edit.setText("https://tokens.example.org/assemblyai")
    dialog.languages_edit.setText("en, es")
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted, dialog.problems.text()
    config = config_from_settings(prefs, "", "host")
    assert config.token_url == "https://tokens.example.org/assemblyai"
    assert config.has_credentials  # no key needed with a token URL
    params = config.streaming_parameters().model_dump(mode="json", exclude_none=True)
    assert params["mode"] == "max_accuracy"
    assert params["prompt"] == "A lecture on Jane Austen."
    assert (params["voice_focus"], params["voice_focus_threshold"]) == ("far-field", 0.4)
    assert params["redact_pii"] is True
    assert sorted(params["redact_pii_policies"]) == ["person_name", "phone_number"]
    assert params["redact_pii_sub"] == "entity_name"
    assert params["domain"] == "medical-v1"
    assert params["inactivity_timeout"] == 120
    assert params["language_codes"] == ["en", "es"]
    # and the dialog opened again shows what was saved
    again = make_dialog(qtbot, prefs)
    assert again.options.values() == options.values()


def test_defaults_send_no_option_and_off_stays_off(qtbot, prefs) -> None:
    dialog = make_dialog(qtbot, prefs)
    assert not dialog.options.voice_strength.isEnabled()  # voice focus is off
    assert not dialog.options.policy_list.isEnabled()  # redaction is off
    dialog.accept()
    params = config_from_settings(prefs, "k", "host").streaming_parameters()
    dumped = params.model_dump(exclude_none=True)
    for name in ("mode", "prompt", "voice_focus", "redact_pii", "domain", "inactivity_timeout"):
        assert name not in dumped


def test_the_prompt_counts_its_characters_and_a_long_one_is_refused(qtbot, prefs) -> None:
    dialog = make_dialog(qtbot, prefs)
    dialog.options.prompt_edit.setPlainText("x" * 1800)
    assert dialog.options.prompt_count.text().startswith("1,800 / 1,750")
    dialog.options.inactivity.setValue(4)  # shows "Off": not a problem
    dialog.options.token_url_edit.setText("http://tokens.example.org/")
    dialog.accept()
    assert dialog.result() != dialog.DialogCode.Accepted
    problems = dialog.problems.text()
    assert "at most 1750 characters" in problems
    assert "https://" in problems  # a token must not travel in clear over the network
    assert prefs.get(Key.AAI_PROMPT) == ""  # nothing saved


def test_redaction_says_partial_captions_are_off(qtbot, prefs) -> None:
    dialog = make_dialog(qtbot, prefs)
    helps = [w.text() for w in dialog.findChildren(QLabel) if w.text()]
    assert any("partial captions are off" in text for text in helps)
    assert dialog.options.policy_list.count() >= 40  # the SDK's kinds, read off the GUI thread


def test_only_settings_a_running_session_takes_are_sent_live(qtbot, prefs) -> None:
    dialog = make_dialog(qtbot, prefs)
    sent: list[dict] = []
    dialog.liveUpdate.connect(sent.append)
    choose(dialog.options.mode_combo, "min_latency")
    dialog.options.prompt_edit.setPlainText("Names from Austen.")
    choose(dialog.options.voice_combo, "near-field")  # connect-time only
    dialog.languages_edit.setText("fr")
    dialog.accept()
    assert sent == [
        {"prompt": "Names from Austen.", "language_codes": ["fr"], "mode": "min_latency"}
    ]


@pytest.mark.parametrize("dialog_class", ["assemblyai", "translation"])
def test_the_problems_line_is_readable_on_a_dark_theme(qtbot, prefs, dialog_class) -> None:
    if dialog_class == "assemblyai":
        dialog = make_dialog(qtbot, prefs)
    else:
        dialog = TranslationSettingsDialog(prefs, offline=False)
        qtbot.addWidget(dialog)
    dark = QPalette(dialog.palette())
    dark.setColor(QPalette.ColorRole.Window, QColor("#202124"))
    dark.setColor(QPalette.ColorRole.WindowText, QColor("#e8eaed"))
    dialog.setPalette(dark)
    label = dialog.problems
    label.setText("A problem.")
    colour = label.palette().color(QPalette.ColorRole.WindowText)
    assert contrast_ratio(colour, QColor("#202124")) >= AA_NORMAL
    assert colour.red() > colour.green()  # still reads as red
    assert contrast_ratio(QColor("#c0392b"), QColor("#202124")) < AA_NORMAL  # the old fixed red


def _start_run(make_app, server: FakeV3Server, tmp_path: Path, **settings) -> object:
    prefs = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    for key, value in settings.items():
        prefs.set(Key[key], value)
    prefs.store.sync()
    app = make_app("--engine", "assemblyai", "--input-file", str(CLIP), "--api-host", server.url)
    app.start_captioning()
    return app


def test_a_prompt_changed_during_a_run_reaches_the_session_which_continues(
    make_app, qtbot, monkeypatch, tmp_path
) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    script = TurnScript.from_text(reference_text(CLIP))
    with FakeV3Server(api_key=KEY, script=script) as server:
        app = _start_run(make_app, server, tmp_path, AAI_MODE="balanced")
        qtbot.waitUntil(lambda: bool(server.sessions) and server.sessions[0].began, timeout=30000)
        dialog = AssemblyAISettingsDialog(app.prefs, server.url, app.window)
        qtbot.addWidget(dialog)
        dialog.liveUpdate.connect(app.dialogs.update_running_session)
        dialog.options.prompt_edit.setPlainText("Sense and Sensibility, chapter one.")
        choose(dialog.options.mode_combo, "max_accuracy")
        dialog.accept()

        def updated() -> bool:
            messages = server.sessions[0].control_messages
            return any(m.get("type") == "UpdateConfiguration" for m in messages)

        qtbot.waitUntil(updated, timeout=30000)
        finals_then = len(server.sessions[0].finals_sent)
        qtbot.waitUntil(lambda: len(server.sessions[0].finals_sent) > finals_then, timeout=30000)
        app.controller.stop()
        qtbot.waitUntil(lambda: not app.controller.running, timeout=15000)
        session = server.sessions[0]
    update = next(m for m in session.control_messages if m.get("type") == "UpdateConfiguration")
    assert update == {
        "type": "UpdateConfiguration",
        "prompt": "Sense and Sensibility, chapter one.",
        "mode": "max_accuracy",
    }
    assert session.query["mode"] == "balanced"  # what the run connected with
    assert len(server.sessions) == 1 and session.terminate_received  # the same session went on


def test_with_redaction_the_overlay_shows_only_finished_lines(
    make_app, qtbot, monkeypatch, tmp_path
) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    script = TurnScript.from_text(reference_text(CLIP))
    with FakeV3Server(api_key=KEY, script=script, ms_per_word=250) as server:
        app = _start_run(make_app, server, tmp_path, AAI_REDACT_PII=True)
        partials: list[str] = []
        app.controller.partialChanged.connect(
            lambda _t: partials.append(app.overlay.partial_text())
        )
        qtbot.waitUntil(lambda: not app.controller.running, timeout=30000)
        session = server.sessions[0]
    assert session.query["redact_pii"].lower() == "true"
    assert any(not t.get("end_of_turn") for t in session.turns_sent)  # the fake sent partials
    assert [p for p in partials if p] == []
    assert app.overlay.history_texts()  # finished lines did show


def test_a_token_url_starts_a_run_without_any_key(make_app, qtbot, monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)
    script = TurnScript.from_text(reference_text(CLIP))
    with (
        TokenEndpoint() as endpoint,
        FakeV3Server(
            api_key="kept-by-the-organisation", script=script, tokens=endpoint.issued
        ) as server,
    ):
        app = _start_run(make_app, server, tmp_path, AAI_TOKEN_URL=endpoint.url)
        qtbot.waitUntil(lambda: not app.controller.running, timeout=30000)
        sessions = server.sessions
        issued = set(endpoint.issued)
    assert sessions and sessions[0].authorization in issued
    assert app.window.transcript.finished_texts()
    assert "key" not in app.window.status_text().lower()
