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

The looks are paced by what the app allocates: four a second while it does
(captioning, a window being built), fewer and fewer while it does not, down
to one every ``IDLE_CHECK_MS``.  An app left open all day with nothing to
caption then wakes the processor once in two seconds instead of four times a
second (issue 14: a laptop on battery; ``benchmarks/footprint.py``'s idle
wake-ups row), and garbage made after a quiet spell waits at most that long.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, Qt, QTimer

# How often the counts are looked at.  Automatic collection would have run
# gen 0 after 2,000 net allocations (Python's default threshold): at the app's
# allocation rate while captioning, a few hundred milliseconds' worth.
CHECK_MS = 250
# The longest gap between looks, reached by doubling while a look finds the
# young generation hardly grown: what a burst after a quiet spell may wait.
IDLE_CHECK_MS = 2000
# "Hardly grown": fewer net new objects than this since the last look (an idle
# event loop's timers and repaints make and free their objects at once).
QUIET_GROWTH = 100
# A full collection walks every object the session added (≈14 ms at 10,000 turns,
# benchmarks/gc_pauses.py).  As Python does, one runs only once the oldest
# generation has grown by this fraction since the last one: the cost stays linear
# in what the session allocates, however long the transcript.
FULL_GROWTH = 0.25


class GuiThreadCollector(QObject):
    """Collects cyclic garbage on the GUI thread; automatic collection is off while it runs."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.CoarseTimer)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self._look)
        self.collections = [0, 0, 0]  # per generation, for tests and benchmarks
        self._long_lived = 0  # objects in the oldest generation after the last full collection
        self._young_after_look = 0  # gen 0's count when the last look ended

    def start(self) -> None:
        """Turn automatic collection off and collect from the timer instead."""
        gc.disable()
        self._young_after_look = gc.get_count()[0]
        self._timer.start()

    def interval(self) -> int:
        """Milliseconds until the next look (for tests and benchmarks)."""
        return self._timer.interval()

    def _look(self) -> None:
        grown = gc.get_count()[0] - self._young_after_look
        self.collect_due()
        self._young_after_look = gc.get_count()[0]
        busy = grown > QUIET_GROWTH
        pace = CHECK_MS if busy else min(2 * self._timer.interval(), IDLE_CHECK_MS)
        if pace != self._timer.interval():
            self._timer.setInterval(pace)  # restarts the count from now, as a timeout would

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
        generation = 0
        # Python's own rule for the older ones: the middle generation after ten young
        # collections, the oldest after ten of those, and only once it has grown by a
        # quarter (looked at only when the middle one is due: counting is O(objects)).
        if thresholds[1] and counts[1] > thresholds[1]:
            generation = 1
            if thresholds[2] and counts[2] > thresholds[2] and self._grown_enough():
                generation = 2
        gc.collect(generation)
        if generation == 2:
            self._long_lived = _size(2)
        self.collections[generation] += 1
        return generation

    def _grown_enough(self) -> bool:
        return _size(2) - self._long_lived > FULL_GROWTH * self._long_lived


def _size(generation: int) -> int:
    """How many objects are tracked in ``generation`` (it lists them: ~1 ms per 100,000)."""
    return len(gc.get_objects(generation))
