"""Finished caption lines for screen readers (Settings ▸ Captions…, off by default).

Off by default because a screen reader speaking every line over the call
is noisy; people who want it turn it on.  Lines are announced as the
overlay shows them, profanity filter included, once each, in the order
they finished.

Speech cannot be taken back, so a line is held until the text the overlay
will settle on has come, never longer than a bound:

* With AssemblyAI's ``format_turns`` the service first ends a turn with plain
  text ("and mister john dashwood had then") and a moment later sends the
  same turn formatted ("And Mr. John Dashwood had then.").  A plain line
  waits for its formatted version, or :data:`FORMAT_WAIT_MS` (then the plain
  text is spoken: a missing formatted final must not silence the line).
* When the run translates (Settings ▸ Translation and speakers…), each
  line's translation comes seconds later.  With "Overlay shows: Translation
  only" the translation is what is spoken; with "Original and translation"
  the original and its translation are spoken as *one* announcement
  ("Them: Hello there. Bonjour."), not two.  Translations come late and in
  any order: a separate announcement would be heard after later lines, cut
  off from its original, and would double the speech over the call.  A line
  waits for its translation up to :data:`TRANSLATION_WAIT_MS`; past that the
  original is spoken alone (as the overlay keeps showing the original of a
  line whose translation never comes), and a translation that comes later
  is not spoken: never a line twice.

A line that needs no wait (an offline stand-in line, say) still queues
behind one that is waiting, so the order is the order lines finished.  The
display choice is read when a line is spoken, as the overlay applies it at
once.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QWidget

from captioner.core.caption_line import CaptionLine, caption_line
from captioner.core.settings import Key, Settings
from captioner.core.transcript import Turn
from captioner.ui.controller import CaptionController
from captioner.ui.profanity_filter import ProfanityFilter

# How long a plain line waits for its formatted version.  The service sends it
# within a few hundred milliseconds; past this the user would rather hear the
# plain line than wait longer for captions they cannot see.
FORMAT_WAIT_MS = 1500
# How long a line waits for its translation.  The LLM Gateway answers within a
# second or two (Stop waits up to 2 s for those still owed); a refused or lost
# translation must not hold the captions behind it for longer than this.
TRANSLATION_WAIT_MS = 3000


@dataclass
class _Pending:
    turn: Turn
    format_expected: bool  # a formatted version of this plain line is on its way
    translation_expected: bool  # the run translates this line
    timed_out: bool = False
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
        translation_wait_ms: int = TRANSLATION_WAIT_MS,
    ) -> None:
        super().__init__(parent)
        self._controller = controller
        self._speaker = speaker  # the widget the announcements come from (the overlay)
        self._profanity = profanity
        self._prefs = prefs
        self._format_wait_ms = format_wait_ms
        self._translation_wait_ms = translation_wait_ms
        self._queue: deque[_Pending] = deque()  # in the order the lines finished
        controller.turnFinished.connect(self._on_finished)
        controller.turnRevised.connect(self._on_revised)

    def _engine_does(self, what: str, turn: Turn) -> bool:
        """Whether the run's engine will send more for this line (``formats_turns``…)."""
        if turn.provisional:  # stand-in offline lines are never formatted nor translated
            return False
        return bool(getattr(self._controller.engine, what, False))

    def _translation_only(self) -> bool:
        return self._prefs.get(Key.TRANSLATION_DISPLAY) == "translation"

    def _ready(self, entry: _Pending) -> bool:
        """Whether the line's text is as the overlay will settle on it (or waited enough)."""
        if entry.timed_out:
            return True
        turn = entry.turn
        if entry.translation_expected and turn.translation is None:
            return False
        speaks_original = turn.translation is None or not self._translation_only()
        return not (speaks_original and entry.format_expected and not turn.formatted)

    def _on_finished(self, _index: int, turn: Turn) -> None:
        if not self._prefs.get(Key.ANNOUNCE_CAPTIONS):
            return
        entry = _Pending(
            turn,
            format_expected=not turn.formatted and self._engine_does("formats_turns", turn),
            translation_expected=turn.translation is None and self._engine_does("translates", turn),
        )
        if not self._ready(entry):
            timer = QTimer(self)
            timer.setSingleShot(True)
            timer.timeout.connect(lambda: self._give_up_waiting(entry))
            wait = self._format_wait_ms
            if entry.translation_expected:
                wait = max(wait, self._translation_wait_ms)
            timer.start(wait)
            entry.timer = timer
        self._queue.append(entry)
        self._speak_ready()

    def _on_revised(self, _index: int, turn: Turn) -> None:
        """A waiting line got better text, its translation or a speaker label."""
        for entry in self._queue:
            if entry.turn.key == turn.key:
                entry.turn = turn
                if self._ready(entry):
                    self._stop_timer(entry)
                    self._speak_ready()
                return
        # Not waiting: already spoken (never twice) or never queued.

    def _give_up_waiting(self, entry: _Pending) -> None:
        self._stop_timer(entry)
        entry.timed_out = True  # the text so far, rather than nothing
        self._speak_ready()

    def _stop_timer(self, entry: _Pending) -> None:
        if entry.timer is not None:
            entry.timer.stop()
            entry.timer.deleteLater()
            entry.timer = None

    def _speak_ready(self) -> None:
        while self._queue and self._ready(self._queue[0]):
            entry = self._queue.popleft()
            self._stop_timer(entry)
            self.announce(0, entry.turn)

    def announce(self, _index: int, turn: Turn) -> None:
        """Speak one line now as the overlay shows it, if the option is (still) on."""
        if not self._prefs.get(Key.ANNOUNCE_CAPTIONS):
            return
        line = caption_line(turn, mask_profanity=self._profanity.enabled)
        if self._translation_only():
            line = line.translation_in_place()  # the original while there is none
        text = line.label + _with_translation(line)  # "Them: …", as the overlay labels it
        if line.recovered and not line.provisional:
            # Old speech, late (the overlay leaves it out): said as such, not as if just said.
            text = line.mark + text
        QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(self._speaker, text))


def _with_translation(line: CaptionLine) -> str:
    """The line's words, then its translation (if any) as a sentence of its own."""
    text = line.text.strip()
    translation = " ".join(line.translation.split())
    if not translation:
        return text
    if text and text[-1].isalnum():  # a plain (unformatted) line: a pause before the next
        text += _full_stop(text[-1])
    return f"{text} {translation}"


def _full_stop(letter: str) -> str:
    """The full stop of ``letter``'s script: Chinese and Japanese end a sentence with "。".

    A Latin "." after kana or a Han character is read out by some voices
    ("dot") instead of being taken as the end of the sentence.
    """
    code = ord(letter)
    if 0x3040 <= code <= 0x30FF or 0x3400 <= code <= 0x9FFF or 0x20000 <= code <= 0x3FFFF:
        return "。"
    return "."
