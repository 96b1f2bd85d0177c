"""Finished caption lines for screen readers (Settings ▸ Captions…, off by default).

Off by default because a screen reader speaking every line over the call
is noisy; people who want it turn it on.  Lines are announced as the
overlay shows them, profanity filter included.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QWidget

from captioner.core.caption_line import caption_line
from captioner.core.settings import Key, Settings
from captioner.core.transcript import Turn
from captioner.ui.controller import CaptionController
from captioner.ui.profanity_filter import ProfanityFilter


class CaptionAnnouncer(QObject):
    """Hands each finished turn to assistive technology, when the user asked for it."""

    def __init__(
        self,
        controller: CaptionController,
        speaker: QWidget,
        profanity: ProfanityFilter,
        prefs: Settings,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._speaker = speaker  # the widget the announcements come from (the overlay)
        self._profanity = profanity
        self._prefs = prefs
        controller.turnFinished.connect(self.announce)

    def announce(self, _index: int, turn: Turn) -> None:
        if not self._prefs.get(Key.ANNOUNCE_CAPTIONS):
            return
        line = caption_line(turn, mask_profanity=self._profanity.enabled)
        text = line.label + line.text  # "Them: …", as the overlay labels it
        QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(self._speaker, text))
