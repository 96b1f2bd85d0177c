"""Transcribing the audio buffered while the cloud connection was down.

When the live connection drops, the engine keeps capturing into an
:class:`~captioner.audio.ring.AudioRing`.  As soon as a new live connection
begins (captions resume at once, on live audio), a :class:`Backfill` opens a
*second*, parallel connection and replays the gap from the ring at no more
than real-time pace (the service rejects faster audio), then terminates it,
after a bounded wait for the translations of its last lines (none at Stop,
which has a wait of its own).

Its :class:`~captioner.engines.assemblyai.link.Link` owns the window
``[start_ms, until_ms)`` of the session timeline; it is sent a little more
audio than that (``margin_ms``) so a word cut at ``until_ms`` is heard whole,
and words starting at or after ``until_ms`` are dropped because the live
connection owns them.  If the backfill connection itself drops, goes quiet
(the link's watchdog) or ends without confirming ``Termination`` (its last
turns may never have come), a new one resumes from the end of its last final.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from captioner.audio.ring import CHUNK_MS, AudioRing
from captioner.engines.assemblyai.backoff import Backoff
from captioner.engines.assemblyai.link import Link
from captioner.engines.assemblyai.turn_extras import await_link_translations

log = logging.getLogger(__name__)

# Pace: never more than this far ahead of real time (the service rejects
# audio sent faster than real time).
MAX_AHEAD_MS = 100
MAX_ATTEMPTS = 5

_backfill_ids = iter(range(1, 1 << 62))


class Backfill:
    """One gap, transcribed on its own thread; ``done`` is set when it is over."""

    def __init__(
        self,
        *,
        ring: AudioRing,
        start_ms: int,
        until_ms: int,
        margin_ms: int,
        new_link: Callable[[], Link],
        input_ended: threading.Event,
        backoff: Backoff,
        clock: Callable[[], float] = time.monotonic,
        translation_wait_s: float = 0.0,
    ) -> None:
        self.start_ms = start_ms
        self.until_ms = until_ms
        self.lost_ms = 0  # audio that had already left the buffer
        self.reached_ms = start_ms  # transcribed up to here (the end of a final)
        self.success = False
        self.done = threading.Event()
        self.links: list[Link] = []
        self._ring = ring
        self._end_ms = until_ms + margin_ms
        self._new_link = new_link
        self._input_ended = input_ended
        self._backoff = backoff
        self._clock = clock
        self._translation_wait_s = translation_wait_s
        self._cancel = threading.Event()
        self._current: Link | None = None
        self._thread = threading.Thread(
            target=self._guarded, name=f"aai-backfill-{next(_backfill_ids)}", daemon=True
        )

    def __repr__(self) -> str:
        return f"Backfill({self.start_ms}–{self.until_ms} ms)"

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        """Stop sending; the connection is still terminated properly."""
        self._cancel.set()
        link = self._current
        if link is not None:
            link.abandon()

    def join(self, timeout: float | None = None) -> bool:
        if self._thread.ident is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _guarded(self) -> None:
        try:
            self._run()
        except Exception:
            log.exception("Backfill crashed")
        finally:
            self.done.set()

    def _run(self) -> None:
        own_from = self.start_ms
        next_ms = own_from - own_from % CHUNK_MS
        attempts = 0
        while not self._cancel.is_set():
            if next_ms >= self._end_ms or (next_ms >= self.until_ms and self._exhausted(next_ms)):
                self.success = True
                return
            held_from = self._ring.start_ms
            if self._ring.full:
                # The outage outlasted (or nearly) the buffer: start a little
                # after its oldest audio, or the buffer overtakes us while we connect.
                headroom = min(2000, self._ring.capacity_ms // 4)
                held_from += headroom - headroom % CHUNK_MS
            if held_from > next_ms:
                self.lost_ms += held_from - next_ms
                next_ms = held_from
                own_from = max(own_from, next_ms)
                if next_ms >= self.until_ms:
                    return
            link = self._new_link()
            link.offset_ms = next_ms
            link.own_from_ms = own_from
            link.own_until_ms = self.until_ms
            self.links.append(link)
            self._current = link
            link.connect_and_wait()
            failure: tuple[int | None, str] | None = None
            overtaken = False
            if link.begun.is_set():
                next_ms, overtaken = self._stream(link, next_ms)
                failure = link.failure() if link.failure_pending() else None
                if failure is None:
                    if not overtaken:  # its stretch is sent: its last lines' translations
                        await_link_translations(link, self._translation_wait_s, self._cancel.is_set)
                    link.close()
                    failure = link.failure() if link.failed.is_set() else None
                    if failure is None and not link.terminated.is_set():
                        failure = (None, "the session ended without Termination")
                self.reached_ms = max(self.reached_ms, link.resume_point())
            else:
                failure = link.failure() or (None, "no session")
            if failure is None and overtaken:
                # The buffer dropped audio this link had not sent yet: a new
                # link resumes where the buffer now starts (its offset must
                # match its first chunk, so one link never skips audio).
                own_from = max(own_from, next_ms)
                continue
            if failure is None:
                self.success = not self._cancel.is_set()
                return
            log.info("Backfill connection %d failed (%s); retrying", link.id, failure[1])
            link.retire()
            link.close()
            attempts += 1
            resume = link.resume_point() if link.begun.is_set() else own_from
            self.reached_ms = max(self.reached_ms, resume)
            own_from = max(own_from, resume)
            next_ms = own_from - own_from % CHUNK_MS
            if attempts >= MAX_ATTEMPTS or self._cancel.wait(self._backoff.next_delay()):
                return

    def _exhausted(self, next_ms: int) -> bool:
        return self._input_ended.is_set() and self._ring.end_ms <= next_ms

    def _stream(self, link: Link, next_ms: int) -> tuple[int, bool]:
        """Send ``[next_ms, end)`` at real-time pace.

        Returns where it stopped and whether the buffer had overtaken it.
        """
        started = self._clock()
        sent = 0
        while next_ms < self._end_ms and not self._cancel.is_set():
            if link.failure_pending():
                break
            quiet = link.watch()
            if quiet is not None:
                link.mark_failed(quiet[1])
                break
            ahead = sent - (self._clock() - started) * 1000
            if ahead > MAX_AHEAD_MS:
                self._cancel.wait((ahead - MAX_AHEAD_MS) / 1000)
                continue
            first, chunks = self._ring.slice(next_ms, next_ms + CHUNK_MS)
            if first != next_ms:  # dropped from the buffer under us
                return next_ms, True
            if not chunks:
                if self._exhausted(next_ms):
                    break
                self._cancel.wait(0.02)  # not captured yet
                continue
            link.send(chunks[0])
            next_ms += CHUNK_MS
            sent += CHUNK_MS
        return next_ms, False
