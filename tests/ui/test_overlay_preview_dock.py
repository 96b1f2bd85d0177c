"""Settings ▸ Captions… ▸ Position shows the dock tried, even while the overlay stands aside.

Found on Xvfb with openbox: the overlay floated under where the dialog opened,
so the dialog went to the top of the screen and the overlay stepped just below
it.  Choosing "Top of the screen" then left the preview there, below the
dialog: the clearance decided from the overlay's place before the preview, not
from the top edge it had just been given.  Now the dialog moves clear of the
top edge (there is room for both) and the preview shows at the top.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QGuiApplication

from captioner.core.settings import Settings
from captioner.ui.overlay import CaptionOverlay
from captioner.ui.overlay_clearance import OverlayClearance
from captioner.ui.overlay_settings import OverlaySettingsDialog
from tests.ui.test_overlay_steps_aside import desktop_focus  # noqa: F401 (a fixture)


def test_top_tried_in_caption_settings_shows_at_the_top_though_the_overlay_stood_aside(
    qtbot,
    tmp_path: Path,
    desktop_focus: None,  # noqa: F811
) -> None:
    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    overlay = CaptionOverlay(settings)
    qtbot.addWidget(overlay)
    clearance = OverlayClearance(overlay)
    area = QGuiApplication.primaryScreen().availableGeometry()
    overlay.show()
    qtbot.waitExposed(overlay)
    dialog = OverlaySettingsDialog(overlay, settings)
    qtbot.addWidget(dialog)
    # The user's floating place: just below where the dialog will be, overlapping it.
    dialog.show()
    qtbot.waitExposed(dialog)
    frame = dialog.frameGeometry()
    overlay.move(overlay.x(), area.y() + frame.height() - 20)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QGuiApplication.focusWindow() is dialog.windowHandle())
    clearance.update()
    qtbot.waitUntil(lambda: not overlay.geometry().intersects(dialog.frameGeometry()))
    assert overlay.held  # it stepped aside, just below the dialog
    top = overlay.default_rect(overlay.screen(), "top")
    dialog.dock_combo.setCurrentIndex(dialog.dock_combo.findData("top"))

    def settled() -> bool:  # the dialog moves clear in the next turns of the event loop
        return not overlay.geometry().intersects(dialog.frameGeometry())

    qtbot.waitUntil(settled)
    qtbot.waitUntil(lambda: overlay.geometry() == top, timeout=2000)
    assert overlay.isVisible() and settled()
