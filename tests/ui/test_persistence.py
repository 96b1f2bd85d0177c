"""Every user choice survives a restart: change it through the UI, rebuild the app, see it.

Each test makes a choice the way a user does (clicks, typing, a settings
dialog's OK), quits, builds a new app on the same settings file, and checks
the new app shows the same choice.  Mute is deliberately not remembered: a
side muted in one call and silently muted in the next would lose captions.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor

from captioner.audio.devices import InputDevice
from captioner.audio.system import SystemAudioDevice
from captioner.core.settings import Key
from captioner.engines.registry import EngineId
from captioner.ui.assemblyai_settings import config_from_settings

BUILT_IN = InputDevice(1, "Built-in Mic", "ALSA", 1, 48000.0, is_default=True)
HEADSET = InputDevice(2, "USB headset", "ALSA", 1, 48000.0)
SPEAKERS = SystemAudioDevice("System audio — Speakers", "Speakers", "pulse", "spk.monitor", None)
HDMI = SystemAudioDevice("System audio — HDMI", "HDMI", "pulse", "hdmi.monitor", None, True)

HARDWARE = {
    "list_devices": lambda: [BUILT_IN, HEADSET],
    "list_system_sources": lambda: [HDMI, SPEAKERS],
    "rescan_devices": lambda: None,
}


def click_check_box(qtbot, box) -> None:
    """Click a check box on its box (a wide check box only reacts over its text)."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(6, box.height() // 2))


@pytest.fixture
def restart(make_app, qtbot):
    """Quit ``app`` as a user would, then build a new one on the same settings file."""

    def again(app, *argv: str):
        with qtbot.waitSignal(app.quitFinished, timeout=15000):
            app.request_quit()
        app.settings.sync()
        return make_app(*argv, **HARDWARE)

    return again


def test_side_names_and_call_mode(make_app, restart, qtbot) -> None:
    app = make_app(**HARDWARE)
    panel = app.window.call_panel
    click_check_box(qtbot, panel.toggle)
    for side, name in (("mic", "Ana"), ("system", "Support desk")):
        field = panel.name_fields[side]
        field.clear()
        qtbot.keyClicks(field, name)
        qtbot.keyClick(field, Qt.Key.Key_Return)  # editing finished
    again = restart(app)
    assert again.window.call_panel.call_mode()
    assert again.window.call_panel.names() == {"mic": "Ana", "system": "Support desk"}
    click_check_box(qtbot, again.window.call_panel.toggle)
    assert not restart(again).window.call_panel.call_mode()


def test_a_file_given_on_the_command_line_is_captioned_though_the_last_call_was_on(
    make_app, restart, qtbot, tmp_path
) -> None:
    # Call mode left on from the last call won over --input-file: the run recorded the
    # microphone and system audio, and the file was ignored.
    app = make_app(**HARDWARE)
    click_check_box(qtbot, app.window.call_panel.toggle)
    clip = tmp_path / "talk.wav"
    clip.write_bytes(b"")  # only its name is shown until Start
    with_file = restart(app, "--input-file", str(clip))
    assert not with_file.window.call_panel.call_mode()
    assert with_file.window.selected_input().label.endswith("talk.wav")
    assert restart(with_file).window.call_panel.call_mode()  # the switch stays remembered


def test_engine(make_app, restart, monkeypatch) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", "sk-persistence-test-0000")
    app = make_app(**HARDWARE)
    assert app.window.selected_engine() is EngineId.ASSEMBLYAI  # the default with a key
    combo = app.window.engine_combo
    combo.setCurrentIndex(combo.findData(EngineId.OFFLINE.value))
    again = restart(app)
    assert again.window.selected_engine() is EngineId.OFFLINE
    combo = again.window.engine_combo
    combo.setCurrentIndex(combo.findData(EngineId.ASSEMBLYAI.value))
    assert restart(again).window.selected_engine() is EngineId.ASSEMBLYAI


def test_the_command_lines_engine_is_not_a_choice(make_app, restart) -> None:
    app = make_app("--engine", "assemblyai", **HARDWARE)
    assert app.window.selected_engine() is EngineId.ASSEMBLYAI
    assert restart(app).window.selected_engine() is EngineId.OFFLINE  # no key, nothing picked


