"""A one-source run whose device goes away waits for it to come back, instead of ending.

A Bluetooth headset that drops for a few seconds, a USB one moved to another
port: the run ended with "Lost the audio device …" and the user had to press
Start, which begins a new session (a new journal, a cleared live view).
:class:`ReturningCapture` wraps the run's :class:`~captioner.audio.early_capture.
EarlyCapture`; when the device fails it tells its ``on_source_lost`` callbacks,
sends paced silence meanwhile (so the engine's clock and the cloud session go
on, and the line being spoken is finished), and a
:class:`~captioner.audio.call_revive.SideReviver` opens the device again on the
sound server's device events.  Once it opens, capture goes on in the same run
and the ``on_source_back`` callbacks say so.  If it is not back within
``wait_s`` the original error ends the run, as before (an open cloud session is
billed, so the wait is bounded).

Only for what the sound server records by name (see
:func:`~captioner.audio.call_revive.reopens_by_name`).  The callbacks have call
mode's shape, ``(side, message)``, so engines report both alike.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from captioner.audio.away import WAIT_S, AwayPacer, waiting_words
from captioner.audio.call_revive import SideReviver, reopens_by_name
from captioner.audio.early_capture import EarlyCapture
from captioner.audio.errors import AudioError
from captioner.audio.found_again import rescanning_opener
from captioner.audio.pcm import CHUNK_BYTES
from captioner.audio.sides import MIC, SYSTEM

log = logging.getLogger(__name__)

__all__ = ["WAIT_S", "ReturningCapture", "live_capture"]

_SILENCE = bytes(CHUNK_BYTES)

Said = Callable[[str, str], None]  # (side, message)


def live_capture(
    item: Any,
    make: Callable[[Any], Any],
    on_overflow: Callable[[str], None] | None = None,
    *,
    sd: Any = None,
) -> EarlyCapture | ReturningCapture:
    """A one-source run's capture of ``item`` (a device or system audio), started now.

    ``make(item)`` makes a new unopened source for it.  Where the sound server
    records ``item`` by name, or PortAudio can find its device again
    (:mod:`.found_again`), the run waits for it when it goes away.  ``sd`` is
    the sounddevice module that finds it (tests hand over a fake).
    """
    reopen = partial(make, item)
    capture = EarlyCapture(reopen(), on_overflow=on_overflow)
    capture.start()
    if reopens_by_name(item):
        return ReturningCapture(capture, reopen, on_overflow=on_overflow)
    again = rescanning_opener(item, make, sd)
    if again is None:
        return capture
    return ReturningCapture(capture, again, on_overflow=on_overflow)


class ReturningCapture:
    """An :class:`EarlyCapture` that survives its device going away for up to ``wait_s``.

    Threading: ``read`` is the engine's; ``forward``'s ``send`` runs on the
    capture thread, or on this object's silence thread while the device is
    away; callbacks run on whichever thread noticed (the reader's, the capture
    thread, the reviver's).  :meth:`restore` is :class:`SideReviver`'s.
    """

    def __init__(
        self,
        capture: EarlyCapture,
        reopen: Callable[[], Any],
        *,
        wait_s: float = WAIT_S,
        on_overflow: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        reviver: Callable[[ReturningCapture], SideReviver] | None = None,
    ) -> None:
        self._capture = capture
        self._clock = clock
        self._away = AwayPacer(wait_s, clock)
        self.side = SYSTEM if capture.is_system_audio else MIC
        self.awaits: Callable[[str], bool] = lambda _side: False  # the reviver's will_revive
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._returned: EarlyCapture | None = None  # opened by the reviver, not yet in place
        self._lost: AudioError | None = None  # what the device failed with, while away
        self._lost_callbacks: list[Said] = []
        self._back_callbacks: list[Said] = []
        self._send: Callable[[bytes], object] | None = None  # see forward()
        self._on_end: Callable[[], object] | None = None
        make = reviver or (lambda me: SideReviver(me, {me.side: reopen}, on_overflow=on_overflow))
        self._reviver = make(self)

    # -- what the source is ------------------------------------------------

    @property
    def name(self) -> str:
        return self._capture.name

    @property
    def level(self) -> float:
        return 0.0 if self._lost is not None else self._capture.level

    @property
    def is_system_audio(self) -> bool:
        return self._capture.is_system_audio

    @property
    def inner(self) -> Any:
        return self._capture.inner

    @property
    def buffered_s(self) -> float:
        """Seconds captured and not yet read (see :attr:`EarlyCapture.buffered_s`)."""
        return self._capture.buffered_s

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def lost_message(self, _side: str = MIC) -> str | None:
        """What the device failed with while the run waits for it; else ``None``."""
        lost = self._lost
        return str(lost) if lost is not None else None

    def watch(
        self,
        *,
        on_source_lost: Said | None = None,
        on_source_back: Said | None = None,
        **_others: object,
    ) -> None:
        """Add callbacks for the device gone (with the wait) and back."""
        if on_source_lost is not None:
            self._lost_callbacks.append(on_source_lost)
        if on_source_back is not None:
            self._back_callbacks.append(on_source_back)

    # -- AudioSource -------------------------------------------------------

    def open(self) -> None:
        self._capture.open()  # not there at Start: the run does not start, as before

    def read(self, timeout: float) -> bytes | None:
        """A chunk, paced silence while the device is away, ``None``, or ``b""`` at the end."""
        deadline = self._clock() + max(0.0, timeout)
        while not self._closed.is_set():
            self._take_back()
            if self._lost is None:
                try:
                    return self._capture.read(max(0.0, deadline - self._clock()))
                except AudioError as exc:
                    if not self._went_away(exc):
                        raise
                    continue
            if self._away.waited_too_long():
                raise self._lost
            if self._send is not None:  # forwarded: the silence thread sends it
                return None
            due_in = self._away.silence_due_in()
            if due_in == 0.0:
                return _SILENCE
            remaining = deadline - self._clock()
            if remaining <= 0:
                return None
            self._closed.wait(min(due_in, remaining))
        return b""

    def forward(
        self, send: Callable[[bytes], object], on_end: Callable[[], object] | None = None
    ) -> None:
        """As :meth:`EarlyCapture.forward`, across the device going away and coming back."""
        self._send, self._on_end = send, on_end
        self._capture.forward(send, partial(self._capture_ended, self._capture))

    def close(self) -> None:
        self._closed.set()
        self._reviver.close()
        with self._lock:
            returned, self._returned = self._returned, None
        for capture in (self._capture, returned):
            if capture is not None:
                with contextlib.suppress(Exception):
                    capture.close()

    # -- the device away and back --------------------------------------------

    def restore(self, side: str, capture: EarlyCapture) -> bool:
        """The reviver's: ``capture`` (open) takes the lost device's place."""
        with self._lock:
            taken = not self._closed.is_set() and self._lost is not None and not self._away.expired
            stale = self._returned if taken else capture
            if taken:
                self._returned = capture
        if stale is not None:
            with contextlib.suppress(Exception):
                stale.close()
        if taken and self._send is not None:
            self._take_back()  # forwarded: nobody reads, so it goes in place now
        return taken

    def _went_away(self, exc: AudioError) -> bool:
        """The device failed: wait for it (True), unless closed or not to be waited for."""
        if self._closed.is_set() or not self.awaits(self.side):
            return False  # not to be tried again (see SideReviver.will_revive): ends the run
        with self._lock:
            if self._lost is not None:  # the reader and the capture thread both saw it
                return True
            self._lost = exc
            self._away.begin()
        wait = waiting_words(self._away.wait_s)
        message = f"Waiting up to {wait} for “{self.name}” to come back. {exc}"  # seen first
        log.warning("Input lost, waiting for it: %s", exc)
        for callback in list(self._lost_callbacks):
            callback(self.side, message)
        self._reviver.lost(self.side)
        if self._send is not None:
            threading.Thread(target=self._send_silence, name="input-away", daemon=True).start()
        return True

    def _take_back(self) -> None:
        with self._lock:
            returned, self._returned = self._returned, None
            if returned is None or self._lost is None:
                return
            old, self._capture, self._lost = self._capture, returned, None
            self._away.end()
        with contextlib.suppress(Exception):
            old.close()
        log.info("Input back: %s", returned.name)
        message = f"“{returned.name}” is back: captioning it again."
        for callback in list(self._back_callbacks):
            callback(self.side, message)
        if self._send is not None:
            returned.forward(self._send, partial(self._capture_ended, returned))

    def _capture_ended(self, capture: EarlyCapture) -> None:
        """A forwarded capture ended: its device went away (wait), or the input ended."""
        if capture is not self._capture:
            return  # one already replaced: its end is no news
        try:
            capture.read(0.0)  # its failure, or b"" at a plain end
        except AudioError as exc:
            if self._went_away(exc):
                return
        if self._on_end is not None:
            self._on_end()

    def _send_silence(self) -> None:
        """While away and forwarded: paced silence to ``send``, until back, closed or expired."""
        send = self._send
        while send is not None and self._lost is not None and not self._closed.is_set():
            if self._away.waited_too_long():
                if self._on_end is not None:
                    self._on_end()  # the reader's next read raises the loss
                return
            due_in = self._away.silence_due_in()
            if due_in == 0.0:
                send(_SILENCE)
            else:
                self._closed.wait(due_in)
