"""The overlay in the running app (13.8, 12.10).

Placed before a run, gone after Stop, and sane whatever the settings file says.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication

from captioner.core.settings import Key, Settings
from tests.conftest import DATA

SHORT_CLIP = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0880.wav"  # 3 s
# A bound, not a timing (the waits end as soon as captions come): the offline engine's
# final decode runs at nice +5, and on a loaded 2-core box the 3 s clip's first line
# took over 20 s to reach the overlay.
RUN_BOUND_MS = 60_000


def preset(tmp_path: Path, **values: object) -> None:
    """Write settings as an earlier run (or a hand edit) left them, before the app starts."""
    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    for name, value in values.items():
        store.setValue(name.replace("__", "/"), value)
    store.sync()


def test_turning_the_overlay_on_while_idle_shows_sample_captions_to_place(make_app, qtbot):
    app = make_app()
    assert not app.overlay.isVisible()  # nothing to caption yet
    app.window.overlay_check.setChecked(False)
    app.window.overlay_check.setChecked(True)  # View ▸ Caption overlay, or the tray's
    assert app.overlay.isVisible() and app.overlay.showing_sample
    lines = app.overlay.visible_text_lines()
    assert [line.split(":")[0] for line in lines[:2]] == ["You", "Them"]
    app.overlay.grab()
    done = app.overlay._done_rect.center().toPoint()
    qtbot.mouseClick(app.overlay, Qt.MouseButton.LeftButton, pos=done)
    assert not app.overlay.isVisible() and not app.overlay.showing_sample


def start_placing(app, qtbot) -> QAction:
    """View ▸ Place caption overlay… in the active main window: the sample shows."""
    window = app.window
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    place = next(a for a in window.findChildren(QAction) if a.text() == "&Place caption overlay…")
    place.trigger()  # View ▸ Place caption overlay… (Alt+V, P)
    assert app.overlay.isVisible() and app.overlay.showing_sample
    return place


def test_the_sample_to_place_ends_from_the_keyboard_with_the_overlay_still_wanted(make_app, qtbot):
    """Its Done takes a mouse; a keyboard user had to turn the overlay off (remembered)."""
    app = make_app()
    window = app.window
    place = start_placing(app, qtbot)
    qtbot.keyClick(window.transcript, Qt.Key.Key_Escape)
    assert not app.overlay.isVisible() and not app.overlay.showing_sample
    assert window.overlay_check.isChecked()  # still shown when captioning starts

    place.trigger()  # and the menu item itself, said as Done placing…
    assert app.overlay.showing_sample
    assert place.text().replace("&", "") == "Done placing caption overlay (Esc)"
    place.trigger()
    assert not app.overlay.isVisible() and not app.overlay.showing_sample
    assert place.text().replace("&", "") == "Place caption overlay…"
    qtbot.keyClick(window.transcript, Qt.Key.Key_Escape)  # Esc means nothing when not placing
    assert not app.overlay.isVisible()


def test_caption_settings_opened_while_idle_preview_on_sample_captions(make_app, qtbot):
    app = make_app()
    dialog = app.dialogs.edit_captions()
    qtbot.addWidget(dialog)
    assert app.overlay.isVisible() and app.overlay.showing_sample
    dialog.size_spin.setValue(30)
    assert app.overlay.caption_font.pointSizeF() == 30  # previewed on the sample
    dialog.reject()
    assert not app.overlay.isVisible() and not app.overlay.showing_sample


@pytest.mark.qt_log_ignore("does not support setting window opacity")
def test_the_last_captions_fade_and_go_after_stop(make_app, qtbot, tmp_path):
    preset(tmp_path, overlay__fade_seconds=1)  # "after 1 s" keeps the test short
    app = make_app("--input-file", str(SHORT_CLIP))
    qtbot.mouseClick(app.window.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(app.overlay.history_texts()), timeout=RUN_BOUND_MS)
    qtbot.waitUntil(lambda: not app.controller.running, timeout=RUN_BOUND_MS)
    qtbot.waitUntil(lambda: not app.overlay.isVisible(), timeout=5000)


def test_bad_overlay_settings_from_an_earlier_run_start_readable_and_on_screen(
    make_app, tmp_path, caplog
):
    preset(
        tmp_path,
        overlay__text_color="blackish",
        overlay__font_size=96,
        overlay__history_lines=5,
        overlay__opacity="lots",
    )
    with caplog.at_level("WARNING"):
        app = make_app()
    style = app.overlay.style_settings
    assert style.text_color.name() == "#ffffff"  # the default, not black on black
    assert style.background.alphaF() == pytest.approx(0.85, abs=0.01)
    area = app.overlay.screen().availableGeometry()
    assert area.contains(app.overlay.geometry())
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "overlay/text_color" in logged and "overlay/opacity" in logged
    assert "blackish" not in logged and "lots" not in logged


def test_fade_after_stop_is_kept_across_a_restart(make_app, tmp_path):
    app = make_app()
    dialog = app.dialogs.edit_captions()
    dialog.stop_fade_check.setChecked(False)
    dialog.accept()
    app.settings.sync()
    again = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    assert again.get(Key.OVERLAY_FADE_AFTER_STOP) is False
    assert not make_app().overlay.style_settings.fade_after_stop


def test_view_place_caption_overlay_shows_the_sample_until_start(make_app, qtbot):
    from PySide6.QtGui import QAction

    app = make_app("--input-file", str(SHORT_CLIP))
    place = next(
        a for a in app.window.findChildren(QAction) if a.text() == "&Place caption overlay…"
    )
    place.trigger()
    assert app.overlay.isVisible() and app.overlay.showing_sample
    qtbot.mouseClick(app.window.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(app.overlay.history_texts()), timeout=RUN_BOUND_MS)
    assert not app.overlay.showing_sample  # real captions replace the sample
    assert not any(line.startswith("Them: Drag") for line in app.overlay.visible_text_lines())
    qtbot.waitUntil(lambda: not app.controller.running, timeout=RUN_BOUND_MS)  # the clip ends
