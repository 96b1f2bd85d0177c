"""The overlay on native Wayland does no harm (rev19w on weston 10, Qt 6.11).

The offscreen platform is not Wayland: Wayland's answers
(:data:`captioner.ui.platform_caps.WAYLAND`) are handed to the overlay,
its clearance and Settings ▸ Captions…, which then behave as they do under
``QT_QPA_PLATFORM=wayland``.  What the compositor itself does (focus, mouse
input after a remap) was checked on weston with the reviewer's rig.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from captioner.core.settings import Settings
from captioner.ui import overlay_notes, platform_caps
from captioner.ui import overlay_placement as placement
from captioner.ui.overlay import CaptionOverlay
from captioner.ui.overlay_clearance import OverlayClearance
from captioner.ui.overlay_settings import OverlaySettingsDialog
from captioner.ui.overlay_window import SAVE_AFTER_MS

THROUGH = Qt.WindowType.WindowTransparentForInput


@pytest.fixture
def wayland(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wayland's answers, and no tray (weston, GNOME without AppIndicator)."""
    monkeypatch.setattr(platform_caps, "current", lambda: platform_caps.WAYLAND)
    monkeypatch.setattr(platform_caps, "tray_available", lambda: False)


def _settings(tmp_path: Path, **raw: object) -> Settings:
    store = QSettings(str(tmp_path / "overlay.ini"), QSettings.Format.IniFormat)
    for name, value in raw.items():
        store.setValue(name.replace("__", "/"), value)
    return Settings(store)


def _overlay(qtbot, settings: Settings) -> CaptionOverlay:
    overlay = CaptionOverlay(settings)
    qtbot.addWidget(overlay)
    overlay.show()
    qtbot.waitExposed(overlay)
    return overlay


def _background_alpha(overlay: CaptionOverlay) -> int:
    """The alpha of the overlay's own background, where no text is (its middle, left)."""
    image = overlay.grab().toImage().convertToFormat(QImage.Format.Format_ARGB32)
    return image.pixelColor(6, image.height() // 2).alpha()


def test_a_fade_is_painted_and_never_remaps_the_window(qtbot, tmp_path, wayland):
    """Qt's Wayland plugin cannot set a window's opacity: the fade did nothing to see,
    then the click-through flag was set at its end, which mapped a new window that took
    the keyboard from the app in use and landed elsewhere, at every silence."""
    overlay = _overlay(qtbot, _settings(tmp_path, overlay__fade_seconds=1))
    overlay.captions_started()
    overlay.set_partial("hello")
    handle, flags = overlay.windowHandle(), overlay.windowFlags()
    shown = _background_alpha(overlay)
    assert shown > 0
    qtbot.waitUntil(lambda: 0 < _background_alpha(overlay) < shown, timeout=4000)  # fading
    qtbot.waitUntil(lambda: _background_alpha(overlay) == 0, timeout=4000)  # painted out
    assert overlay.faded
    qtbot.wait(200)  # what followed the fade's end
    assert overlay.windowOpacity() == 1.0  # never asked of the window system
    assert overlay.windowFlags() == flags and not flags & THROUGH
    assert overlay.isVisible() and overlay.windowHandle() is handle  # the same window
    overlay.set_partial("hello again")
    assert _background_alpha(overlay) == shown and not overlay.faded


def test_a_hidden_overlay_comes_back_as_a_new_native_window(qtbot, tmp_path, wayland):
    """On weston a window hidden and shown again took no mouse input (no drag, no Done)."""
    overlay = _overlay(qtbot, _settings(tmp_path))
    before = overlay.winId()
    overlay.hide()
    overlay.show()
    qtbot.waitExposed(overlay)
    assert overlay.winId() != before


def test_the_overlay_never_steps_aside_for_the_apps_windows(qtbot, tmp_path, wayland):
    """Positions Qt reports on Wayland are not real: stepping aside hid the overlay (a new
    window that took the keyboard when it came back) or moved it nowhere."""
    overlay = _overlay(qtbot, _settings(tmp_path))
    clearance = OverlayClearance(overlay)
    window = QWidget()  # the main window (a dialog would be moved clear of it first)
    qtbot.addWidget(window)
    window.setGeometry(overlay.geometry())  # right under it
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    home = overlay.geometry()
    clearance.update()
    assert not overlay.held and overlay.isVisible() and overlay.geometry() == home


def test_its_place_is_neither_docked_nor_remembered(qtbot, tmp_path, wayland):
    settings = _settings(tmp_path, overlay__dock="float")
    overlay = _overlay(qtbot, settings)
    overlay.move(overlay.x() + 40, overlay.y() - 30)
    qtbot.wait(SAVE_AFTER_MS * 2)
    overlay.save_place()  # also when it hides or the app quits
    assert settings.raw(placement.SCREEN_KEY, None) is None  # nothing saved
    before = overlay.pos()
    overlay.dock("top")  # only its size is the app's
    assert overlay.pos() == before


def test_position_is_off_in_caption_settings_and_says_why(qtbot, tmp_path, wayland):
    settings = _settings(tmp_path)
    overlay = _overlay(qtbot, settings)
    dialog = OverlaySettingsDialog(overlay, settings)
    qtbot.addWidget(dialog)
    assert not dialog.dock_combo.isEnabled()
    assert "Wayland" in dialog.dock_combo.toolTip()
    assert "Wayland" in dialog.dock_combo.accessibleDescription()
    dialog.accept()
    assert settings.raw(placement.SCREEN_KEY, None) is None


def test_the_way_back_from_a_locked_overlay_is_the_main_windows_not_a_missing_tray(
    qtbot, tmp_path, wayland
):
    settings = _settings(tmp_path)
    overlay = _overlay(qtbot, settings)
    overlay.set_locked(True)
    assert "click the Captioner window, then Ctrl+Shift+L" in overlay.lock_hint
    dialog = OverlaySettingsDialog(overlay, settings)
    qtbot.addWidget(dialog)
    note = dialog.findChild(type(dialog.contrast_note), "platformNote").text()
    assert "click the Captioner window first" in note and "Ctrl+Shift+L" in note
    assert "View ▸ Lock overlay" in note
    for text in (overlay.lock_hint, note):
        assert "tray" not in text
    # with a tray (KDE, GNOME with AppIndicator) it is named too, after the main window
    assert overlay_notes.unlock_hint(None, platform_caps.WAYLAND, tray=True).endswith("tray menu")
    assert "tray menu" in overlay_notes.wayland_note(tray=True)


def test_placing_the_overlay_after_a_stopped_run_does_not_fade_it(qtbot, tmp_path):
    """View ▸ Place caption overlay… after Stop: the sample faded after the stop-fade time."""
    settings = _settings(tmp_path, overlay__fade_seconds=1, overlay__fade_after_stop=True)
    overlay = _overlay(qtbot, settings)
    overlay.captions_started()
    overlay.set_partial("the last words")
    overlay.fade_after_stop()  # Stop
    overlay.set_sample(True)  # Place caption overlay…, before the last captions went
    qtbot.wait(3000)  # past the 1 s, and the fade after it
    assert overlay.isVisible() and overlay.showing_sample and not overlay.faded
