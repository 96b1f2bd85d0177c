"""The transcript's text size: larger and smaller in steps, remembered across launches.

For someone who needs bigger text, Ctrl+wheel alone (Qt's own zoom, a point
at a time and forgotten at the next launch) was not enough: View ▸ Larger
text (Ctrl++ and Ctrl+=), Smaller text (Ctrl+-) and Actual size (Ctrl+0)
step through the same sizes as Ctrl+wheel does, and the size is kept in
``Key.TRANSCRIPT_TEXT_PERCENT``.  The size is the view's font: every line
is written in formats that carry no point size of their own (a
translation's is relative, see ``TranscriptView``), so times, words and
translations all follow it, and a line in progress is still rewritten by
its changed end only (its formats compare equal after a size change).

The Sessions window's transcript is the same size (:meth:`TextSize.follow`),
with the same keys (:func:`add_keys`; it has no View menu): someone who needs
bigger text needs it for past sessions too, and one size changed in either
window is one thing to remember, where a second size of its own would have
the Sessions window open small after the main one was made large.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut, QWheelEvent
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from captioner.core.settings import Key, Settings

# Percent of the view's own size, as browsers step (the first and last are the setting's range).
STEPS = (50, 67, 80, 90, 100, 110, 125, 150, 175, 200, 250, 300, 400)
ACTUAL = 100
WHEEL_STEP = 120  # one notch of a mouse wheel (angleDelta units)
LARGER_KEYS = ("Ctrl++", "Ctrl+=")  # "+" with and without Shift
SMALLER_KEY = "Ctrl+-"
ACTUAL_KEY = "Ctrl+0"


class TextSize(QObject):
    """A text view's size in percent of its font when made; ``changed(percent)`` on each change.

    ``remember_in(prefs)`` applies the saved size and saves each change.
    """

    changed = Signal(int)

    def __init__(self, view: QPlainTextEdit) -> None:
        super().__init__(view)
        self._view = view
        self._points = view.font().pointSizeF()  # 100 %
        self._percent = ACTUAL
        self._wheel = 0  # angle not yet turned into a step (touchpads send small ones)
        self._prefs: Settings | None = None

    @property
    def percent(self) -> int:
        return self._percent

    def set_percent(self, percent: int) -> None:
        percent = max(STEPS[0], min(STEPS[-1], percent))
        if percent == self._percent:
            return
        self._percent = percent
        font = self._view.font()
        font.setPointSizeF(self._points * percent / 100)
        self._view.setFont(font)
        if self._prefs is not None:
            self._prefs.set(Key.TRANSCRIPT_TEXT_PERCENT, percent)
        self.changed.emit(percent)

    def set_base_font(self, font: QFont) -> None:
        """``font`` is the view's size at 100 % from now on (the desktop's font changed)."""
        if font.pointSizeF() <= 0:
            return  # a font sized in pixels: nothing to scale from
        self._points = font.pointSizeF()
        font.setPointSizeF(self._points * self._percent / 100)
        self._view.setFont(font)

    def larger(self) -> None:
        self.set_percent(next((s for s in STEPS if s > self._percent), STEPS[-1]))

    def smaller(self) -> None:
        self.set_percent(next((s for s in reversed(STEPS) if s < self._percent), STEPS[0]))

    def actual(self) -> None:
        self.set_percent(ACTUAL)

    def remember_in(self, prefs: Settings) -> None:
        """Show the size saved in ``prefs`` and save each change there."""
        self._prefs = None
        self.set_percent(prefs.get(Key.TRANSCRIPT_TEXT_PERCENT))
        self._prefs = prefs

    def follow(self, leader: TextSize) -> None:
        """Be ``leader``'s size now, and one size with it after a change in either view."""
        self.set_percent(leader.percent)
        leader.changed.connect(self.set_percent)
        self.changed.connect(leader.set_percent)  # the leader remembers it (remember_in)

    def wheel(self, event: QWheelEvent) -> None:
        """Ctrl+wheel: a step per notch, in the same steps as the keys."""
        self._wheel += event.angleDelta().y()
        while abs(self._wheel) >= WHEEL_STEP:
            up = self._wheel > 0
            self._wheel -= WHEEL_STEP if up else -WHEEL_STEP
            self.larger() if up else self.smaller()
        event.accept()


def add_keys(window: QWidget, size: TextSize) -> None:
    """The View menu's size keys in a window that has no menu (Sessions)."""
    for keys, step in ((LARGER_KEYS, size.larger), ((SMALLER_KEY,), size.smaller)):
        for key in keys:
            QShortcut(QKeySequence(key), window).activated.connect(step)
    QShortcut(QKeySequence(ACTUAL_KEY), window).activated.connect(size.actual)
