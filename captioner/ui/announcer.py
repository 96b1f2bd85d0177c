"""Finished caption lines for screen readers (Settings ▸ Captions…, off by default).

Off by default because a screen reader speaking every line over the call
is noisy; people who want it turn it on.  Lines are announced as the
overlay shows them, profanity filter included.

With AssemblyAI's ``format_turns`` the service first ends a turn with plain
text ("and mister john dashwood had then") and a moment later sends the same
turn formatted ("And Mr. John Dashwood had then.").  The overlay simply
replaces the line, but speech cannot be taken back: announcing at once would
make screen-reader users hear the worse text.  So, when the run's engine
formats turns, a plain line is held until its formatted version arrives (and
that is spoken), or until :data:`FORMAT_WAIT_MS` passes (then the plain text
is spoken: a missing formatted final must not silence the line).  Each line
is spoken once, and lines are spoken in the order they finished, so a line
that needs no wait still queues behind one that is waiting.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QWidget

from captioner.core.caption_line import caption_line
from captioner.core.settings import Key, Settings
from captioner.core.transcript import Turn
from captioner.ui.controller import CaptionController
from captioner.ui.profanity_filter import ProfanityFilter

# How long a plain line waits for its formatted version.  The service sends it
# within a few hundred milliseconds; past this the user would rather hear the
# plain line than wait longer for captions they cannot see.
FORMAT_WAIT_MS = 1500


@dataclass
class _Pending:
    turn: Turn
    ready: bool
    timer: QTimer | None = None


class CaptionAnnouncer(QObject):
    """Hands each finished turn to assistive technology, when the user asked for it."""

    def __init__(
        self,
        controller: CaptionController,
        speaker: QWidget,
        profanity: ProfanityFilter,
        prefs: Settings,
        parent: QObject | None = None,
        *,
        format_wait_ms: int = FORMAT_WAIT_MS,
    ) -> None:
        super().__init__(parent)
        self._controller = controller
        self._speaker = speaker  # the widget the announcements come from (the overlay)
        self._profanity = profanity
        self._prefs = prefs
        self._format_wait_ms = format_wait_ms
        self._queue: deque[_Pending] = deque()  # in the order the lines finished
        controller.turnFinished.connect(self._on_finished)
        controller.turnRevised.connect(self._on_revised)

    def _formatting_expected(self, turn: Turn) -> bool:
        """Whether a formatted version of this plain line is on its way."""
        if turn.formatted or turn.provisional:  # stand-in offline lines are never formatted
            return False
        return bool(getattr(self._controller.engine, "formats_turns", False))

    def _on_finished(self, _index: int, turn: Turn) -> None:
        if not self._prefs.get(Key.ANNOUNCE_CAPTIONS):
            return
        entry = _Pending(turn, ready=not self._formatting_expected(turn))
        if not entry.ready:
            timer = QTimer(self)
            timer.setSingleShot(True)
            timer.timeout.connect(lambda: self._give_up_waiting(entry))
            timer.start(self._format_wait_ms)
            entry.timer = timer
        self._queue.append(entry)
        self._speak_ready()

    def _on_revised(self, _index: int, turn: Turn) -> None:
        """A waiting line got better text (or a speaker label): speak the better one."""
        for entry in self._queue:
            if entry.turn.key == turn.key:
                entry.turn = turn
                if turn.formatted and not entry.ready:
                    entry.ready = True
                    self._stop_timer(entry)
                    self._speak_ready()
                return
        # Not waiting: already spoken (never twice) or never queued.

    def _give_up_waiting(self, entry: _Pending) -> None:
        self._stop_timer(entry)
        entry.ready = True  # no formatted version came: the plain text, rather than nothing
        self._speak_ready()

    def _stop_timer(self, entry: _Pending) -> None:
        if entry.timer is not None:
            entry.timer.stop()
            entry.timer.deleteLater()
            entry.timer = None

    def _speak_ready(self) -> None:
        while self._queue and self._queue[0].ready:
            self.announce(0, self._queue.popleft().turn)

    def announce(self, _index: int, turn: Turn) -> None:
        """Speak one line now, if the option is (still) on."""
        if not self._prefs.get(Key.ANNOUNCE_CAPTIONS):
            return
        line = caption_line(turn, mask_profanity=self._profanity.enabled)
        text = line.label + line.text  # "Them: …", as the overlay labels it
        QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(self._speaker, text))
