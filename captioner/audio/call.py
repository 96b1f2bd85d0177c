"""Call mode: the microphone and the system audio, read together, in step.

:class:`CallSources` is one :class:`~captioner.engines.base.AudioSource`
whose chunks are *call frames*: 50 ms of the microphone followed by the same
50 ms of system audio (``FRAME_BYTES`` = 2 × 1600 bytes, see
:func:`split_frame`).  Keeping both sides in one frame keeps them aligned
through everything downstream (the cloud engine's audio ring, its backfill,
the mixing and per-word attribution of the SDK's ``ChannelStreamer``, one
recogniser per side offline) without any of that code knowing about sides.

The two devices run on their own clocks and start at different moments, so
the frame is built from what each side delivered, lined up by when each
chunk was heard: a side that has nothing while the other side's oldest chunk
has waited ``max_wait_s`` gets silence (a late start, a hiccup), and so does
a side whose chunks were heard ``max_wait_s`` after the other's (a device whose
first block came late, read later from the early-capture buffers).  Only a
side that runs more than ``max_skew_s`` ahead of the other by what it delivered
(clock drift), not counting a head start, loses its oldest chunks after it.

Per side: ``set_muted`` sends silence without stopping the device;
``level(side)`` is the RMS of its latest chunk for a meter; a device that
fails (headset unplugged) stops only that side, its place in the frames is
filled with silence and the ``on_source_lost`` callbacks get its message;
:meth:`restore` puts a side back (the headset reconnected: see
:mod:`.call_revive`) and the ``on_source_back`` callbacks say so.  Both sides
gone at once (a sound server restarted): paced silence while either is tried
again (:class:`~captioner.audio.away.AwayPacer`), then :meth:`read` raises.  An
:class:`~captioner.audio.echo.EchoDetector` watches for the microphone
hearing the speakers and tells the ``on_echo`` callbacks once.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from captioner.audio.away import WAIT_S, AwayPacer, waiting_words
from captioner.audio.call_frames import chunk_level, heard_alone, join_frame
from captioner.audio.convert import CHUNK_BYTES
from captioner.audio.echo import ECHO_HINT, EchoDetector
from captioner.audio.errors import AudioError
from captioner.audio.sides import ALONE_AFTER_S, MIC, SIDE_NAMES, SIDES, SYSTEM

log = logging.getLogger(__name__)

_SILENCE = bytes(CHUNK_BYTES)
# How long read() blocks on the side it is missing before checking the other again.
_SLICE_S = 0.02
# At most this many chunks (10 s) are held per side, whatever the reader does: the
# rest waits in the source (EarlyCapture's own bounded buffer, which says when it drops).
_MAX_PENDING = 200

SourceLost = Callable[[str, str], None]  # (side, message)
SourceBack = Callable[[str, str], None]  # (side, message)
EchoHint = Callable[[str], None]  # (message)


class _Source(Protocol):
    name: str

    def open(self) -> None: ...

    def read(self, timeout: float) -> bytes | None: ...

    def close(self) -> None: ...


class _Side:
    def __init__(self, name: str, source: _Source) -> None:
        self.name = name
        self.source = source
        self.pending: deque[tuple[float, bytes]] = deque()
        self.done = False  # ended, lost or never opened
        self.lost: str | None = None
        self.muted = False
        self.level = 0.0
        self.dropped = 0  # chunks dropped to bound the skew between sides


class CallSources:
    """Reads a microphone and a system-audio source in lock-step as 50 ms call frames.

    ``on_source_lost(side, message)`` and ``on_echo(message)`` run on the
    thread that calls :meth:`read` (the engine's); engines add their own with
    :meth:`watch`.  One instance serves one run.
    """

    def __init__(
        self,
        mic: _Source,
        system: _Source,
        *,
        on_source_lost: SourceLost | None = None,
        on_echo: EchoHint | None = None,
        echo: EchoDetector | None = None,
        max_wait_s: float = ALONE_AFTER_S,
        max_skew_s: float = 1.0,
        away_s: float = WAIT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sides = {MIC: _Side(MIC, mic), SYSTEM: _Side(SYSTEM, system)}
        self.name = f"{mic.name} + {system.name}"
        self._lost_callbacks: list[SourceLost] = []
        self._back_callbacks: list[SourceBack] = []
        self._echo_callbacks: list[EchoHint] = []
        self._returning: dict[str, _Source] = {}  # see restore()
        # Whether a side lost now is waited for (SideReviver.will_revive replaces it).
        self.awaits: Callable[[str], bool] = lambda _side: False
        self.watch(on_source_lost=on_source_lost, on_echo=on_echo)
        self._echo = echo if echo is not None else EchoDetector()
        self._max_wait = max_wait_s
        self._max_pending = max(2, math.ceil(max_skew_s / 0.05))
        self._clock = clock
        self._away = AwayPacer(away_s, clock)  # both sides gone at once
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self.echo_suspected = False

    # -- configuration and state (any thread) --------------------------------

    def watch(
        self,
        *,
        on_source_lost: SourceLost | None = None,
        on_echo: EchoHint | None = None,
        on_source_back: SourceBack | None = None,
    ) -> None:
        """Add callbacks for a lost side, a side restored, and suspected echo."""
        if on_source_lost is not None:
            self._lost_callbacks.append(on_source_lost)
        if on_source_back is not None:
            self._back_callbacks.append(on_source_back)
        if on_echo is not None:
            self._echo_callbacks.append(on_echo)

    def source(self, side: str) -> _Source:
        return self._side(side).source

    def set_muted(self, side: str, muted: bool) -> None:
        """Send silence for ``side`` (the device keeps capturing) or stop doing so."""
        self._side(side).muted = muted

    def muted(self, side: str) -> bool:
        return self._side(side).muted

    def level(self, side: str) -> float:
        """RMS (0..1) of ``side``'s latest chunk; 0 while muted or gone."""
        entry = self._side(side)
        if entry.muted or entry.lost or not self.active(side):
            return 0.0
        # A source that measures itself (a device) shows what it hears now, even
        # before the engine reads; otherwise the level of the last frame.
        live = getattr(entry.source, "level", None)
        return float(live) if isinstance(live, int | float) else entry.level

    def levels(self) -> dict[str, float]:
        return {side: self.level(side) for side in SIDES}

    def active(self, side: str) -> bool:
        """False once ``side`` was lost, or ended and everything it sent was read."""
        entry = self._side(side)
        return not entry.done or bool(entry.pending)

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def lost_message(self, side: str) -> str | None:
        return self._side(side).lost

    def restore(self, side: str, source: _Source) -> bool:
        """Put an open ``source`` in place of ``side``'s lost one (any thread).

        The reader takes it at its next :meth:`read`: from then on that side's
        chunks are framed again and the ``on_source_back`` callbacks run (on the
        reader's thread).  False, and ``source`` closed, when the run is over.
        """
        self._side(side)
        with self._lock:
            taken = not self._closed.is_set()
            stale = self._returning.pop(side, None) if taken else source
            if taken:
                self._returning[side] = source
        if stale is not None:  # the run is over, or a newer one came before it was taken
            with contextlib.suppress(Exception):
                stale.close()
        return taken

    # -- AudioSource -----------------------------------------------------------

    def open(self) -> None:
        """Open both sides; one that fails is reported and left out, both failing raises."""
        self._closed.clear()
        errors = []
        for entry in self._sides.values():
            try:
                entry.source.open()
            except AudioError as exc:
                errors.append(str(exc))
                self._lose(entry, str(exc), close=False, opening=True)
        if len(errors) == len(SIDES):
            raise AudioError(" ".join(errors))

    def read(self, timeout: float) -> bytes | None:
        """The next call frame; ``None`` if none within ``timeout``; ``b""`` when both ended."""
        deadline = self._clock() + max(0.0, timeout)
        while True:
            if self._closed.is_set():
                return b""
            if self._returning:
                self._take_back()
            for entry in self._sides.values():
                self._drain(entry)
            self._bound_skew()
            frame = self._assemble()
            if frame is not None:
                return frame
            if all(e.done for e in self._sides.values()):
                lost = [e.lost for e in self._sides.values() if e.lost]
                if len(lost) < len(SIDES):
                    return b""
                if not any(self.awaits(side) for side in SIDES) or self._away.waited_too_long():
                    raise AudioError(" ".join(m for m in lost if m))
                self._away.begin()  # both gone: silence, at the pace of the world
                if self._away.silence_due_in() == 0.0:
                    return join_frame(_SILENCE, _SILENCE)
            remaining = deadline - self._clock()
            if remaining <= 0:
                return None
            # Block briefly on a side that has nothing, so a quiet loop does not spin.
            waiting = [e for e in self._sides.values() if not e.done and not e.pending]
            if waiting:
                self._pull(waiting[0], min(remaining, _SLICE_S))
            else:  # both away (else _assemble() returns whenever both have data)
                self._closed.wait(min(remaining, _SLICE_S))

    def close(self) -> None:
        """Close both sources; idempotent."""
        with self._lock:
            self._closed.set()
            returning, self._returning = list(self._returning.values()), {}
        for source in returning:
            with contextlib.suppress(Exception):
                source.close()
        for entry in self._sides.values():
            with contextlib.suppress(Exception):
                entry.source.close()
            entry.pending.clear()

    # -- internals -------------------------------------------------------------

    def _side(self, side: str) -> _Side:
        try:
            return self._sides[side]
        except KeyError:
            raise ValueError(f"unknown call side {side!r}; use {MIC!r} or {SYSTEM!r}") from None

    def _take_back(self) -> None:
        """Put restored sources in place (the reader's thread; see :meth:`restore`)."""
        with self._lock:
            returning, self._returning = self._returning, {}
        for side, source in returning.items():
            entry = self._sides[side]
            if entry.lost is None:  # not lost (restored twice): keep the one it has
                with contextlib.suppress(Exception):
                    source.close()
                continue
            entry.source, entry.done, entry.lost = source, False, None  # pending: still framed
            self._away.end()
            log.info("Call side %s is back: %s", side, source.name)
            text = f"“{source.name}” is back: captioning the {SIDE_NAMES[side]} again."
            for callback in list(self._back_callbacks):
                callback(side, text)

    def _drain(self, entry: _Side) -> None:
        """Take what a side has ready (up to ``_MAX_PENDING`` queued), for the skew bound."""
        while len(entry.pending) < _MAX_PENDING:
            if entry.done or not self._pull(entry, 0.0):
                return

    def _bound_skew(self) -> None:
        """Drop the oldest chunks of a side that delivered ``max_skew_s`` beyond the other.

        That is clock drift (or a device bursting), so chunks heard ``max_wait``
        or more before the other side's oldest queued one do not count: they are
        a side that started earlier (a headset's first block can come seconds
        late), and :meth:`_assemble` frames them beside silence.  Nothing is
        dropped while the other side has nothing queued (not started yet, or a
        hiccup) or has ended: this side then goes out beside silence after
        ``max_wait``.  Memory stays bounded by :meth:`_drain` (``_MAX_PENDING``
        per side, the rest waits in the source's own bounded buffer), and a side
        that never delivers is declared lost by its source's start/stall check.
        """
        mic, system = self._sides[MIC], self._sides[SYSTEM]
        for entry, other in ((mic, system), (system, mic)):
            if other.done or not other.pending:
                continue
            # The other side's own early chunks still count: leaving them out, each
            # drop here would make more of them early, and drop more, on and on.
            early = heard_alone(entry.pending, other.pending, self._max_wait)
            excess = len(entry.pending) - early - len(other.pending) - self._max_pending
            for _ in range(max(0, excess)):
                del entry.pending[early]  # the oldest heard while both were delivering
                entry.dropped += 1

    def _pull(self, entry: _Side, timeout: float) -> bool:
        """Read one chunk of ``entry``; True if one was queued.

        A source captured ahead of its reader (:class:`~captioner.audio.early_capture.
        EarlyCapture`) says when each chunk arrived, so the sides are lined up
        by when they were heard, as if they had been read live.
        """
        stamped = getattr(entry.source, "read_stamped", None)
        try:
            if stamped is not None:
                got = stamped(timeout)
                stamp, chunk = got if got is not None else (0.0, None)
            else:
                chunk, stamp = entry.source.read(timeout), self._clock()
        except AudioError as exc:
            self._lose(entry, str(exc), close=True)
            return False
        if chunk is None:
            return False
        if chunk == b"":
            entry.done = True
            return False
        if len(chunk) != CHUNK_BYTES:
            self._lose(entry, f"“{entry.source.name}” delivered malformed audio.", close=True)
            return False
        entry.pending.append((stamp, chunk))
        return True

    def _assemble(self) -> bytes | None:
        mic, system = self._sides[MIC], self._sides[SYSTEM]
        if not mic.pending and not system.pending:
            return None
        now = self._clock()
        for entry, other in ((mic, system), (system, mic)):
            if entry.pending or entry.done:
                continue
            # This side has nothing; the other's oldest chunk decides whether to wait.
            if not other.pending or now - other.pending[0][0] < self._max_wait:
                return None
        # Both waiting, but one was heard ``max_wait`` or more before the other:
        # read live, it would have gone out alone (silence beside it) by then.
        late: _Side | None = None
        if mic.pending and system.pending:
            gap = system.pending[0][0] - mic.pending[0][0]
            limit = self._max_wait - 1e-6  # stamps on a 50 ms grid must not flicker
            late = system if gap >= limit else mic if -gap >= limit else None
        chunks: dict[str, bytes | None] = {}
        for entry in (mic, system):
            chunk = entry.pending.popleft()[1] if entry.pending and entry is not late else None
            if entry is not late:
                entry.level = chunk_level(chunk) if chunk is not None else 0.0
            chunks[entry.name] = chunk
        heard, played = chunks[MIC], chunks[SYSTEM]
        # Only real audio from both sides says anything about echo.
        checking = not self.echo_suspected and not mic.muted
        if checking and heard is not None and played is not None and self._echo.feed(heard, played):
            self.echo_suspected = True
            log.info("Echo suspected (correlation %.2f)", self._echo.correlation)
            for callback in list(self._echo_callbacks):
                callback(ECHO_HINT)
        return join_frame(
            _SILENCE if mic.muted else chunks[MIC] or _SILENCE,
            _SILENCE if system.muted else chunks[SYSTEM] or _SILENCE,
        )

    def _lose(self, entry: _Side, message: str, *, close: bool, opening: bool = False) -> None:
        if entry.done:
            return
        entry.done = True
        entry.lost = message  # what it delivered before failing is still framed
        if close:
            with contextlib.suppress(Exception):
                entry.source.close()
        others = [e for e in self._sides.values() if not e.done]
        text = message
        if others:
            until = " until it is back" if self.awaits(entry.name) else ""
            text += f" Captioning continues for the {SIDE_NAMES[others[0].name]} only{until}."
        elif not opening and any(self.awaits(side) for side in SIDES):  # see read()
            text += f" Waiting up to {waiting_words(self._away.wait_s)} for the call's audio."
        log.warning("Call side %s lost: %s", entry.name, message)
        for callback in list(self._lost_callbacks):
            callback(entry.name, text)
