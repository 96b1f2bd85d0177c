"""When a capture device counts as gone because its blocks stopped coming.

Some backends never say that a device went away (the ALSA "pulse" device
whose PulseAudio source was removed just stops delivering), so blocks that
stop for ``stall_seconds`` mean a lost device, ``start_seconds`` before the
first block (a device may take seconds to start: the "pulse" device was
measured at ~2 s, Bluetooth headsets switch profiles).

Blocks that stop because the *app* stood still are not a lost device: after
a suspend, a SIGSTOP or a paused virtual machine the reading thread wakes
with its deadline long past and checked before the capture thread had pushed
its first block again, so every resume ended the run with "Lost the audio
device … no audio arrived for 3 seconds".  A check that comes much later than
checks ever come (they come at least once a stall) means the app was frozen:
the device gets the start's grace again, as a device waking up needs.
"""

from __future__ import annotations

import time

# How much later than the longest wait between two checks one may come before the
# app counts as having been frozen (a loaded machine schedules threads late).
FREEZE_SLACK_S = 1.0


class StallWatch:
    """The time of the last block, and whether blocks have stopped for too long."""

    def __init__(self, stall_seconds: float, start_seconds: float) -> None:
        self.stall_seconds = stall_seconds
        self.start_seconds = max(start_seconds, stall_seconds)
        self.got_block = False
        self.last_block_at = 0.0
        self._checked_at = 0.0

    def started(self) -> None:
        """A new stream (opened, or moved to another output): the start's grace."""
        self.got_block, self.last_block_at = False, time.monotonic()

    def block(self) -> None:
        """A block came (on the capture thread)."""
        self.last_block_at = time.monotonic()
        self.got_block = True

    def limit(self) -> float:
        return self.stall_seconds if self.got_block else self.start_seconds

    def until_stall(self) -> float:
        """Seconds until the blocks would count as stopped (≤ 0: they do)."""
        return self.last_block_at + self.limit() - time.monotonic()

    def stalled(self) -> float | None:
        """The limit the blocks have stopped for, or None (see the module's docstring)."""
        now, last, self._checked_at = time.monotonic(), self._checked_at, time.monotonic()
        if last and now - last > self.stall_seconds + FREEZE_SLACK_S:
            self.got_block, self.last_block_at = False, now  # the app was frozen
            return None
        limit = self.limit()
        return limit if now - self.last_block_at > limit else None
