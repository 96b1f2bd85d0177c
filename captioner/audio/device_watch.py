"""Being told when the sound server's devices come and go, so the picker never goes stale.

A USB headset plugged in, Bluetooth earbuds connecting, a dock's audio
appearing: users expect the input picker to show them without looking for a
refresh button, as browsers and call apps do.  :class:`DeviceWatch` keeps one
connection to the sound server (PulseAudio, or PipeWire through
pipewire-pulse) on a thread of its own, subscribed to its sinks, sources and
defaults, and calls ``on_change`` when one is added or removed or a default
changes.  Volume and port changes (``CHANGE`` events of a sink or source, the
busiest kind: every volume key press) are not asked about.

Nothing wakes while nothing changes: the thread sleeps in libpulse's poll.
Where libpulse or a server is missing, the thread ends at once and the
picker's ⟳ is the way, as before.  Should the server go away while watched
(PipeWire restarted by an update), the watch reconnects, waiting longer each
time, up to a minute, and reports a change once it is back: what it missed.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

from captioner.audio import pulse_lib as pa

log = logging.getLogger(__name__)

# pa_subscription_mask_t and pa_subscription_event_type_t.
_MASK = 0x0001 | 0x0002 | pa.MASK_SERVER  # sinks, sources, the server's defaults
_SINK, _SOURCE = 0x0000, 0x0001
_TYPE_MASK, _NEW, _CHANGE, _REMOVE = 0x0030, 0x0000, 0x0010, 0x0020
_NOAUTOSPAWN = 0x0001  # pa_context_flags_t: never start a sound server just to watch it
_CONNECT_SECONDS = 5.0
_RETRY_FIRST_S, _RETRY_MAX_S = 1.0, 60.0
# At exit, how long a closed watch may take to let go of the server (once woken: milliseconds).
_EXIT_JOIN_S = 1.0

# Watches whose thread may still run.  A thread still inside libpulse when the
# interpreter finalizes is torn down mid-call (a crash at exit, seen in CI once per
# ~50 runs): at exit every watch is closed and its thread joined first.
_live: weakref.WeakSet[DeviceWatch] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for watch in list(_live):
        watch.close(timeout=_EXIT_JOIN_S)


def matters(event: int) -> bool:
    """Whether a subscription event changes what can be picked (or which is the default)."""
    facility, kind = event & pa.FACILITY_MASK, event & _TYPE_MASK
    if facility in (_SINK, _SOURCE):
        return kind in (_NEW, _REMOVE)
    return facility == pa.FACILITY_SERVER and kind == _CHANGE


class DeviceWatch:
    """Calls ``on_change()`` (on its own thread) when devices come, go or change default."""

    def __init__(self, on_change: Callable[[], None], *, name: str = "device-watch") -> None:
        self._on_change = on_change
        self._name = name
        self._stop = threading.Event()
        self._lock = threading.Lock()  # held while the main loop is freed, and by close()
        self._mainloop: int | None = None
        self._thread: threading.Thread | None = None
        self._on_event = pa.Subscribed(self._event)  # kept alive: libpulse calls it
        self.watching = threading.Event()  # set while subscribed (tests wait for it)

    def start(self) -> None:
        """Start watching, on a thread (connecting to the server may take a moment)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
            _live.add(self)
            self._thread.start()

    def close(self, timeout: float = 1.0) -> None:
        """Stop watching; returns once the thread has ended (or after ``timeout``)."""
        self._stop.set()
        with self._lock:
            if self._mainloop is not None and (lib := pa.library()) is not None:
                lib.pa_mainloop_wakeup(self._mainloop)
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            if not thread.is_alive():
                _live.discard(self)

    def _event(self, _context: int | None, event: int, _index: int, _data: Any) -> None:
        if matters(event) and not self._stop.is_set():  # closed: its receiver may be gone
            self._on_change()

    def _run(self) -> None:
        lib = pa.library()
        if lib is None:
            return
        delay, ever = _RETRY_FIRST_S, False
        while not self._stop.is_set():
            watched = self._watch_once(lib, ever)
            ever = ever or watched
            if not ever:  # no server at all: the ⟳ button it is
                log.debug("No sound server to watch for device changes")
                return
            delay = _RETRY_FIRST_S if watched else min(delay * 2, _RETRY_MAX_S)
            if self._stop.wait(delay):
                return

    def _watch_once(self, lib: Any, again: bool) -> bool:
        """Connect, subscribe and wait for events until the server goes or close().

        Returns whether it got as far as subscribing.  ``again``: a reconnect,
        whose missed changes are reported once it is subscribed.
        """
        mainloop = lib.pa_mainloop_new()
        if not mainloop:
            return False
        with self._lock:
            self._mainloop = mainloop
        context = lib.pa_context_new(lib.pa_mainloop_get_api(mainloop), b"Captioner devices")
        subscribed = False
        try:
            if not context or lib.pa_context_connect(context, None, _NOAUTOSPAWN, None) < 0:
                return False
            if not self._connected(lib, mainloop, context):
                return False
            lib.pa_context_set_subscribe_callback(context, self._on_event, None)
            operation = lib.pa_context_subscribe(context, _MASK, None, None)
            if operation:
                lib.pa_operation_unref(operation)
            subscribed = True
            self.watching.set()
            if again:
                log.info("Sound server back: looking at its devices again")
                self._on_change()
            # Sleeps in poll until the server says something or close() wakes it.
            while not self._stop.is_set() and lib.pa_mainloop_iterate(mainloop, 1, None) >= 0:
                if lib.pa_context_get_state(context) in pa.CONTEXT_ENDED:
                    log.info("The sound server went away; device changes not watched meanwhile")
                    break
            return subscribed
        finally:
            self.watching.clear()
            with self._lock:
                self._mainloop = None
                if context:
                    lib.pa_context_set_subscribe_callback(context, pa.Subscribed(), None)
                    lib.pa_context_disconnect(context)
                    lib.pa_context_unref(context)
                lib.pa_mainloop_free(mainloop)

    def _connected(self, lib: Any, mainloop: int, context: int) -> bool:
        deadline = time.monotonic() + _CONNECT_SECONDS
        while (state := lib.pa_context_get_state(context)) != pa.CONTEXT_READY:
            if state in pa.CONTEXT_ENDED or self._stop.is_set() or time.monotonic() > deadline:
                return False
            if not pa.step(lib, mainloop):
                return False
        return True
