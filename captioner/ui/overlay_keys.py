"""Placing the caption overlay without a mouse: keys in the main window while the sample shows.

The overlay never takes the keyboard (it floats over the application the
user types in), so its keys live in the main window, and only while View ▸
Place caption overlay… shows the sample: Esc is Done, Ctrl+arrows move it
(with Shift, farther), Alt+Left/Right make it narrower or wider.  The same
as desktops' "move with the keyboard", except that the arrows need Ctrl:
plain arrows belong to the control that has the focus (Up/Down in the Input
picker change the device, the transcript's caret is how a screen reader
reads it), and taking them over while placing would change a device when
the user meant to move the overlay.  Ctrl+arrows mean nothing to those
controls.  Help ▸ Keyboard shortcuts lists these (see :data:`HELP_ROWS`).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:  # Help ▸ Keyboard shortcuts reads HELP_ROWS without the overlay
    from captioner.ui.overlay import CaptionOverlay

STEP = 10  # px a Ctrl+arrow moves the overlay
FAR_STEP = 100  # px with Shift too: across a screen in a dozen presses
WIDTH_STEP = 5  # % of the screen's width an Alt+Left/Right takes or gives

_MOVES = {
    Qt.Key.Key_Left: (-1, 0),
    Qt.Key.Key_Right: (1, 0),
    Qt.Key.Key_Up: (0, -1),
    Qt.Key.Key_Down: (0, 1),
}
# Short, so that the list's columns hold them whole at a 16 pt desktop font.
_WHERE = "Placing the overlay"  # in the main window, while View ▸ Place… shows the sample
MOVE_KEYS = "Ctrl+arrow keys"  # not listed where the compositor places windows (Wayland)
HELP_ROWS: tuple[tuple[str, str, str], ...] = (
    (_WHERE, "Done placing", "Esc"),
    (_WHERE, "Move it (Shift: farther)", MOVE_KEYS),
    (_WHERE, "Narrower / wider", "Alt+Left / Alt+Right"),
)


class PlacingKeys(QObject):
    """The main window's keys for the overlay, enabled only while it is being placed."""

    def __init__(self, window: QWidget, overlay: CaptionOverlay, parent: QObject | None = None):
        super().__init__(parent)
        ctrl, shift, alt = (
            Qt.KeyboardModifier.ControlModifier,
            Qt.KeyboardModifier.ShiftModifier,
            Qt.KeyboardModifier.AltModifier,
        )
        self._keys: list[QShortcut] = []
        self.done = self._key(window, QKeySequence(Qt.Key.Key_Escape))
        for key, (dx, dy) in _MOVES.items():
            for modifiers, step in ((ctrl, STEP), (ctrl | shift, FAR_STEP)):
                move = self._key(window, QKeySequence(modifiers | key))
                move.activated.connect(partial(overlay.nudge, dx * step, dy * step))
        for key, step in ((Qt.Key.Key_Left, -WIDTH_STEP), (Qt.Key.Key_Right, WIDTH_STEP)):
            self._key(window, QKeySequence(alt | key)).activated.connect(
                partial(overlay.widen, step)
            )

    def _key(self, window: QWidget, sequence: QKeySequence) -> QShortcut:
        key = QShortcut(sequence, window)
        key.setEnabled(False)  # only while placing: these keys mean other things otherwise
        self._keys.append(key)
        return key

    def set_enabled(self, on: bool) -> None:
        for key in self._keys:
            key.setEnabled(on)
