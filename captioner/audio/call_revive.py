"""Call mode: a side whose device went away is captioned again when the device comes back.

A Bluetooth headset that drops for two seconds, a USB headset re-plugged, a
dock reconnected: without this the call went on without "You" until Stop and
Start.  :class:`SideReviver` is told (``on_source_lost``) that a side is gone,
and from then on tries to open that side's device again whenever the sound
server says its devices changed (:class:`~captioner.audio.device_watch.DeviceWatch`),
and every ``retry_s`` besides, in case the device was announced before it
could record.  Once it opens, :meth:`~captioner.audio.call.CallSources.restore`
puts it in place and the call's own callbacks say so.

What the sound server records by name is opened again by name
(:func:`reopens_by_name`).  Finding a re-plugged PortAudio device means listing
PortAudio's devices again (:mod:`~captioner.audio.found_again`), which would
close any other PortAudio stream: such a side (``relisting``) is waited for
only while no other is open, as on Linux a raw ALSA microphone beside system
audio recorded with libpulse.  On Windows and macOS both sides are PortAudio
streams, so there a lost side stays lost until the next Start, and says so.
Everything here runs on a thread of its own: opening a device may take a
while, and neither the engine's reader nor the GUI thread may wait for it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Collection, Mapping
from typing import Any, Protocol

from captioner.audio.devices import relisting_possible
from captioner.audio.early_capture import EarlyCapture
from captioner.audio.errors import AudioError

log = logging.getLogger(__name__)

RETRY_S = 3.0  # a device announced before it records is tried again this much later
# A side lost again this soon after it was put back counts as flapping (a device that
# opens but never delivers: each try would say "lost", then "back", for ever); after
# FLAPS_MAX of those in a row it is left lost, as before there was any of this.
FLAP_S = 30.0
FLAPS_MAX = 3


class _Restorable(Protocol):
    awaits: Callable[[str], bool]

    @property
    def closed(self) -> bool: ...

    def restore(self, side: str, source: Any) -> bool: ...


class _Watch(Protocol):
    def start(self) -> None: ...

    def close(self, timeout: float = 1.0) -> None: ...


def reopens_by_name(item: object) -> bool:
    """Whether ``item`` (an ``InputDevice`` or ``SystemAudioDevice``) can be opened mid-run.

    True for what the sound server records by name (a PulseAudio/PipeWire
    source or an output's monitor): see the module.
    """
    return bool(getattr(item, "pulse_source", "")) or getattr(item, "backend", "") == "pulse"


def _device_watch(on_change: Callable[[], None]) -> _Watch:
    from captioner.audio.device_watch import DeviceWatch  # libpulse: only once a side is lost

    return DeviceWatch(on_change, name="call-side-watch")


class SideReviver:
    """Re-opens lost call sides; ``openers[side]()`` makes a new (unopened) source for it.

    ``relisting``: the sides whose opener lists PortAudio's devices again (see
    the module); they are waited for only while that is possible.

    :meth:`lost` is the :class:`~captioner.audio.call.CallSources`'
    ``on_source_lost`` callback (any thread; returns at once).  :meth:`close`
    ends the attempts (the run is over); it does not wait for the thread,
    which ends by itself within one open attempt.
    """

    def __init__(
        self,
        sources: _Restorable,
        openers: Mapping[str, Callable[[], Any]],
        *,
        retry_s: float = RETRY_S,
        on_overflow: Callable[[str], None] | None = None,
        make_watch: Callable[[Callable[[], None]], _Watch] = _device_watch,
        clock: Callable[[], float] = time.monotonic,
        relisting: Collection[str] = (),
    ) -> None:
        self._sources = sources
        self._openers = dict(openers)
        self._relisting = frozenset(relisting)
        sources.awaits = self.will_revive  # its lost message says "until it is back"
        self._retry_s = retry_s
        self._on_overflow = on_overflow
        self._make_watch = make_watch
        self._clock = clock
        self._restored_at: dict[str, float] = {}
        self._flaps: dict[str, int] = {}
        self._left: set[str] = set()  # given up on (kept failing): lost until the next Start
        self._lock = threading.Lock()
        self._wanted: set[str] = set()
        self._kick = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.attempts = 0  # open attempts made (tests and the log)

    def will_revive(self, side: str) -> bool:
        """Whether ``side``, lost now, would be tried again (any thread; asks, changes nothing).

        False for a side this reviver cannot open, once it is closed, for a
        PortAudio side while another PortAudio stream is open (it could not be
        found again), and for a device that keeps failing right after it was put
        back (see ``FLAP_S``): the loss message must not promise a return that
        will not be tried.
        """
        if not self._openable(side):
            return False
        with self._lock:
            return side not in self._left and self._flaps_if_lost_now(side) < FLAPS_MAX

    def _openable(self, side: str) -> bool:
        """Whether ``side`` can be tried at all now: an opener, not closed, and for a
        PortAudio side no other PortAudio stream open (see the module)."""
        if side not in self._openers or self._stop.is_set():
            return False
        return side not in self._relisting or relisting_possible()

    def _flaps_if_lost_now(self, side: str) -> int:
        restored = self._restored_at.get(side)
        again = restored is not None and self._clock() - restored < FLAP_S
        return self._flaps.get(side, 0) + 1 if again else 0

    def lost(self, side: str, _message: str = "") -> None:
        """``side`` is gone: try to bring it back until it is, or :meth:`close`."""
        if not self._openable(side):
            return  # said lost until the next Start (will_revive): not tried
        with self._lock:
            self._flaps[side] = self._flaps_if_lost_now(side)
            if side in self._left or self._flaps[side] >= FLAPS_MAX:
                self._left.add(side)
                log.warning("The %s input keeps failing once opened: left lost", side)
                return
            self._wanted.add(side)
            self._kick.set()  # a pass under way tries again; a new thread's first pass will
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="call-side-revive", daemon=True
                )
                self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._kick.set()

    def _run(self) -> None:
        watch: _Watch | None = None
        try:
            while not self._stop.is_set() and not self._sources.closed:
                self._kick.clear()  # what comes from now on is news to this pass
                with self._lock:
                    wanted = sorted(self._wanted)
                if wanted and watch is None:
                    watch = self._watched()
                for side in wanted:
                    if self._stop.is_set():
                        break
                    if self._revive(side):
                        with self._lock:
                            self._wanted.discard(side)
                            self._restored_at[side] = self._clock()
                with self._lock:
                    wanted = sorted(self._wanted)
                if not wanted and watch is not None:  # all back: no connection kept for it
                    watch.close(timeout=0)
                    watch = None
                # Woken by a device change, a new loss or close(); else tried again later.
                self._kick.wait(self._retry_s if wanted else None)
        finally:
            if watch is not None:
                watch.close(timeout=0)

    def _watched(self) -> _Watch | None:
        try:
            watch = self._make_watch(self._kick.set)
            watch.start()
        except Exception:  # no libpulse, no server: the retries still come
            log.debug("No device watch for a lost call side", exc_info=True)
            return None
        return watch

    def _revive(self, side: str) -> bool:
        """One attempt: True once ``side`` has a newly opened source in place."""
        self.attempts += 1
        capture: EarlyCapture | None = None
        try:
            capture = EarlyCapture(self._openers[side](), on_overflow=self._on_overflow)
            capture.open()
        except Exception as exc:
            if isinstance(exc, AudioError):
                log.debug("Call side %s not back yet: %s", side, exc)
            else:  # a bug must not end the attempts, nor the run
                log.exception("Re-opening the call's %s side failed", side)
            if capture is not None:
                with contextlib.suppress(Exception):
                    capture.close()
            return False
        if self._stop.is_set() or not self._sources.restore(side, capture):
            capture.close()  # the run is over: nothing more to bring back
        return True
