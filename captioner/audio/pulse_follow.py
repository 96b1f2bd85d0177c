"""Following the default output: the part of a PulseAudio recording that changes monitors.

The monitor of the output that is the default ("System audio — … — default")
follows the default (``follow_default_output``): a user who plugs in
headphones, as the echo hint asks, has the call's audio moved there by the
desktop, and the old output's monitor would give silence, unsaid.  The stream's
own context is subscribed to the server's changes (only those: a change of a
default is one), and when the default output is another, or the followed one
went while another became the default, the stream is remade on the new
default's monitor: the old one let go first (no audio twice), the gap before
the new one's first audio bridged with silence (see ``_arrived``: call mode's
"Them" stays in step with "You").  Nothing wakes while nothing changes.  One
whose output is gone when it opens records the default's monitor instead.
A stream the server ends while its output is still the default (a mixer's
"kill", a server hiccup) is remade on the same monitor at once, once for each
stream that delivered audio (a remade one that fails at once is not retried:
the output is going).

All of it runs on the recording's own thread, inside libpulse's main loop.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from captioner.audio import pulse_lib as pa
from captioner.audio.sides import ALONE_AFTER_S

log = logging.getLogger("captioner.audio.pulse_record")  # one logger for the recording


def bridge_seconds(since_last: float, came: float) -> float:
    """Silence before a new stream's first audio (``came`` s of it, arriving ``since_last``
    s after the old stream's last): see :meth:`FollowsDefaultOutput._arrived`."""
    return max(0.0, min(since_last, ALONE_AFTER_S) - came)


class FollowsDefaultOutput:
    """Mixed into :class:`~captioner.audio.pulse_record.PulseRecordStream`, which owns the
    handles, the state below and the stream-level calls (``_record``, ``_release``, ``_done``)."""

    _lib: Any
    _context: int | None
    _stream: int | None
    _rate: int
    _sink: str  # the output recorded now
    _orphaned: bool  # its stream ended or moved: waiting for the new default
    _gone: bool
    _made_at: float  # when the current stream was made (time.monotonic)
    _last_data_at: float  # when a stream last delivered audio
    _bridge_from: float | None
    _switched_callback: Callable[[str, str], None] | None
    _on_server_info: Any
    _on_sink_info: Any
    active: bool

    def _record_anew(self, source: str | None) -> bool:
        raise NotImplementedError

    def _record_again(self, source: str | None) -> None:
        raise NotImplementedError

    def _done(self, operation: int | None) -> None:
        raise NotImplementedError

    def _gave_audio(self) -> bool:
        """Whether the stream now recording delivered audio since it was made: only such a
        stream, ended by the server, is made again (one that fails at once: its source is
        going, and trying again would loop)."""
        return self._last_data_at > self._made_at

    def _server_changed(self, _context: int | None, event: int, _index: int, _data: Any) -> None:
        """The server's defaults changed (the subscription asks for no other events)."""
        if event & pa.FACILITY_MASK == pa.FACILITY_SERVER:
            self._ask_default()

    def _ask_default(self) -> None:
        operation = self._lib.pa_context_get_server_info(self._context, self._on_server_info, None)
        if not operation and self._orphaned:  # the context failed: the server is gone
            self._gone = True
        self._done(operation)

    def _default_known(self, _context: int | None, info: Any, _data: Any) -> None:
        name = info.contents.default_sink_name if info else None
        if not name:  # no output left to follow (or no answer)
            if self._orphaned:
                self._gone = True
            return
        if name.decode(errors="replace") == self._sink:
            if not self.active:  # opening: the default is the very output that failed
                self._gone = True
            elif self._orphaned and self._gave_audio():
                # The server ended a stream that was recording while its output is
                # still there and still the default (a mixer's "kill", a server
                # hiccup): the same monitor again, at once.  Waiting, the stall check
                # said "system audio lost" 3 s later and reopened it all the same.
                self._orphaned = False
                self._record_again(f"{self._sink}.monitor")
            # Else still this one, or a remade stream that failed before any audio:
            # the next change, or DeviceSource's stall check says it is lost.
            return
        self._done(
            self._lib.pa_context_get_sink_info_by_name(
                self._context, name, self._on_sink_info, None
            )
        )

    def _sink_found(self, _context: int | None, info: Any, eol: int, _data: Any) -> None:
        if eol or not info:  # the list's end, or that output went meanwhile: the next change
            return
        sink = info.contents.name.decode(errors="replace")
        if sink == self._sink:  # an answer overtaken by a later switch
            return
        description = (info.contents.description or b"").decode(errors="replace") or sink
        self._switch(sink, description)

    def _switch(self, sink: str, description: str) -> None:
        """Record ``sink``'s monitor instead; the old stream first goes, so no audio doubles."""
        monitor = f"{sink}.monitor"
        if not self._record_monitor(sink):
            return
        if self._switched_callback is not None:
            self._switched_callback(description, monitor)
        log.info("System audio follows the default output: now “%s” (%s)", description, monitor)

    def _record_monitor(self, sink: str) -> bool:
        """A new stream on ``sink``'s monitor in place of the last; False: none (gone)."""
        self._sink, self._orphaned = sink, False
        return self._record_anew(f"{sink}.monitor")

    def _arrived(self, pending: bytearray, before: int) -> None:
        """Audio came (``pending[before:]``); the first after a switch follows its gap's silence.

        The gap runs from the old stream's last audio to the new one's first,
        which arrives as it ends.  Call mode lines its sides up by when chunks
        arrive, and frames "Them" with silence beside each chunk of "You" that
        waited ``ALONE_AFTER_S`` for it: so the silence here fills the gap up to
        that much, less the new audio's own length (it pairs with the chunks of
        "You" heard meanwhile), and "Them" stays in step with "You".
        """
        now = time.monotonic()
        if self._bridge_from is not None:
            came = (len(pending) - before) / 2 / self._rate
            gap = bridge_seconds(now - self._bridge_from, came)
            pending[before:before] = bytes(round(gap * self._rate) * 2)
            self._bridge_from = None
        self._last_data_at = now
