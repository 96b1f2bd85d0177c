"""The profanity filter as users meet it: on by default, everywhere, undone live, remembered.

The filter is a presentation step: the journal on disk keeps the words as
recognised, so switching it off shows them again, in the live views and in
history alike.
"""

from __future__ import annotations

from pathlib import Path

import srt
from PySide6.QtGui import QGuiApplication

from captioner.core.journal import journal_path
from captioner.core.settings import Key
from captioner.core.transcript import TurnUpdate, Word
from captioner.ui.overlay_settings import OverlaySettingsDialog
from tests.conftest import DATA
from tests.fakes.v3_server import FakeV3Server, TurnScript

KEY = "test-key-profanity"
CLIP = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav"


def offline_update(key: str, text: str, start_ms: int, *, final: bool) -> TurnUpdate:
    """What the offline engine reports: lowercase words, no punctuation, word timings."""
    words = tuple(
        Word(token, start_ms + i * 300, start_ms + i * 300 + 250)
        for i, token in enumerate(text.split())
    )
    return TurnUpdate(key, int(key.rsplit("-", 1)[1]), text, words, end_of_turn=final)


def set_filter_in_settings_dialog(app, qtbot, enabled: bool) -> None:
    """Settings ▸ Captions…, tick or untick "Hide profanity", OK."""
    app.dialogs.edit_captions()
    dialog = app.window.findChild(OverlaySettingsDialog)
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.profanity_check.isChecked() is app.profanity.enabled
    dialog.profanity_check.setChecked(enabled)
    dialog.accept()
    dialog.deleteLater()


def test_overlay_and_transcript_mask_and_switching_off_shows_the_words_live(
    make_app, qtbot
) -> None:
    app = make_app()
    feed = app.controller._on_update  # the engine's path onto the GUI thread
    feed(offline_update("offline-0", "oh shit the cat is in the class", 0, final=True))
    feed(offline_update("offline-1", "what the fuck", 4000, final=False))
    view = app.window.transcript

    assert app.overlay.history_texts() == ["oh s*** the cat is in the class"]
    assert app.overlay.partial_text() == "what the f***"
    assert view.finished_texts() == ["00:00  oh s*** the cat is in the class"]
    assert view.partial_text() == "what the f***"

    set_filter_in_settings_dialog(app, qtbot, False)
    assert app.overlay.history_texts() == ["oh shit the cat is in the class"]
    assert app.overlay.partial_text() == "what the fuck"
    assert view.finished_texts() == ["00:00  oh shit the cat is in the class"]
    assert view.partial_text() == "what the fuck"
    feed(offline_update("offline-1", "what the fuck was that", 4000, final=False))
    assert app.overlay.partial_text() == "what the fuck was that"  # new text: raw too

    set_filter_in_settings_dialog(app, qtbot, True)
    assert app.overlay.history_texts() == ["oh s*** the cat is in the class"]
    assert view.partial_text() == "what the f*** was that"
    feed(offline_update("offline-1", "what the fuck was that", 4000, final=True))
    assert view.finished_texts()[-1] == "00:04  what the f*** was that"
    assert app.overlay.partial_text() == ""
    # The transcript model never changed: the filter is applied when drawing.
    assert [t.text for t in app.controller.transcript] == [
        "oh shit the cat is in the class",
        "what the fuck was that",
    ]


def test_the_choice_survives_a_restart(make_app, qtbot, tmp_path: Path) -> None:
    first = make_app()
    assert first.profanity.enabled  # on by default, like Windows Live Captions
    set_filter_in_settings_dialog(first, qtbot, False)
    first.settings.sync()
    assert "profanity_filter=false" in (tmp_path / "settings.ini").read_text()

    again = make_app()  # same settings file
    assert again.prefs.get(Key.PROFANITY_FILTER) is False and not again.profanity.enabled
    again.controller._on_update(offline_update("offline-0", "holy shit", 0, final=True))
    assert again.overlay.history_texts() == ["holy shit"]
    set_filter_in_settings_dialog(again, qtbot, True)
    assert make_app().profanity.enabled


