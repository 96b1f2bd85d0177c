"""Watches the input level of the running source for the meter and the no-sound hint.

People often pick the wrong device or have it muted; digital silence (exact
zeros) for a few seconds is the tell, so we say so instead of leaving them
waiting for captions that cannot come.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

SILENCE_LEVEL = 1e-6  # RMS below this is digital silence, not a quiet room
SILENCE_HINT_AFTER_S = 5.0
POLL_MS = 50


class LevelMonitor(QObject):
    """Polls ``source.level`` (linear RMS 0..1) while a run is live.

    Signals:
        levelChanged(object): the level (float), or None when no level is known.
        silenceDetected(str): the named source has given only digital silence for a while.
    """

    levelChanged = Signal(object)
    silenceDetected = Signal(str)

    def __init__(
        self, parent: QObject | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._source: object | None = None
        self._silent_since: float | None = None
        self._hinted = False
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)

    def watch(self, source: object | None) -> None:
        """Start watching ``source`` (None stops); sources without ``level`` hide the meter."""
        level = getattr(source, "level", None)
        # Call-mode sources report a level per side (a method): they have their own meters.
        self._source = source if level is not None and not callable(level) else None
        self._silent_since = None
        self._hinted = False
        if self._source is None:
            self._timer.stop()
            self.levelChanged.emit(None)
        else:
            self._timer.start()

    def poll(self) -> None:
        source = self._source
        if source is None:
            return
        level = float(source.level)  # type: ignore[attr-defined]
        self.levelChanged.emit(level)
        now = self._clock()
        if level > SILENCE_LEVEL:
            self._silent_since = None
            return
        if self._silent_since is None:
            self._silent_since = now
        elif not self._hinted and now - self._silent_since >= SILENCE_HINT_AFTER_S:
            self._hinted = True
            self.silenceDetected.emit(getattr(source, "name", "this device"))
