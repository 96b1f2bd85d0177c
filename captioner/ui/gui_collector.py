"""Python's cycle collector, run on the GUI thread only, from a timer.

Left automatic, the cycle collector runs in whichever thread happens to
allocate past its threshold: an engine's thread, the audio thread, the
journal's writer.  Cyclic garbage that holds Qt wrappers (a closure kept by a
signal connection, a dialog's slot) is then destroyed off the GUI thread, and
PySide deletes the C++ object there: a CI run on Python 3.13 crashed with a
segmentation fault that way ("Garbage-collecting" in an engine thread).  A
collection in the PortAudio callback's thread also delays the next block of
audio.

So the app turns automatic collection off and collects here instead, on the
GUI thread, in small steps: the youngest generation whenever it is over its
threshold (checked a few times a second, as cheap as automatic collection,
and memory held at most a fraction of a second longer), the older ones as
their own thresholds say, and everything that start-up built is frozen
(:func:`gc.freeze`) once the app is complete, so that a full collection does
not walk the Qt wrappers and modules that live as long as the app.
``benchmarks/gc_pauses.py`` measures what a collection costs the GUI thread.
"""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QObject, Qt, QTimer

# How often the counts are looked at.  Automatic collection would have run
# gen 0 after 2,000 net allocations (Python's default threshold): at the app's
# allocation rate while captioning, a few hundred milliseconds' worth.
CHECK_MS = 250
# A full collection walks every object the session added (≈14 ms at 10,000 turns,
# benchmarks/gc_pauses.py): after one, the next waits this many times as long, so
# full collections take at most ~1 % of the GUI thread.  Python itself puts them
# off until the long-lived objects have grown by a quarter, a count it does not expose.
FULL_SPACING = 100


class GuiThreadCollector(QObject):
    """Collects cyclic garbage on the GUI thread; automatic collection is off while it runs."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.CoarseTimer)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self.collect_due)
        self.collections = [0, 0, 0]  # per generation, for tests and benchmarks
        self._full_not_before = 0.0  # time.monotonic() of the earliest next full collection

    def start(self) -> None:
        """Turn automatic collection off and collect from the timer instead."""
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        """Give collection back to Python (the app's loop has ended)."""
        self._timer.stop()
        if self._was_enabled:
            gc.enable()

    @staticmethod
    def freeze_start_up() -> None:
        """What exists now lives as long as the app: later full collections skip it.

        Called once start-up is complete: the modules, widgets and their
        wrappers built so far move to a generation that no collection walks,
        so a full collection costs what the session added, not what the app
        is.  The little garbage among them stays.
        """
        gc.freeze()

    def collect_due(self) -> int | None:
        """Collect the oldest generation whose count is over its threshold, as Python would.

        Returns the generation collected, or ``None`` when none was due.
        """
        counts = gc.get_count()
        thresholds = gc.get_threshold()
        if counts[0] <= thresholds[0]:
            return None  # Python looks at the older generations only then, too
        oldest = len(counts) - 1
        generation = 0
        for index in range(oldest, 0, -1):
            if thresholds[index] and counts[index] > thresholds[index]:
                generation = index
                break
        if generation == oldest and time.monotonic() < self._full_not_before:
            generation -= 1  # a full collection ran recently: the middle one for now
        started = time.monotonic()
        gc.collect(generation)
        if generation == oldest:
            self._full_not_before = time.monotonic() + FULL_SPACING * (time.monotonic() - started)
        self.collections[generation] += 1
        return generation