def test_input_device(make_app, restart) -> None:
    app = make_app(**HARDWARE)
    assert app.window.selected_input().device == BUILT_IN  # the system default
    combo = app.window.input_combo
    combo.setCurrentIndex(combo.findText(HEADSET.label))
    assert restart(app).window.selected_input().device == HEADSET


def test_system_audio_as_the_input(make_app, restart) -> None:
    app = make_app(**HARDWARE)
    combo = app.window.input_combo
    combo.setCurrentIndex(combo.findText(SPEAKERS.label))
    assert restart(app).window.selected_input().system == SPEAKERS


def test_call_mode_sources(make_app, restart) -> None:
    app = make_app(**HARDWARE)
    panel = app.window.call_panel
    assert (panel.selected("mic"), panel.selected("system")) == (BUILT_IN, HDMI)  # defaults
    panel.pickers["mic"].setCurrentIndex(panel.pickers["mic"].findText(HEADSET.label))
    panel.pickers["system"].setCurrentIndex(panel.pickers["system"].findText(SPEAKERS.label))
    again = restart(app).window.call_panel
    assert (again.selected("mic"), again.selected("system")) == (HEADSET, SPEAKERS)


def test_a_remembered_device_that_is_gone_falls_back_to_the_default(make_app, restart) -> None:
    app = make_app(**HARDWARE)
    app.window.input_combo.setCurrentIndex(app.window.input_combo.findText(HEADSET.label))
    with_headset = dict(HARDWARE)
    restart(app)  # the choice is on file
    with_headset["list_devices"] = lambda: [BUILT_IN]  # unplugged since
    later = make_app(**with_headset)
    assert later.window.selected_input().device == BUILT_IN


def test_overlay_style(make_app, restart, qtbot) -> None:
    app = make_app(**HARDWARE)
    dialog = app.dialogs.edit_captions()
    qtbot.addWidget(dialog)
    dialog.size_spin.setValue(31)
    dialog.text_color.color = QColor("#ffd54f")
    dialog.opacity.setValue(60)
    dialog.lines_spin.setValue(4)
    dialog.width_spin.setValue(55)
    dialog.fade_spin.setValue(9)
    dialog.outline_check.setChecked(False)
    dialog.announce_check.setChecked(True)
    dialog.accept()
    chosen = app.overlay.style_settings
    again = restart(app)
    style = again.overlay.style_settings
    assert (style.font_point_size, style.history_lines, style.width_percent) == (31, 4, 55)
    assert (style.fade_seconds, style.outline) == (9, False)
    assert style.text_color.name() == "#ffd54f"
    assert style.background.alpha() == chosen.background.alpha() == round(0.6 * 255)
    assert again.prefs.get(Key.ANNOUNCE_CAPTIONS)


def test_overlay_docked_at_the_top(make_app, restart, qtbot) -> None:
    app = make_app(**HARDWARE)
    dialog = app.dialogs.edit_captions()
    qtbot.addWidget(dialog)
    dialog.dock_combo.setCurrentIndex(dialog.dock_combo.findData("top"))
    dialog.accept()
    again = restart(app)
    assert again.overlay.geometry() == again.overlay.default_rect(dock="top")