def test_cloud_session_is_masked_on_screen_and_in_exports_but_kept_raw_on_disk(
    make_app, qtbot, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    data_dir = tmp_path / "sessions"
    script = TurnScript.from_text("oh shit. this is bullshit, man. the class went well")
    with FakeV3Server(api_key=KEY, script=script, ms_per_word=150) as server:
        app = make_app(
            *("--engine", "assemblyai", "--input-file", str(CLIP)),
            *("--api-host", server.url, "--data-dir", str(data_dir)),
        )
        app.start_captioning()
        qtbot.waitUntil(lambda: not app.controller.running, timeout=20000)
    shown = ["Oh s***.", "This is b*******, man.", "The class went well."]
    assert app.overlay.history_texts() == shown[-2:]  # it keeps two finished lines
    assert [line.split("  ", 1)[1] for line in app.window.transcript.finished_texts()] == shown

    # The journal on disk keeps the words as recognised.
    session_id = app.sessions.store.list()[0].id
    journal = journal_path(data_dir, session_id).read_text(encoding="utf-8")
    assert "Oh shit." in journal and "This is bullshit, man." in journal
    assert "*" not in journal

    # File ▸ Export and Edit ▸ Copy show what the screen shows.
    out = tmp_path / "masked.srt"
    app.session_actions.ask_save_path = lambda _parent, _suggested: str(out)
    with qtbot.waitSignal(app.sessions.exports.finished, timeout=10000):  # written off-thread
        app.window.exportRequested.emit()
    masked_cues = list(srt.parse(out.read_text(encoding="utf-8")))
    assert " ".join(c.content for c in masked_cues) == " ".join(shown)
    app.window.copyRequested.emit()  # the text is built off the GUI thread
    qtbot.waitUntil(lambda: "This is b*******, man." in QGuiApplication.clipboard().text())

    # View ▸ Sessions: history is masked too…
    window = app.session_actions.show_sessions(session_id)
    qtbot.waitUntil(lambda: window.list.count() == 1 and bool(window.view.finished_texts()))
    assert [line.split("  ", 1)[1] for line in window.view.finished_texts()] == shown
    assert "Oh s***." in window.list.item(0).text()

    # …and switching the filter off shows the real words everywhere, from the journal.
    app.profanity.set_enabled(False)
    raw = ["Oh shit.", "This is bullshit, man.", "The class went well."]
    assert [line.split("  ", 1)[1] for line in window.view.finished_texts()] == raw
    qtbot.waitUntil(lambda: window.list.count() == 1 and "Oh shit." in window.list.item(0).text())
    assert app.overlay.history_texts() == raw[-2:]
    assert [line.split("  ", 1)[1] for line in app.window.transcript.finished_texts()] == raw
    raw_out = tmp_path / "raw.srt"
    window.ask_save_path = lambda _parent, _suggested: str(raw_out)
    with qtbot.waitSignal(app.sessions.exports.finished, timeout=10000):
        window.export_current()
    raw_cues = list(srt.parse(raw_out.read_text(encoding="utf-8")))
    assert " ".join(c.content for c in raw_cues) == " ".join(raw)
    assert [(c.start, c.end) for c in raw_cues] == [(c.start, c.end) for c in masked_cues]
    window.copy_current()
    qtbot.waitUntil(lambda: "This is bullshit, man." in QGuiApplication.clipboard().text())


def test_the_server_side_option_says_how_it_differs_from_ours(qtbot, tmp_path: Path) -> None:
    from PySide6.QtCore import QSettings

    from captioner.core.settings import Settings
    from captioner.ui.assemblyai_settings import AssemblyAISettingsDialog

    prefs = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    dialog = AssemblyAISettingsDialog(prefs, "ws://127.0.0.1:9")
    qtbot.addWidget(dialog)
    assert not dialog.profanity_check.isChecked()  # off: our filter already hides profanity
    assert "servers" in dialog.profanity_check.text()
    tip = dialog.profanity_check.toolTip()
    assert "Settings ▸ Captions… ▸ Hide profanity" in tip and "never saved" in tip


def test_screen_readers_hear_what_the_overlay_shows(make_app, monkeypatch) -> None:
    import captioner.ui.announcer

    heard: list[str] = []

    class Announcer:
        @staticmethod
        def updateAccessibility(event) -> None:  # Qt naming
            heard.append(event.message())

    monkeypatch.setattr(captioner.ui.announcer, "QAccessible", Announcer)
    app = make_app()
    app.prefs.set(Key.ANNOUNCE_CAPTIONS, True)
    app.controller._on_update(offline_update("offline-0", "well shit", 0, final=True))
    assert heard == ["well s***"]
