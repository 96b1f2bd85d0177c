"""The caption overlay: on top, out of the way, and rewriting the partial in place."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, QSettings, Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QWidget

from captioner.core.caption_line import CaptionLine, Side
from captioner.core.settings import Key, Settings
from captioner.ui import overlay_marks as marks
from captioner.ui import overlay_placement as placement
from captioner.ui.overlay import CaptionOverlay
from captioner.ui.overlay_fade import OverlayFade
from captioner.ui.overlay_style import contrast_ratio


def make_overlay(qtbot, tmp_path: Path, **values: object) -> CaptionOverlay:
    """A shown overlay on its own settings file; ``values``: settings by Key name."""
    settings = Settings(QSettings(str(tmp_path / "overlay.ini"), QSettings.Format.IniFormat))
    for key, value in values.items():
        settings.set(Key[key], value)
    overlay = CaptionOverlay(settings)
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
            CaptionLine(long_text, "Them", side=Side.SYSTEM),
            CaptionLine("hi there", "You", side=Side.MIC),
        ]
    )
    lines = overlay.visible_text_lines()
    assert any(line.startswith("Them: …") for line in lines)  # label kept, newest words shown
    assert lines[-1] == "You: hi there"
    assert "word59" in " ".join(lines)
    colours = {p.line.speaker: p.color.name() for p in overlay._partials}
    assert colours["You"] == "#ffffff" and colours["Them"] != "#ffffff"
    overlay.set_partials([CaptionLine("first", "Them", side=Side.SYSTEM)])
    overlay.visible_text_lines()
    assert overlay._partials[0].color.name() == colours["Them"]  # the same, whoever spoke first


def test_remote_speakers_told_apart_never_share_a_colour(qtbot, tmp_path):
    overlay = make_overlay(qtbot, tmp_path)
    style = overlay.style_settings
    style.history_lines = 3
    overlay.apply_style(style)
    overlay.set_history(
        [
            CaptionLine("before diarization", "Them", Side.SYSTEM),
            CaptionLine("hello", "Them (A)", Side.SYSTEM),
            CaptionLine("hi", "Them (B)", Side.SYSTEM),
        ]
    )
    colours = [p.color.name() for p in overlay._history]
    assert len(set(colours)) == 3 and "#ffffff" not in colours  # white is the local side's
    overlay.set_history([CaptionLine("me", "You", Side.MIC)])
    assert overlay._history[0].color.name() == "#ffffff"


# -- issue 13.8: whole lines, labelled -------------------------------------------


def test_the_top_line_always_starts_with_a_label_and_every_row_is_used(qtbot, tmp_path):
    overlay = make_overlay(qtbot, tmp_path)
    said = [
        CaptionLine("how much there might be prudently in his power to do for them", "Them"),
        CaptionLine("yes, and mister john dashwood had then no doubt of it", "You"),
        CaptionLine("he thought of it again and again and many times over", "Them"),
    ]
    for width in (300, 420, 560, 800):  # wraps differently at each width
        overlay.resize(width, overlay.height())
        overlay.set_history(said)
        overlay.set_partials([CaptionLine("and the", "You", side=Side.MIC)])
        lines = overlay.visible_text_lines()
        assert lines[0].startswith(("You: ", "Them: ")), (width, lines)
        assert len(lines) == overlay.lines_shown, (width, lines)  # no row left empty
        # The newest captions, in order; the oldest shown whole or "Them: … its last words".
        shown = " ".join(lines)
        assert any(_newest_of(shown, said[k], said[k + 1 :]) for k in range(3)), (width, lines)


def _newest_of(shown: str, top: CaptionLine, below: list[CaptionLine]) -> bool:
    after = " ".join([*(line.display for line in below), "You: and the"])
    if shown == f"{top.display} {after}":
        return True
    head = f"{top.speaker}: … "
    if not (shown.startswith(head) and shown.endswith(" " + after)):
        return False
    return top.text.endswith(" " + shown[len(head) : len(shown) - len(after) - 1])


def test_a_long_line_alone_keeps_its_label_and_newest_words(qtbot, tmp_path):
    overlay = make_overlay(qtbot, tmp_path)
    overlay.set_history([CaptionLine(" ".join(f"word{i}" for i in range(80)), "Them")])
    lines = overlay.visible_text_lines()
    assert lines[0].startswith("Them: …")
    assert lines[-1].endswith("word79")


# -- issue 12.10: values and sizes that must not break the overlay ------------------


def _settings(tmp_path: Path, **raw: object) -> Settings:
    store = QSettings(str(tmp_path / "overlay.ini"), QSettings.Format.IniFormat)
    for name, value in raw.items():
        store.setValue(name.replace("__", "/"), value)
    return Settings(store)


def _overlay_with(qtbot, settings: Settings) -> CaptionOverlay:
    overlay = CaptionOverlay(settings)
    qtbot.addWidget(overlay)
    overlay.show()
    qtbot.waitExposed(overlay)
    return overlay


@pytest.mark.parametrize("text_color", ["not-a-colour", "#000000", "#0a0a0a"])
def test_captions_are_readable_whatever_text_colour_is_stored(qtbot, tmp_path, text_color):
    settings = _settings(tmp_path, overlay__text_color=text_color)
    overlay = _overlay_with(qtbot, settings)
    style = overlay.style_settings
    assert style.text_color.isValid()
    assert contrast_ratio(style.text_color, style.background) >= 4.5
    blank = _bright_pixels(overlay.grab().toImage())
    overlay.set_partial("Hello there")
    assert _bright_pixels(overlay.grab().toImage()) > blank + 100  # not black on black


@pytest.mark.parametrize(("font_size", "history"), [(96, 5), (60, 5), (40, 3), (22, 2)])
def test_the_overlay_stays_whole_on_screen_whatever_font_and_lines(
    qtbot, tmp_path, font_size, history
):
    settings = _settings(tmp_path, overlay__font_size=font_size, overlay__history_lines=history)
    overlay = _overlay_with(qtbot, settings)
    area = overlay.screen().availableGeometry()
    assert area.contains(overlay.geometry()), (overlay.geometry(), area)
    assert overlay.height() <= area.height() * 0.45 + 1
    overlay.set_history([f"Line {i} is said." for i in range(6)])
    overlay.set_partial("the newest words")
    lines = overlay.visible_text_lines()
    assert lines and " ".join(lines).endswith("ords")  # the newest letters are on screen
    # what is drawn fits in the window: nothing is cut off at its bottom or top
    assert len(lines) * overlay._line_height() <= overlay.height()


def test_a_place_saved_on_a_bigger_or_removed_screen_comes_back_whole(qtbot, tmp_path):
    screen = QGuiApplication.primaryScreen().availableGeometry()
    # Last run: a wider screen (or one since unplugged); the overlay was dragged near
    # its right edge.  Most of it is on this screen, the rest would hang off.
    settings = _settings(tmp_path, overlay__dock="float", overlay__screen="gone-HDMI-2")
    saved = QRect(screen.right() - 300, screen.top() + 100, 500, 120)
    settings.set_raw(placement.screen_key(QGuiApplication.primaryScreen()), saved)
    overlay = _overlay_with(qtbot, settings)
    assert screen.contains(overlay.geometry()), (overlay.geometry(), screen)
    assert overlay.y() == saved.y()  # moved only as far as needed


# -- issue 13.13: the locked state is plain to see -----------------------------------


def test_the_locked_overlay_says_it_is_locked_and_how_to_unlock(qtbot, tmp_path):
    overlay = make_overlay(qtbot, tmp_path)
    overlay.set_partial("Hello there")
    before = overlay.grab().toImage()
    overlay.set_locked(True)
    after = overlay.grab().toImage()
    strip = overlay._top_margin()
    changed = _changed_pixels(_rows(before, 0, strip), _rows(after, 0, strip))
    assert changed > 400  # a label, not an 8-px dot
    assert "Locked" in overlay.lock_hint and "unlock" in overlay.lock_hint
    assert "Ctrl+" in overlay.lock_hint  # the way back is named
    assert contrast_ratio(marks.LOCK_TEXT, marks.PILL) >= 4.5
    overlay.set_global_shortcut("Ctrl+Alt+Shift+L")
    assert "Ctrl+Alt+Shift+L unlocks" in overlay.lock_hint


def _changed_pixels(first: QImage, second: QImage) -> int:
    return sum(
        1
        for y in range(first.height())
        for x in range(first.width())
        if first.pixel(x, y) != second.pixel(x, y)
    )


# -- issue 13.8: fade after Stop ---------------------------------------------------


@pytest.mark.qt_log_ignore("does not support setting window opacity")
def test_captions_fade_and_go_after_stop_by_default(qtbot, tmp_path):
    overlay = _overlay_with(qtbot, _settings(tmp_path))
    assert overlay.style_settings.fade_after_stop  # a new user's default
    assert overlay.style_settings.stop_fade_seconds > 0
    settings = _settings(tmp_path, overlay__fade_seconds=1, overlay__fade_after_stop=True)
    overlay = _overlay_with(qtbot, settings)
    overlay.set_partial("the last words")
    overlay.fade_after_stop()
    qtbot.waitUntil(lambda: not overlay.isVisible(), timeout=5000)
    overlay.show()  # the next run
    overlay.captions_started()
    assert overlay.windowOpacity() == 1.0


def test_someone_who_chose_never_keeps_captions_after_stop(qtbot, tmp_path):
    settings = _settings(tmp_path, overlay__fade_seconds=0)  # "Never", as saved by OK
    overlay = _overlay_with(qtbot, settings)
    assert not overlay.style_settings.fade_after_stop
    assert overlay.style_settings.stop_fade_seconds == 0
    overlay.set_partial("the last words")
    overlay.fade_after_stop()
    assert overlay.isVisible() and not overlay.faded


# -- issue 13.8: sample text for placing it ------------------------------------------


def test_sample_captions_can_be_placed_even_when_locked_and_done_clicked(qtbot, tmp_path):
    overlay = make_overlay(qtbot, tmp_path)
    overlay.set_locked(True)
    overlay.set_sample(True)
    lines = overlay.visible_text_lines()
    assert any(line.startswith("You: ") for line in lines)
    assert any(line.startswith("Them: ") for line in lines)
    assert not overlay.windowFlags() & Qt.WindowType.WindowTransparentForInput
    overlay.grab()  # lays out the Done button
    done = overlay._done_rect.center().toPoint()
    with qtbot.waitSignal(overlay.sampleDone):
        qtbot.mouseClick(overlay, Qt.MouseButton.LeftButton, pos=done)
    overlay.set_sample(False)
    assert overlay.windowFlags() & Qt.WindowType.WindowTransparentForInput  # locked again
    assert overlay.visible_text_lines() == []


@pytest.mark.qt_log_ignore("does not support setting window opacity")
def test_a_last_line_after_stop_delays_the_fade_but_never_cancels_it(qtbot):
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    fade = OverlayFade(window)
    fade.set_seconds(0)  # "Fade out after: Never" during a run
    fade.fade_after(1)  # Stop
    fade.activity()  # the last final turn arrives just after Stop
    fade.set_seconds(0)  # a style change (the Captions dialog) while stopped
    with qtbot.waitSignal(fade.fadedOut, timeout=4000):
        pass
    fade.resume()  # the next run: no fade without its own silence setting
    fade.activity()
    assert not fade.faded


def test_a_narrow_locked_overlay_still_names_the_way_back(qtbot, tmp_path):
    overlay = make_overlay(qtbot, tmp_path)
    overlay.set_global_shortcut("Ctrl+Alt+Shift+L")
    overlay.set_locked(True)
    font = marks.mark_font(overlay.caption_font)
    for width in (900, 420, 300):  # 300: a 2x-scaled small screen
        room = width - 32
        shown = marks.lock_text_that_fits(font, overlay.lock_hint, room)
        assert "Ctrl+Alt+Shift+L" in shown, (width, shown)
        assert marks.pill_rect(font, shown, 0, 0, icon=True).width() <= room


@pytest.mark.qt_log_ignore("does not support setting window opacity")
def test_a_faded_overlay_lets_clicks_through_until_it_shows_again(qtbot, tmp_path):
    """Faded out in a silence during a run, the overlay is invisible: the video's or the
    call's controls under it must get the clicks, not an unseen window."""
    settings = Settings(QSettings(str(tmp_path / "overlay.ini"), QSettings.Format.IniFormat))
    settings.set(Key.OVERLAY_FADE_SECONDS, 1)
    overlay = CaptionOverlay(settings)
    qtbot.addWidget(overlay)
    overlay.show()
    overlay.captions_started()
    overlay.set_partial("hello")
    through = Qt.WindowType.WindowTransparentForInput
    assert not overlay.windowFlags() & through
    qtbot.waitUntil(lambda: overlay.windowOpacity() == 0.0, timeout=3000)
    qtbot.waitUntil(lambda: bool(overlay.windowFlags() & through), timeout=1000)
    assert overlay.isVisible()  # still there for the next words, and not locked
    assert not overlay.locked
    overlay.set_partial("hello again")
    assert overlay.windowOpacity() == 1.0 and overlay.isVisible()
    assert not overlay.windowFlags() & through  # it can be dragged again


