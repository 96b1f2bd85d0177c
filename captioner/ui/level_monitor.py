"""Watches the input level of the running source for the meter and the no-sound hint.

People often pick the wrong microphone or have it muted; a microphone giving
exact digital zeros for a few seconds is the tell (a quiet room is never
digitally silent), so we say so instead of leaving them waiting for captions
that cannot come.  System audio is different: it is silent whenever nothing
plays (a paused video, a call on hold), so its silence is never reported.

The hint is gentle and moves nothing: it is the status bar's transient
message (one line in the bar's own height, not an error; the status line
under it is untouched), and it goes when sound comes back, the run ends or
the run has news of its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMainWindow

from captioner.audio.sides import MIC
from captioner.ui.controller import CaptionController

# RMS below this is digital silence (exact zeros: below one step of a 16-bit
# sample, ~3e-5), never a quiet room.
SILENCE_LEVEL = 1e-6
SILENCE_HINT_AFTER_S = 5.0
# Ten looks a second: enough for a meter to follow speech, and each look that
# moves the bar is a paint of the main window (issue 14: at 20 a second the
# meter was a third of the GUI thread's CPU while captioning).  Fewer while
# the window is in the background: see meter_pace.
POLL_MS = 100


def silence_hint(name: str) -> str:
    """The gentle words for a microphone that gives nothing but zeros."""
    return f"Hearing nothing at all from “{name}”: is it muted?"


class LevelMonitor(QObject):
    """Polls ``source.level`` (linear RMS 0..1) while a run is live.

    Silence is only suspicious on a source that should hear something: not
    one with ``is_system_audio`` set (monitors, loopback inputs), nor a
    call's system-audio side or its muted microphone.

    Signals:
        levelChanged(object): the level (float), or None when no level is known.
        silenceDetected(str): the named microphone has given only digital silence for a while.
        soundReturned(): after ``silenceDetected``, the source gives sound again.
    """

    levelChanged = Signal(object)
    silenceDetected = Signal(str)
    soundReturned = Signal()

    def __init__(
        self, parent: QObject | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._meter: Callable[[], float] | None = None  # the main meter's level
        # The level whose digital silence is suspicious (None: nothing to judge now).
        self._heard: Callable[[], float | None] | None = None
        self._name = ""
        self._silent_since: float | None = None
        self._hinted = False
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)

    @property
    def timer(self) -> QTimer:
        """The timer that looks at the level (for :class:`~captioner.ui.meter_pace.MeterPace`)."""
        return self._timer

    def watch(self, source: object | None) -> None:
        """Start watching ``source`` (None stops); sources without ``level`` hide the meter.

        A call-mode source reports a level per side (``level(side)``): the call
        panel has a meter for each, so the main meter hides, and only its
        microphone side (unless muted) is judged for silence.
        """
        level = getattr(source, "level", None)
        self._meter = self._heard = None
        self._name = str(getattr(source, "name", "") or "this device")
        if level is not None and not callable(level):
            self._meter = lambda: float(source.level)  # type: ignore[union-attr]
            if not getattr(source, "is_system_audio", False):
                # Away (unplugged, the run waiting for it): said as lost, not "is it muted?".
                away = getattr(source, "lost_message", lambda _side=MIC: None)
                meter = self._meter
                self._heard = lambda: None if away(MIC) else meter()
        elif callable(level) and callable(getattr(source, "muted", None)):
            mic = getattr(source, "source", lambda _side: None)(MIC)
            self._name = str(getattr(mic, "name", "") or "the microphone")
            muted = source.muted  # type: ignore[union-attr]
            # A lost microphone is said as lost (the call panel and the notice), not
            # as "is it muted?": its silence is the unplugging, not the user's.
            lost = getattr(source, "lost_message", lambda _side: None)
            self._heard = lambda: None if muted(MIC) or lost(MIC) else float(level(MIC))
        self._silent_since = None
        self._sound_back()  # a new run: an old hint no longer applies
        if self._meter is None:
            self.levelChanged.emit(None)
        if self._meter is None and self._heard is None:
            self._timer.stop()
        else:
            self._timer.start()

    def poll(self) -> None:
        if self._meter is not None:
            self.levelChanged.emit(self._meter())
        heard = self._heard() if self._heard is not None else None
        if heard is None or heard > SILENCE_LEVEL:
            self._silent_since = None
            self._sound_back()
            return
        now = self._clock()
        if self._silent_since is None:
            self._silent_since = now
        elif not self._hinted and now - self._silent_since >= SILENCE_HINT_AFTER_S:
            self._hinted = True
            self.silenceDetected.emit(self._name)

    def _sound_back(self) -> None:
        if self._hinted:
            self._hinted = False
            self.soundReturned.emit()

    def show_hints_in(self, window: QMainWindow, controller: CaptionController) -> None:
        """Show the hint as ``window``'s status-bar message; news from the run clears it.

        A word-wrapped status line grows when its text is long, pushing the
        transcript up; the bar's transient message is one line in the bar's
        own height, and the status line is back, unchanged, once it is cleared.
        """
        bar = window.statusBar()
        self.silenceDetected.connect(lambda name: bar.showMessage(silence_hint(name)))
        self.soundReturned.connect(bar.clearMessage)
        controller.statusChanged.connect(lambda _text, _error: bar.clearMessage())
