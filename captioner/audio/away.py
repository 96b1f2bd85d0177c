"""How long a run waits for an input that went away, and the silence it sends meanwhile.

Shared by a one-source run (:class:`~captioner.audio.returning_capture.ReturningCapture`)
and a call whose sides are both gone at once (a sound server restarted, a
Bluetooth headset that carried both sides reconnecting): the engine's clock and
an open cloud session go on at the speed of the wall clock, and the wait is
bounded because a cloud session is billed while it is open.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from captioner.audio.pcm import CHUNK_MS

WAIT_S = 120.0  # how long a run waits for its device(s) before ending as before
_CHUNK_S = CHUNK_MS / 1000


def waiting_words(wait_s: float) -> str:
    """``wait_s`` as a person says it: "2 minutes", "30 s"."""
    minutes = wait_s / 60
    return f"{minutes:g} minutes" if minutes >= 2 else f"{wait_s:g} s"


class AwayPacer:
    """The clock of one absence: when the next chunk of silence is due, and when it is too long.

    Not thread-safe by itself: its owner calls it from one thread at a time.
    """

    def __init__(self, wait_s: float = WAIT_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.wait_s = wait_s
        self._clock = clock
        self._since: float | None = None
        self._due = 0.0
        self._expired = False

    @property
    def expired(self) -> bool:
        """Whether an absence ran out (from then on for good; see :meth:`waited_too_long`)."""
        return self._expired

    def begin(self) -> None:
        """The input went away now (again: the first moment counts)."""
        if self._since is None:
            self._since = self._due = self._clock()

    def end(self) -> None:
        """The input is back: the next absence has a wait of its own."""
        self._since = None

    def waited_too_long(self) -> bool:
        """Whether this absence has lasted ``wait_s`` (then expired for good)."""
        if self._since is not None and self._clock() - self._since >= self.wait_s:
            self._expired = True
        return self._expired

    def silence_due_in(self) -> float:
        """Seconds until the next chunk of silence is due; 0.0 when it is (counted as sent).

        Paced from the moment the input went away, so the chunks sent keep time
        with the world, however late each call comes.
        """
        due_in = self._due - self._clock()
        if due_in > 0:
            return due_in
        self._due += _CHUNK_S
        return 0.0
