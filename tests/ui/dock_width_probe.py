"""Run by test_overlay_width.py in a process of its own, on a screen of a given size.

See screen_probe.py for why a process per screen.  argv[1] is ``STEP=SETTINGS``:

* ``drag``: the overlay docked at the bottom, its right side dragged until the
  overlay is half as wide as the screen, left to rest, then closed;
* ``launch``: the overlay built from ``SETTINGS`` as the next launch does.

Prints the screen's available area and the overlay's geometry as JSON.
"""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import QRect, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from tests.ui.screen_probe import rect


def main() -> None:
    step, path = sys.argv[1].split("=", 1)
    app = QApplication(sys.argv[:1])
    from captioner.core.settings import Key, Settings
    from captioner.ui.overlay import CaptionOverlay
    from captioner.ui.overlay_window import SAVE_AFTER_MS

    store = QSettings(path, QSettings.Format.IniFormat)
    settings = Settings(store)
    if step == "drag":
        settings.set(Key.OVERLAY_DOCK, "bottom")
    overlay = CaptionOverlay(settings)
    overlay.show()
    area = overlay.screen().availableGeometry()

    def report() -> None:
        seen = QRect(overlay.geometry())
        overlay.close()
        store.sync()
        print(json.dumps({"screen": rect(area), "overlay": rect(seen)}), flush=True)
        app.quit()

    if step == "drag":
        docked = overlay.geometry()
        overlay.setGeometry(docked.x(), docked.y(), area.width() // 2, docked.height())
        QTimer.singleShot(SAVE_AFTER_MS + 300, report)
    else:
        QTimer.singleShot(0, report)
    app.exec()


if __name__ == "__main__":
    main()