def test_overlay_dragged_somewhere(make_app, restart, qtbot) -> None:
    app = make_app(**HARDWARE)
    overlay = app.overlay
    overlay.show()
    qtbot.waitExposed(overlay)
    start = overlay.pos()
    grab = QPoint(overlay.width() // 2, overlay.height() // 2)
    qtbot.mousePress(overlay, Qt.MouseButton.LeftButton, pos=grab)
    qtbot.mouseMove(overlay, grab + QPoint(-40, -30))
    qtbot.mouseRelease(overlay, Qt.MouseButton.LeftButton, pos=grab + QPoint(-40, -30))
    dropped = overlay.pos()
    assert dropped != start  # it moved
    again = restart(app)
    assert again.overlay.pos() == dropped
    assert again.prefs.get(Key.OVERLAY_DOCK) == "float"


def test_a_position_tried_out_then_cancelled_is_not_kept(make_app, restart, qtbot) -> None:
    """Settings ▸ Captions…: Position "Top" is previewed on the overlay itself; Cancel puts
    it back where the user had dragged it, now and after a restart."""
    app = make_app(**HARDWARE)
    overlay = app.overlay
    overlay.show()
    qtbot.waitExposed(overlay)
    overlay.move(overlay.pos() + QPoint(-60, -40))  # the user's place
    placed = overlay.geometry()
    dialog = app.dialogs.edit_captions()
    qtbot.addWidget(dialog)
    dialog.dock_combo.setCurrentIndex(dialog.dock_combo.findData("top"))
    assert overlay.geometry() == overlay.default_rect(dock="top")  # the preview
    qtbot.wait(700)  # longer than a place takes to be saved
    dialog.reject()
    assert overlay.geometry() == placed
    again = restart(app)
    assert again.overlay.geometry() == placed
    assert again.prefs.get(Key.OVERLAY_DOCK) == "float"


def test_a_drag_while_the_captions_dialog_is_open_is_kept(make_app, restart, qtbot) -> None:
    """Settings ▸ Captions… shows the overlay to be dragged into place: another change tried
    afterwards (a bigger font) does not send it back, and OK keeps where it was dropped."""
    app = make_app(**HARDWARE)
    overlay = app.overlay
    dialog = app.dialogs.edit_captions()
    qtbot.addWidget(dialog)
    qtbot.waitExposed(overlay)
    grab = QPoint(overlay.width() // 2, overlay.height() // 2)
    qtbot.mousePress(overlay, Qt.MouseButton.LeftButton, pos=grab)
    qtbot.mouseMove(overlay, grab + QPoint(-50, -60))
    qtbot.mouseRelease(overlay, Qt.MouseButton.LeftButton, pos=grab + QPoint(-50, -60))
    dropped = overlay.pos()
    dialog.size_spin.setValue(dialog.size_spin.value() + 4)  # previewed at once
    assert overlay.pos() == dropped
    dialog.accept()
    again = restart(app)
    assert again.overlay.pos() == dropped


def test_the_width_setting_applies_where_the_user_put_the_overlay(make_app, restart, qtbot) -> None:
    """Width (a share of the screen) works in the default Position, "Where I drag it", too:
    around the overlay's centre, kept after a restart."""
    app = make_app(**HARDWARE)
    overlay = app.overlay
    overlay.show()
    qtbot.waitExposed(overlay)
    centre = overlay.geometry().center().x()
    dialog = app.dialogs.edit_captions()
    qtbot.addWidget(dialog)
    assert dialog.dock_combo.currentData() == "float"
    screen_width = overlay.screen().availableGeometry().width()
    dialog.width_spin.setValue(40)
    dialog.accept()
    assert abs(overlay.width() - screen_width * 0.4) <= 2
    assert abs(overlay.geometry().center().x() - centre) <= 2
    again = restart(app)
    assert again.overlay.width() == overlay.width()


def test_overlay_shown_or_hidden_and_locked(make_app, restart, qtbot) -> None:
    app = make_app(**HARDWARE)
    app.window.overlay_action.trigger()  # View ▸ Caption overlay: off
    app.window.lock_action.trigger()  # View ▸ Lock overlay: on
    again = restart(app)
    assert not again.window.overlay_shown() and not again.window.overlay_action.isChecked()
    assert again.overlay.locked and again.window.lock_action.isChecked()


def test_speaker_labels_and_other_assemblyai_options(make_app, restart, qtbot) -> None:
    app = make_app(**HARDWARE)
    dialog = app.dialogs.edit_assemblyai()
    qtbot.addWidget(dialog)
    dialog.speakers_check.setChecked(True)
    dialog.keyterms_edit.setPlainText("Dashwood")
    dialog.accept()
    again = restart(app)
    config = config_from_settings(again.prefs, "k", "ws://127.0.0.1:9")
    assert config.speaker_labels and config.keyterms == ("Dashwood",)
    reopened = again.dialogs.edit_assemblyai()
    qtbot.addWidget(reopened)
    assert reopened.speakers_check.isChecked()


def test_main_window_size_and_place(make_app, restart, qtbot) -> None:
    app = make_app(**HARDWARE)
    app.window.resize(760, 500)  # within the offscreen 800×600 screen: restored as is
    app.window.move(20, 30)
    qtbot.waitUntil(lambda: app.window.pos() == QPoint(20, 30), timeout=2000)
    again = restart(app)
    assert again.window.size().toTuple() == (760, 500)
    assert again.window.pos() == QPoint(20, 30)