def test_a_drag_saves_the_place_once_when_it_rests_not_at_every_step(qtbot, tmp_path):
    """Each save is the settings file rewritten and synced on the GUI thread: a drag of
    thirty steps must not do that thirty times (a slow disk would make the drag stutter),
    yet the place it ends at is kept, also when the overlay is hidden at once."""
    from captioner.ui import overlay_placement

    overlay = make_overlay(qtbot, tmp_path)
    settings = overlay._settings
    writes: list[object] = []
    original = settings.set_raw
    settings.set_raw = lambda name, value: (writes.append(value), original(name, value))
    start = overlay.pos()
    for step in range(1, 31):
        overlay.move(start.x() + step, start.y() + step)
    assert writes == []  # still moving
    qtbot.waitUntil(lambda: bool(writes), timeout=3000)
    qtbot.wait(100)
    saved = settings.raw(overlay_placement.screen_key(overlay.screen()))
    assert saved == overlay.geometry() and len(writes) == 2  # the screen's name and the rect
    overlay.move(start)
    overlay.hide()  # hidden (or quitting) before it rested: saved anyway
    assert settings.raw(overlay_placement.screen_key(overlay.screen())).topLeft() == start


def test_the_captions_dialog_leaves_an_overlay_stepped_aside_wanted(qtbot, tmp_path):
    """During a run the overlay may be out of sight only because Captioner's own window
    covers it; Settings ▸ Captions… must not take that for "hidden" (show samples, then
    hide it for good at Cancel): the captions must come back when the window goes."""
    from captioner.ui.overlay_settings import OverlaySettingsDialog

    overlay = make_overlay(qtbot, tmp_path)
    overlay.captions_started()
    overlay.set_partial("live words")
    home = overlay.geometry()
    overlay.hold(None)  # stepped out of sight for the main window
    assert not overlay.isVisible() and overlay.wanted_visible
    dialog = OverlaySettingsDialog(overlay, overlay._settings)
    qtbot.addWidget(dialog)
    assert not overlay.showing_sample  # the live captions stay what it shows
    dialog.reject()
    overlay.release(home)  # the main window is left
    assert overlay.isVisible() and not overlay.showing_sample


