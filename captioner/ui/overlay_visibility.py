"""Whether the caption overlay is on screen, and whether it lets the mouse through.

Three things decide it: the user's show/hide (View ▸ Caption overlay or the
tray menu, remembered across launches), runs (the overlay comes up when
captioning starts, if wanted), and the lock (click-through), which the
window, the tray and the global shortcut all toggle.  The window's and the
tray's check marks follow whichever of them was used.

Before a run there is nothing to caption, yet people want to see and place
the overlay: turning it on while idle (View ▸ Caption overlay, Ctrl+Shift+O,
or the tray's Show overlay) shows it with sample captions, draggable even
when locked, until its Done button, Start, or turning it off.  Done takes a
mouse, so while the sample is shown the menu item reads "Done placing caption
overlay (Esc)" and Esc in the main window does the same: keyboard users placed
the overlay with Settings ▸ Captions… ▸ Position, but could not end the sample
without turning the overlay off for good.  Meanwhile Ctrl+arrows move it and
Alt+Left/Right size it (see :mod:`captioner.ui.overlay_keys`).
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent

from captioner.core.settings import Key, Settings
from captioner.ui.controller import CaptionController
from captioner.ui.elided_label import ElidedLabel
from captioner.ui.main_menus import DONE_PLACING, PLACE_OVERLAY
from captioner.ui.main_window import MainWindow
from captioner.ui.overlay import CaptionOverlay
from captioner.ui.overlay_clearance import OverlayClearance
from captioner.ui.overlay_keys import PlacingKeys
from captioner.ui.tray import CaptionerTray

OUT_OF_SIGHT = "Overlay out of the way while you use Captioner"
OUT_OF_SIGHT_TIP = (
    "There is no room for the caption overlay beside this window, so it steps out of sight "
    "while you use Captioner. It is back when you switch to another app."
)


class OverlayVisibility(QObject):
    """Shows, hides and locks the overlay as the window, runs and shortcuts ask."""

    def __init__(
        self,
        window: MainWindow,
        overlay: CaptionOverlay,
        controller: CaptionController,
        prefs: Settings,
        tray: CaptionerTray | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._overlay = overlay
        self._controller = controller
        self._prefs = prefs
        window.set_overlay_shown(prefs.get(Key.OVERLAY_VISIBLE))
        window.set_locked(overlay.locked)
        window.overlayToggled.connect(self.set_shown)
        window.lockToggled.connect(overlay.set_locked)
        overlay.lockedChanged.connect(window.set_locked)
        overlay.sampleDone.connect(self.end_sample)
        window.placeOverlayRequested.connect(self._place_or_done)
        self.placing_keys = PlacingKeys(window, overlay, self)  # Esc, Ctrl+arrows, Alt+←/→
        self.placing_keys.done.activated.connect(self.end_sample)
        # Never over Captioner's own dialogs and windows while they are in use.
        self.clearance = OverlayClearance(overlay, self)
        # Said in a permanent part of the status bar: its passing messages are the
        # engine's and the input's (each status change clears them).
        self.away_label = ElidedLabel(OUT_OF_SIGHT)
        self.away_label.setObjectName("overlayAway")
        self.away_label.setToolTip(OUT_OF_SIGHT_TIP)
        self.away_label.setAccessibleDescription(OUT_OF_SIGHT_TIP)
        self.away_label.hide()
        self._away = False  # the overlay stands out of sight (the label may make way)
        self._making_way = False  # for a notice in the status bar (see make_way)
        window.statusBar().addPermanentWidget(self.away_label)
        self.clearance.outOfSight.connect(self._say_out_of_sight)
        controller.runningChanged.connect(self._on_running)
        controller.runningChanged.connect(self._say_out_of_sight)
        if tray is not None:
            tray.overlayToggled.connect(window.set_overlay_shown)
            window.overlayToggled.connect(tray.set_overlay_visible)
            tray.lockToggled.connect(overlay.set_locked)
            overlay.lockedChanged.connect(tray.set_locked)
            tray.set_overlay_visible(window.overlay_shown())
            tray.set_locked(overlay.locked)

    def set_shown(self, shown: bool) -> None:
        """The user's show/hide; remembered, and applied at once while captioning."""
        self._prefs.set(Key.OVERLAY_VISIBLE, shown)
        if shown and self._controller.running:
            self._overlay.show()
        elif shown:
            self.show_sample()  # idle: show where it will be, and let it be placed
        else:
            self._set_sample(False)
            self._overlay.hide()
        self._say_out_of_sight()

    def show_sample(self) -> None:
        """The overlay with sample captions, for placing and styling it before a run."""
        if self._controller.running:
            return
        self._set_sample(True)
        self._overlay.show()
        self._overlay.raise_()

    def _place_or_done(self) -> None:
        if self._overlay.showing_sample:
            self.end_sample()
        else:
            self.show_sample()

    def _set_sample(self, on: bool) -> None:
        """The sample on or off, and the window's keyboard way to end it with it."""
        self._overlay.set_sample(on)
        self._window.place_action.setText(DONE_PLACING if on else PLACE_OVERLAY)
        self.placing_keys.set_enabled(on)

    def end_sample(self) -> None:
        """Done placing: the sample goes, and so does the overlay until captioning starts."""
        if not self._overlay.showing_sample:
            return
        self._set_sample(False)
        if not self._controller.running:
            self._overlay.hide()

    def toggle_lock(self) -> None:
        """The global shortcut: the way back from a click-through overlay, from anywhere."""
        self._overlay.set_locked(not self._overlay.locked)
        if self._window.overlay_shown() and self._controller.running:
            self._overlay.show()

    def _say_out_of_sight(self, *_changed: object) -> None:
        """While the overlay stands out of sight for the app's own windows, the status bar says so.

        With no room above or below the window in use (a large overlay, a window
        in the middle of the screen) the overlay vanishes while Captioner has the
        focus: with nothing said, people took that for captions that had stopped.
        """
        overlay = self._overlay
        # Read from the overlay, not from what changed: held out of sight (not merely moved
        # aside) and wanted on screen. A run may start, and show it, while it stands aside.
        away = overlay.held and overlay.wanted_visible and not overlay.isVisible()
        if away and not self._away and self._window.isActiveWindow():
            # A status bar's label is not read out when it appears: without this, a
            # screen-reader user lost the captions with nothing said (politely: the
            # user is busy in this window, and nothing is wrong).  Not for a dialog
            # of ours in use: the overlay is expected to make way for it, and the
            # screen reader is reading the dialog.
            event = QAccessibleAnnouncementEvent(
                self.away_label, f"{OUT_OF_SIGHT}. {OUT_OF_SIGHT_TIP}"
            )
            event.setPoliteness(QAccessible.AnnouncementPoliteness.Polite)
            QAccessible.updateAccessibility(event)
        self._away = away
        self.away_label.setVisible(away and not self._making_way)

    def make_way(self, notice_shown: bool) -> None:
        """The out-of-sight note steps out of the status bar while a notice is in it.

        Short of room, the bar cut both by the same width, so a notice (a lost
        device, an outage: news) ended in "…" beside a note that stands for as
        long as the window has the focus and has already been said.
        """
        self._making_way = notice_shown
        self._say_out_of_sight()

    def _on_running(self, running: bool) -> None:
        if running:
            self._set_sample(False)  # real captions from now on
        if running and self._window.overlay_shown():
            self._overlay.show()
