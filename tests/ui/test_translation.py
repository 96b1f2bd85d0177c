"""Issue 15 in the app: translated captions and speaker revisions, overlay and transcript.

The whole app in-process, the real AssemblyAI SDK against the fake v3 server,
whose LLM Gateway answers late and out of order.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from captioner.core.settings import Key
from captioner.core.transcript import Translation, Turn, TurnUpdate
from captioner.ui.contrast import AA_NORMAL, text_colours
from captioner.ui.translation_settings import OFFLINE_NOTE, TranslationSettingsDialog
from tests.conftest import DATA
from tests.fakes.v3_extras import Extras, Gateway
from tests.fakes.v3_server import FakeV3Server, ScriptTurn, TurnScript
from tests.ui.test_main_window_ux import styled  # noqa: F401  (light and dark palettes)

KEY = "test-key-translation"
CLIP = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav"  # 7 s
LINES = ("He was not.", "An ill disposed.", "Young man.")


def script(speakers: bool = False) -> TurnScript:
    return TurnScript(
        [
            ScriptTurn(line.lower().strip(".").split(), line, "A" if speakers else None)
            for line in LINES
        ]
    )


def preset(tmp_path: Path, **values: object) -> None:
    """Settings as a previous run left them (make_app reads this file)."""
    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    for name, value in values.items():
        store.setValue(name, value)
    store.sync()


def run_to_end(app, qtbot) -> None:
    app.start_captioning()
    qtbot.waitUntil(lambda: not app.controller.running, timeout=30000)


def choose(app, qtbot, language: str, display: str = "both") -> None:
    """Turn translation on the way a user does: Settings ▸ Translation and speakers…"""
    dialog = app.dialogs.edit_translation()
    qtbot.addWidget(dialog)
    dialog.language_combo.setEditText(language)
    dialog.display_combo.setCurrentIndex(dialog.display_combo.findData(display))
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted


def test_french_lines_appear_under_their_english_captions(
    make_app, qtbot, monkeypatch, tmp_path
) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    preset(tmp_path, **{"overlay/history_lines": 5})
    extras = Extras(gateway=Gateway(delays_s=(1.0, 0.05, 0.3)))  # turn 0's answer comes last
    with FakeV3Server(api_key=KEY, script=script(), ms_per_word=200, extras=extras) as server:
        app = make_app(
            "--engine", "assemblyai", "--input-file", str(CLIP), "--api-host", server.url
        )
        choose(app, qtbot, "French (fr)")
        run_to_end(app, qtbot)
        asked = server.sessions[0].llm_gateway
    assert asked is not None and "French" in str(asked["messages"])
    finished = app.window.transcript.finished_texts()
    assert [t.split("\u2028")[0].split("  ", 1)[1] for t in finished] == list(LINES)
    for line, text in zip(LINES, finished, strict=True):
        assert text.split("\u2028")[1].strip() == f"[fr] {line}"  # on its own line
    shown = app.overlay.visible_text_lines()
    for line in LINES:
        assert shown[shown.index(line) + 1] == f"[fr] {line}"


def test_translation_only_replaces_the_caption_in_the_overlay(
    make_app, qtbot, monkeypatch, tmp_path
) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    preset(tmp_path, **{"overlay/history_lines": 5})
    extras = Extras(gateway=Gateway(delays_s=(0.3, 0.05)))
    with FakeV3Server(api_key=KEY, script=script(), ms_per_word=200, extras=extras) as server:
        app = make_app(
            "--engine", "assemblyai", "--input-file", str(CLIP), "--api-host", server.url
        )
        choose(app, qtbot, "fr", display="translation")
        run_to_end(app, qtbot)
    assert app.overlay.visible_text_lines() == [f"[fr] {line}" for line in LINES]
    # The main window keeps both.
    assert all("\u2028" in text for text in app.window.transcript.finished_texts())
    app.overlay.set_translation_display("both")  # applies at once, no restart
    assert app.overlay.visible_text_lines()[:2] == [LINES[0], f"[fr] {LINES[0]}"]


def test_a_speaker_revision_relabels_lines_already_shown(
    make_app, qtbot, monkeypatch, tmp_path
) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    preset(tmp_path, **{"overlay/history_lines": 5, "assemblyai/speaker_labels": True})
    extras = Extras(revisions=((4500.0, {0: "B", 1: "B"}),))
    with FakeV3Server(api_key=KEY, script=script(True), ms_per_word=200, extras=extras) as server:
        app = make_app(
            "--engine", "assemblyai", "--input-file", str(CLIP), "--api-host", server.url
        )
        run_to_end(app, qtbot)
        assert server.sessions[0].revisions_sent, "the fake sent its revision"
    speakers = [t.speaker for t in app.controller.transcript.finished]
    assert speakers == ["B", "B", "A"]
    assert app.overlay.history_texts() == [
        f"{s}: {line}" for s, line in zip(speakers, LINES, strict=True)
    ]
    finished = app.window.transcript.finished_texts()
    assert [t.split("  ", 1)[1] for t in finished] == [
        f"{s}: {line}" for s, line in zip(speakers, LINES, strict=True)
    ]


def test_a_pending_speaker_shows_unlabelled(make_app) -> None:
    app = make_app("--engine", "offline")
    bridge = app.controller._bridge  # what an engine calls, on any thread
    bridge.on_final(TurnUpdate("s:0", 0, "Hello there.", end_of_turn=True, speaker="A"))
    assert app.overlay.history_texts() == ["A: Hello there."]
    bridge.on_speaker_revision("s:0", None, ())  # PENDING: no label yet
    assert app.overlay.history_texts() == ["Hello there."]
    assert app.window.transcript.finished_texts()[0].endswith("  Hello there.")


def test_translation_settings_survive_a_restart(make_app, qtbot) -> None:
    app = make_app("--engine", "offline")
    dialog = TranslationSettingsDialog(app.prefs, offline=False, parent=app.window)
    qtbot.addWidget(dialog)
    dialog.language_combo.setEditText("Catalan")
    dialog.model_edit.setText("claude-haiku-4-5")
    dialog.display_combo.setCurrentIndex(dialog.display_combo.findData("translation"))
    dialog.subtitles_combo.setCurrentIndex(dialog.subtitles_combo.findData("separate"))
    dialog.speakers_check.setChecked(True)
    dialog.max_speakers.setValue(4)
    dialog.revision.setValue(300)
    dialog.accept()
    app.settings.sync()
    again = make_app("--engine", "offline")  # a new run reads the same file
    from captioner.ui.assemblyai_settings import config_from_settings

    config = config_from_settings(again.prefs, "k", "h")
    assert (config.translate_to, config.translation_model) == ("Catalan", "claude-haiku-4-5")
    assert (config.speaker_labels, config.max_speakers, config.speaker_revision_interval_s) == (
        True,
        4,
        300,
    )
    assert again.prefs.get(Key.TRANSLATION_SUBTITLES) == "separate"
    assert again.overlay.translation_display == "translation"
    reopened = TranslationSettingsDialog(again.prefs, offline=False, parent=again.window)
    qtbot.addWidget(reopened)
    assert reopened.chosen_language() == "Catalan"
    assert reopened.revision.value() == 300


def test_a_revision_interval_under_the_minimum_reads_as_off(make_app, tmp_path) -> None:
    preset(tmp_path, **{"assemblyai/speaker_revision_s": 60, "translation/display": "sideways"})
    app = make_app("--engine", "offline")
    assert app.prefs.get(Key.AAI_SPEAKER_REVISION_S) == 0
    assert app.prefs.get(Key.TRANSLATION_DISPLAY) == "both"


def test_offline_engine_shows_translation_unavailable_and_why(make_app, qtbot) -> None:
    app = make_app("--engine", "offline")
    dialog = app.dialogs.edit_translation()
    qtbot.addWidget(dialog)
    assert dialog.unavailable.isVisibleTo(dialog) and dialog.unavailable.text() == OFFLINE_NOTE
    assert dialog.language_combo.isVisibleTo(dialog)  # shown, not hidden
    assert not dialog.language_combo.isEnabled()
    assert "paid AssemblyAI account" in dialog.cost_note.text()
    assert "per token" in dialog.cost_note.text()


def test_export_from_the_window_writes_a_bilingual_srt(
    make_app, qtbot, monkeypatch, tmp_path
) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    extras = Extras(gateway=Gateway(delays_s=(0.2,)))
    with FakeV3Server(api_key=KEY, script=script(), ms_per_word=200, extras=extras) as server:
        app = make_app(
            "--engine", "assemblyai", "--input-file", str(CLIP), "--api-host", server.url
        )
        choose(app, qtbot, "fr")
        run_to_end(app, qtbot)
    target = tmp_path / "out.srt"
    app.session_actions.ask_save_path = lambda *_: str(target)
    with qtbot.waitSignal(app.sessions.exports.finished, timeout=10000):  # written off-thread
        app.session_actions.export_current()
    srt = target.read_text(encoding="utf-8")
    for line in LINES:
        assert f"{line}\n[fr] {line}" in srt
    assert not (tmp_path / "out.fr.srt").exists()
    app.prefs.set(Key.TRANSLATION_SUBTITLES, "separate")
    separate = tmp_path / "two.srt"
    app.session_actions.ask_save_path = lambda *_: str(separate)
    with qtbot.waitSignal(app.sessions.exports.finished, timeout=10000):
        app.session_actions.export_current()
    assert "[fr]" not in separate.read_text(encoding="utf-8")
    track = tmp_path / "two.fr.srt"
    assert f"[fr] {LINES[0]}" in track.read_text(encoding="utf-8")
    # Exporting again beside that track: the dialog only asked about two.srt, so
    # replacing two.fr.srt is asked separately; No writes nothing at all.
    track.write_text("edited by hand", encoding="utf-8")
    asked: list[str] = []

    def question(_parent: object, _title: str, text: str, *_args: object) -> object:
        asked.append(text)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", question)
    separate.unlink()
    app.session_actions.export_current()
    assert asked and "two.fr.srt" in asked[0]
    assert track.read_text(encoding="utf-8") == "edited by hand" and not separate.exists()
    # The same session exported from View ▸ Sessions follows the same setting.
    window = app.session_actions.show_sessions(app.sessions.store.list()[0].id)
    qtbot.waitUntil(lambda: window.list.count() == 1 and bool(window.view.finished_texts()))
    history = tmp_path / "history.srt"
    window.ask_save_path = lambda *_: str(history)
    with qtbot.waitSignal(app.sessions.exports.finished, timeout=10000):
        window.export_current()
    assert "[fr]" not in history.read_text(encoding="utf-8")
    assert f"[fr] {LINES[0]}" in (tmp_path / "history.fr.srt").read_text(encoding="utf-8")


def test_a_refused_translation_is_said_in_the_status_line(make_app, qtbot, monkeypatch) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    extras = Extras(gateway=Gateway(refuse="insufficient balance", how="error"))
    with FakeV3Server(api_key=KEY, script=script(), ms_per_word=200, extras=extras) as server:
        app = make_app(
            "--engine", "assemblyai", "--input-file", str(CLIP), "--api-host", server.url
        )
        choose(app, qtbot, "fr")
        run_to_end(app, qtbot)
    assert app.controller.last_error is not None
    assert "refused live translation" in app.window.status_text()
    assert "insufficient balance" in app.window.status_text() + app.controller.status_detail


def test_the_overlay_keeps_as_many_captions_with_their_translations(
    make_app, qtbot, monkeypatch
) -> None:
    """Two finished lines asked for (the default): both stay, each with its French line."""
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    with FakeV3Server(api_key=KEY, script=script(), ms_per_word=200) as server:
        app = make_app(
            "--engine", "assemblyai", "--input-file", str(CLIP), "--api-host", server.url
        )
        height = app.overlay.height()
        choose(app, qtbot, "fr")
        assert app.overlay.height() > height  # room for the translation lines
        run_to_end(app, qtbot)
    assert app.overlay.visible_text_lines() == [
        LINES[1],
        f"[fr] {LINES[1]}",
        LINES[2],
        f"[fr] {LINES[2]}",
    ]
    assert app.overlay.screen().availableGeometry().contains(app.overlay.frameGeometry())


@pytest.mark.usefixtures("styled")
def test_translations_and_the_translation_dialog_read_at_aa(make_app, qtbot) -> None:
    """Light and dark: the dimmer translation line and every text of the dialog reach 4.5:1."""
    app = make_app("--engine", "offline")
    done = Turn("k0", 0, "We should start.", finished=True)
    app.window.add_turn(0, done)
    app.window.revise_turn(
        0, Turn("k0", 0, done.text, finished=True, translation=Translation("fr", "Commençons."))
    )
    assert "Commençons." in app.window.transcript.finished_texts()[0]
    dialog = app.dialogs.edit_translation()  # offline: the "unavailable" note shows too
    qtbot.addWidget(dialog)
    found = [(type(root).__name__, t) for root in (app.window, dialog) for t in text_colours(root)]
    assert any("Commençons" in t.text for _, t in found), "the translation was walked"
    low = [
        f"{name} {t.where} {t.text[:30]!r}: {t.ratio:.2f}"
        for name, t in found
        if t.ratio < AA_NORMAL
    ]
    assert not low, low
