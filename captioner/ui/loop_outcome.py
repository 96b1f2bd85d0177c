"""How the app's asyncio loop ends, which may be known before the loop exists."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncio  # imported after the window's first paint (light_asyncio)


class LoopOutcome:
    """How ``run_gui``'s loop ends, which may be known before the loop exists.

    The loop is made after the window's first paint (with ``--start``, once the
    session is open), and the start-up import (or even the whole app) may end
    before then.
    """

    def __init__(self) -> None:
        self._future: asyncio.Future[None] | None = None
        self._error: Exception | None = None
        self._finished = False

    def fail(self, error: Exception) -> None:
        self._error = self._error or error
        self._settle()

    def finish(self) -> None:
        self._finished = True
        self._settle()

    def future(self, loop: asyncio.AbstractEventLoop) -> asyncio.Future[None]:
        self._future = loop.create_future()
        self._settle()
        return self._future

    def _settle(self) -> None:
        future = self._future
        if future is None or future.done():
            return
        if self._error is not None:
            future.set_exception(self._error)
        elif self._finished:
            future.set_result(None)
