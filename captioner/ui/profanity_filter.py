"""The user's profanity filter, shared by every view that shows or exports captions.

One object holds the choice (persisted as ``Key.PROFANITY_FILTER``) and says
when it changes, so the overlay, the main window's transcript, the Sessions
window, copies and exports never disagree, and a change shows at once
without a restart.  Masking itself is pure Python in
:mod:`captioner.core.profanity`; the transcript and the journal keep the
words as recognised.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal

from captioner.core.profanity import mask_text, mask_turn, mask_turns
from captioner.core.settings import Key, Settings
from captioner.core.transcript import Turn


class ProfanityFilter(QObject):
    """Whether profanity is masked on screen and in exports ("f***"), and the masking.

    Without settings (a window built on its own, in tests) it starts with the
    setting's default, on.

    Signals:
        changed(bool): the filter was switched on (True) or off; views re-render.
    """

    changed = Signal(bool)

    def __init__(self, settings: Settings | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        default: bool = Key.PROFANITY_FILTER.spec.default
        self._enabled = settings.get(Key.PROFANITY_FILTER) if settings is not None else default

    @property
    def enabled(self) -> bool:
        return self._enabled

    def set_enabled(self, enabled: bool) -> None:
        """Remember the choice and, if it changed, have every view re-render."""
        if self._settings is not None:
            self._settings.set(Key.PROFANITY_FILTER, enabled)
        if enabled != self._enabled:
            self._enabled = enabled
            self.changed.emit(enabled)

    def turn(self, turn: Turn) -> Turn:
        """The turn as it is shown (the same object when the filter is off).

        Its translation is masked too (English-list words only, see
        :mod:`captioner.core.profanity`): a view showing the second line
        takes it from this turn, never from the transcript's own.
        """
        return mask_turn(turn) if self._enabled else turn

    def turns(self, turns: Sequence[Turn]) -> list[Turn]:
        return mask_turns(turns) if self._enabled else list(turns)

    def text(self, text: str) -> str:
        """Any caption line as shown, an original or a translation that came on its own."""
        return mask_text(text) if self._enabled else text
