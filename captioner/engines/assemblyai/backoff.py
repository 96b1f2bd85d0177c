"""When to try again after a failed or dropped connection.

Exponential backoff with "full jitter" on top of a floor: attempt *n* waits a
random time in ``[floor, min(cap, base × 2ⁿ)]``, so many clients dropped by
the same outage do not reconnect in lock step, the first retry comes quickly
(under a second with the defaults) and no wait exceeds the cap.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    base_s: float = 0.5
    cap_s: float = 30.0
    rng: random.Random = field(default_factory=random.Random)
    attempts: int = 0

    def next_delay(self, floor_s: float = 0.0) -> float:
        """The wait before the next attempt (and count the attempt)."""
        ceiling = min(self.cap_s, self.base_s * (2**self.attempts))
        self.attempts += 1
        floor = min(floor_s, self.cap_s)
        return floor + self.rng.random() * max(0.0, ceiling - floor)

    def reset(self) -> None:
        self.attempts = 0