def test_a_drag_while_standing_aside_becomes_the_overlays_place(qtbot, tmp_path):
    """Standing aside for the main window (View ▸ Place caption overlay… shows it there),
    the overlay dragged by the user is put where they drop it: it is not sent back to its
    old place, and it is remembered."""
    overlay = make_overlay(qtbot, tmp_path)
    old_home = overlay.geometry()
    overlay.hold(old_home.translated(0, -200))  # slid aside
    assert overlay.held
    grab = QPoint(overlay.width() // 2, overlay.height() // 2)
    qtbot.mousePress(overlay, Qt.MouseButton.LeftButton, pos=grab)
    qtbot.mouseMove(overlay, grab + QPoint(-30, -20))
    qtbot.mouseRelease(overlay, Qt.MouseButton.LeftButton, pos=grab + QPoint(-30, -20))
    dropped = overlay.geometry()
    assert dropped != old_home and not overlay.held
    overlay.save_place()
    saved = overlay._settings.raw(placement.screen_key(overlay.screen()))
    assert saved == dropped


def test_a_screen_that_shrank_while_the_overlay_stood_aside_gets_it_back_on_screen(
    qtbot, tmp_path, monkeypatch
):
    """The resolution changed while the overlay stood aside for the main window (its
    refit waits while it is held): coming back, it went to its old place, off the
    smaller screen."""
    overlay = make_overlay(qtbot, tmp_path)
    overlay._settings.set(Key.OVERLAY_DOCK, "float")
    home = overlay.geometry()
    overlay.hold(home.translated(0, -300))
    small = QRect(0, 0, home.right() * 2 // 3, home.bottom() * 2 // 3)
    monkeypatch.setattr(placement, "available_area", lambda _screen: QRect(small))
    overlay._screens_changed()  # the screen's availableGeometryChanged
    qtbot.wait(50)  # its refit runs, and waits: nothing moves while held
    overlay.release(home)
    assert small.contains(overlay.geometry()), (overlay.geometry(), small)
