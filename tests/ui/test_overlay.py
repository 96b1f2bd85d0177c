"""The caption overlay: on top, out of the way, and rewriting the partial in place."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QSettings, Qt
from PySide6.QtGui import QGuiApplication, QImage

from captioner.core.settings import Key, Settings
from captioner.ui.overlay import CaptionLine, CaptionOverlay


def make_overlay(qtbot, tmp_path: Path) -> CaptionOverlay:
    settings = QSettings(str(tmp_path / "overlay.ini"), QSettings.Format.IniFormat)
    overlay = CaptionOverlay(Settings(settings))
    qtbot.addWidget(overlay)
    overlay.show()
    qtbot.waitExposed(overlay)
    return overlay


def test_overlay_is_a_frameless_always_on_top_window_that_never_takes_focus(qtbot, tmp_path):
    overlay = make_overlay(qtbot, tmp_path)
    flags = overlay.windowFlags()
    for flag in (
        Qt.WindowType.WindowStaysOnTopHint,
        Qt.WindowType.FramelessWindowHint,
        Qt.WindowType.WindowDoesNotAcceptFocus,
    ):
        assert flags & flag, flag
    assert flags & Qt.WindowType.Tool == Qt.WindowType.Tool  # no task-bar entry
    assert overlay.testAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
    assert overlay.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
    assert not overlay.isActiveWindow()


def test_partials_rewrite_one_line_in_place_without_growing_the_window(qtbot, tmp_path):
    overlay = make_overlay(qtbot, tmp_path)
    overlay.set_history(["First finished line.", "Second finished line."])
    geometry = overlay.geometry()
    words = "how much there might be prudently in his power to do for them".split()
    for n in range(1, len(words) + 1):
        overlay.set_partial(" ".join(words[:n]))
        lines = overlay.visible_text_lines()
        assert lines[-1].endswith(words[n - 1])  # the newest word is on screen
        assert overlay.geometry() == geometry  # no growth, no jump
    assert overlay.history_texts() == ["First finished line.", "Second finished line."]


def test_history_rows_are_untouched_by_a_partial_update(qtbot, tmp_path):
    overlay = make_overlay(qtbot, tmp_path)
    overlay.set_history(["One.", "Two."])
    overlay.set_partial("three")
    before = overlay.grab().toImage()
    overlay.set_partial("three four five")
    after = overlay.grab().toImage()
    line = overlay.height() // 3
    assert _rows(before, 0, line) == _rows(after, 0, line)  # top line: history, same pixels
    assert _rows(before, 2 * line, overlay.height()) != _rows(after, 2 * line, overlay.height())


def test_only_the_last_two_finished_lines_are_kept(qtbot, tmp_path):
    overlay = make_overlay(qtbot, tmp_path)
    overlay.set_history([f"Line {i}." for i in range(6)])
    assert overlay.history_texts() == ["Line 4.", "Line 5."]


def test_a_long_turn_keeps_the_newest_words_visible(qtbot, tmp_path):
    overlay = make_overlay(qtbot, tmp_path)
    overlay.set_history(["Old line."])
    overlay.set_partial(" ".join(f"word{i}" for i in range(200)))
    lines = overlay.visible_text_lines()
    assert lines[-1].endswith("word199")
    assert not any("word0 " in line for line in lines)
    assert "Old line." not in lines  # scrolled off the top rather than squeezing the partial


def test_text_is_actually_drawn(qtbot, tmp_path):
    overlay = make_overlay(qtbot, tmp_path)
    blank = _bright_pixels(overlay.grab().toImage())
    overlay.set_partial("Hello there")
    assert _bright_pixels(overlay.grab().toImage()) > blank + 100


def test_position_is_remembered_and_an_off_screen_one_is_ignored(qtbot, tmp_path):
    overlay = make_overlay(qtbot, tmp_path)
    screen = QGuiApplication.primaryScreen().availableGeometry()
    target = QPoint(screen.x() + 40, screen.y() + 60)
    overlay.move(target)
    overlay.close()
    again = make_overlay(qtbot, tmp_path)
    assert again.pos() == target
    again.close()
    settings = QSettings(str(tmp_path / "overlay.ini"), QSettings.Format.IniFormat)
    key = next(k for k in settings.allKeys() if k.startswith("overlay/geometry/"))
    far = QRect(screen.right() + 5000, screen.bottom() + 5000, 600, 100)
    settings.setValue(key, far)
    settings.sync()
    restored = make_overlay(qtbot, tmp_path)
    assert screen.intersects(restored.geometry())  # monitor unplugged: back on screen


def _rows(image: QImage, top: int, bottom: int) -> QImage:
    return image.copy(0, top, image.width(), bottom - top)


def _bright_pixels(image: QImage) -> int:
    image = image.convertToFormat(QImage.Format.Format_Grayscale8)
    return sum(
        1
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
        if image.pixelColor(x, y).value() > 128
    )


def test_a_burst_of_partials_costs_one_layout_per_frame(qtbot, tmp_path):
    overlay = make_overlay(qtbot, tmp_path)
    overlay.grab()  # paint once
    before = overlay.partial_layouts
    for n in range(100):
        overlay.set_partial(" ".join(["word"] * (n + 1)))
    overlay.grab()  # the next frame
    assert overlay.partial_layouts == before + 1


def test_lock_makes_the_overlay_click_through_and_is_remembered(qtbot, tmp_path):
    overlay = make_overlay(qtbot, tmp_path)
    with qtbot.waitSignal(overlay.lockedChanged):
        overlay.set_locked(True)
    assert overlay.windowFlags() & Qt.WindowType.WindowTransparentForInput
    assert overlay.isVisible()  # re-shown after the flag change
    overlay.close()
    again = make_overlay(qtbot, tmp_path)
    assert again.locked and again.windowFlags() & Qt.WindowType.WindowTransparentForInput
    again.set_locked(False)
    assert not again.windowFlags() & Qt.WindowType.WindowTransparentForInput


def test_fades_out_after_silence_and_comes_back_on_speech(qtbot, tmp_path):
    settings = Settings(QSettings(str(tmp_path / "overlay.ini"), QSettings.Format.IniFormat))
    settings.set(Key.OVERLAY_FADE_SECONDS, 1)
    overlay = CaptionOverlay(settings)
    qtbot.addWidget(overlay)
    overlay.show()
    overlay.set_partial("hello")
    assert not overlay.faded
    qtbot.waitUntil(lambda: overlay.faded, timeout=3000)
    overlay.set_partial("hello again")
    assert not overlay.faded and overlay.windowOpacity() == 1.0


def test_each_speaker_gets_its_own_colour(qtbot, tmp_path):
    overlay = make_overlay(qtbot, tmp_path)
    overlay.set_history([CaptionLine("hi", "You"), CaptionLine("hello", "Them")])
    assert overlay.history_texts() == ["You: hi", "Them: hello"]
    colours = {p.color.name() for p in overlay._history}
    assert len(colours) == 2


def test_style_changes_apply_live_and_keep_the_text(qtbot, tmp_path):
    overlay = make_overlay(qtbot, tmp_path)
    overlay.set_history(["One.", "Two."])
    style = overlay.style_settings
    style.font_point_size = 36
    style.history_lines = 1
    overlay.apply_style(style)
    assert overlay.history_texts() == ["Two."]
    assert overlay.height() > 100


def test_docking_snaps_to_the_screen_edge(qtbot, tmp_path):
    overlay = make_overlay(qtbot, tmp_path)
    area = overlay.screen().availableGeometry()
    overlay.dock("top")
    assert overlay.geometry().top() - area.top() < area.height() * 0.1
    overlay.dock("bottom")
    assert area.bottom() - overlay.geometry().bottom() < area.height() * 0.1


def test_call_mode_colours_are_fixed_per_side_and_labels_never_scroll_off(qtbot, tmp_path):
    overlay = make_overlay(qtbot, tmp_path)
    long_text = " ".join(f"word{i}" for i in range(60))
    overlay.set_partials(
        [
            CaptionLine(long_text, "Them", source="system"),
            CaptionLine("hi there", "You", source="mic"),
        ]
    )
    lines = overlay.visible_text_lines()
    assert any(line.startswith("Them: …") for line in lines)  # label kept, newest words shown
    assert lines[-1] == "You: hi there"
    assert "word59" in " ".join(lines)
    colours = {p.line.speaker: p.color.name() for p in overlay._partials}
    assert colours["You"] == "#ffffff" and colours["Them"] != "#ffffff"
    overlay.set_partials([CaptionLine("first", "Them", source="system")])
    overlay.visible_text_lines()
    assert overlay._partials[0].color.name() == colours["Them"]  # the same, whoever spoke first
