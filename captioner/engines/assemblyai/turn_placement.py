"""Where a connection's turns land on the session timeline, and the lines a dropped one showed.

:class:`TurnPlacement` is the part of
:class:`~captioner.engines.assemblyai.link.Link` that turns the server's
``Turn`` events into the app's :class:`~captioner.core.transcript.TurnUpdate`
lines: words offset by ``offset_ms`` onto the session clock, only the words
inside the connection's ownership window ``[own_from_ms, own_until_ms)``
kept (so overlapping connections never show a word twice), turn keys built
from the connection id, and, for each line being spoken, the words the server
already finalised, so that a connection dying mid-turn leaves a finished line
with them (:meth:`TurnPlacement.retire`) and a resume point past them.

A connection that transcribes a gap again (``recovering``: a backfill's)
reports finished lines only, marked ``recovered``: its line in progress is
old speech, and shown beside the live one (two lines written at once) the
reader could not tell which is now.  The gap's offline stand-ins show meanwhile.

A rollover places its handover point at a pause, not at a fixed time: the
old connection's window is closed once it has no line open
(:meth:`TurnPlacement.close_window_when_idle`), and the new connection holds
its turns back meanwhile (:meth:`TurnPlacement.hold_turns`), replaying them
once its window is known (:meth:`TurnPlacement.release_turns`).

Its state is set up by ``Link.__init__``; call mode
(:class:`~captioner.engines.assemblyai.call.ChannelLink`) overrides
``_labels`` and ``_revised_speaker`` to name each side.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from typing import TYPE_CHECKING

from captioner.core.transcript import TurnUpdate, Word
from captioner.engines.assemblyai.turn_extras import speaker_label
from captioner.engines.assemblyai.turn_text import words_text
from captioner.engines.base import EngineListener

if TYPE_CHECKING:
    from assemblyai.streaming.v3.models import TurnEvent

    from captioner.engines.assemblyai.turn_extras import TurnExtras

log = logging.getLogger("captioner.engines.assemblyai.link")


class TurnPlacement:
    """A connection's turns on the session timeline (a mixin of ``Link``; thread-safe)."""

    id: int
    offset_ms: int
    own_from_ms: int
    own_until_ms: int | None
    last_final_end_ms: int | None
    retired: bool
    recovering: bool  # transcribes a gap again (a backfill): finished lines only
    extras: TurnExtras
    _lock: threading.Lock
    _listener: EngineListener
    _source_label: str
    # The partial line each open turn shows, reduced to its finalised words.
    _open_partials: dict[str, TurnUpdate]
    # Finals on their way from "no longer open" to "translation expected": Stop
    # must not see a gap between the two, or it terminates before the answer.
    _closing: int
    # Turn orders heard with words and not ended yet (partials of redacted runs too).
    _speaking: set[int]
    # A rollover's new connection, before its window is known: its Turns, kept back.
    _held: list[TurnEvent] | None
    _turn_lock: threading.Lock  # one Turn handled at a time: the read thread's or a replay

    def has_open_turn(self) -> bool:
        """Whether a line is being spoken (or its final is still being handed on)."""
        with self._lock:
            return bool(self._open_partials) or self._closing > 0

    def resume_point(self) -> int:
        """Session time from which a backfill must redo this connection's work."""
        with self._lock:
            end = self.last_final_end_ms
        return max(self.own_from_ms, end if end is not None else self.own_from_ms)

    def retire(self) -> None:
        """The connection died: ignore late events, finish the lines it showed.

        A line being spoken keeps its finalised words as a finished line (the
        user saw them; the protocol says they will not change), and the resume
        point moves to their end; a line with none is dropped.
        """
        with self._lock:
            if self.retired:
                return
            self.retired = True
            partials, self._open_partials = self._open_partials, {}
            for update in partials.values():
                end = update.end_ms
                if end is not None and (
                    self.last_final_end_ms is None or end > self.last_final_end_ms
                ):
                    self.last_final_end_ms = end
        for key in sorted(partials):
            update = partials[key]
            if update.words:
                log.info("Connection %d dropped mid-turn; keeping %r", self.id, update.text)
            self._listener.on_final(replace(update, recovered=self.recovering))
        self.extras.abandon()

    # -- a rollover's handover --------------------------------------------------

    def hold_turns(self) -> None:
        """Keep this connection's Turns back until :meth:`release_turns` sets its window.

        A rollover's new session hears the audio before the run knows where its
        part of the timeline begins (where the old session's line ends); what
        it says meanwhile would show the line being spoken a second time, or
        be lost if its window were guessed.  A later partial of a turn replaces
        the one held (a v3 partial carries the turn's words so far); finals are
        all kept (unformatted, then formatted).
        """
        with self._turn_lock:
            self._held = []

    def release_turns(self, own_from_ms: int) -> None:
        """Own words from ``own_from_ms`` on and show the Turns held until now, in order."""
        with self._turn_lock:  # the read thread waits: its next Turn comes after these
            held, self._held = self._held or [], None
            with self._lock:
                self.own_from_ms = own_from_ms
            for event in held:
                self._on_turn(event)

    def close_window_when_idle(self, floor_ms: int) -> int | None:
        """End this connection's window after its last finished line, if no line is open.

        Returns the end (never before ``floor_ms``), or ``None`` while someone
        is speaking.  Checked and set under the lock, so a line that starts
        meanwhile is not half on each side.
        """
        with self._lock:
            if self._speaking or self._open_partials or self._closing:
                return None
            end = self.last_final_end_ms
            until = max(floor_ms, end if end is not None else floor_ms)
            self.own_until_ms = until
            return until

    def held_pause(self, floor_ms: int) -> int | None:
        """Where this (held) connection last heard a line end, if no line is open now.

        On the session clock, never before ``floor_ms``; ``None`` while someone
        is speaking.  A rollover's pause when the old connection's silence says
        nothing (it has gone quiet).
        """
        with self._turn_lock, self._lock:
            if self._speaking:
                return None
            ends = [e.words[-1].end for e in self._held or () if e.end_of_turn and e.words]
            return max([floor_ms, *(end + self.offset_ms for end in ends)])

    def close_window(self, until_ms: int) -> None:
        """End this connection's window at ``until_ms`` (a handover by time, mid-line)."""
        with self._lock:
            self.own_until_ms = until_ms

    def take_turn(self, event: TurnEvent, *, shown: bool = True) -> None:
        """A Turn from the read thread: note who is speaking, then show it or hold it.

        ``shown`` False: a partial that is not shown (redaction); it still
        tells that a line is being spoken.
        """
        with self._turn_lock:
            with self._lock:
                if event.end_of_turn:
                    self._speaking.discard(event.turn_order)
                elif event.words:
                    self._speaking.add(event.turn_order)
            if not shown:
                return
            if self._held is None:
                self._on_turn(event)
                return
            if not event.end_of_turn:
                order = event.turn_order
                self._held = [e for e in self._held if e.end_of_turn or e.turn_order != order]
            self._held.append(event)

    def _labels(self, event: TurnEvent) -> tuple[str, str | None]:
        """``(source, speaker)`` of a turn; call mode derives them from the channel."""
        return self._source_label, speaker_label(event.speaker_label)

    def _revised_speaker(self, source: str, label: str | None) -> str | None:
        """A service speaker label as shown for a turn of ``source`` (call mode names sides)."""
        return label

    def _owns(self, start_ms: int) -> bool:
        """Whether a word starting at ``start_ms`` (session clock) is this connection's."""
        until = self.own_until_ms
        return start_ms >= self.own_from_ms and (until is None or start_ms < until)

    def _on_turn(self, event: TurnEvent) -> None:
        key = f"aai-{self.id}:{event.turn_order}"
        offset = self.offset_ms
        # Words are named from the turn's own source (its side in call mode), as a
        # later speaker revision names them, so a session keeps one label scheme.
        source, speaker = self._labels(event)
        words = [
            (
                Word(
                    text=w.text,
                    start_ms=w.start + offset,
                    end_ms=w.end + offset,
                    confidence=w.confidence,
                    speaker=self._revised_speaker(source, speaker_label(w.speaker)),
                ),
                bool(getattr(w, "word_is_final", True)),
            )
            for w in event.words
        ]
        with self._lock:
            if self.retired:
                return
            until = self.own_until_ms
            mine = [
                i
                for i, (w, _) in enumerate(words)
                if w.start_ms >= self.own_from_ms and (until is None or w.start_ms < until)
            ]
            owned = [words[i] for i in mine]
            kept = [w for w, _ in owned]
            texts = [w.text for w, _ in words]
            # When part of the turn lies in another connection's window, the
            # text is the part of the transcript the words this connection owns cover.
            text = (
                event.transcript
                if len(kept) == len(words)
                else words_text(event.transcript, texts, mine)
            )
            closing = False
            if event.end_of_turn:
                closing = self._open_partials.pop(key, None) is not None
                self._closing += closing
                if words and event.transcript.strip():
                    end = words[-1][0].end_ms
                    if self.last_final_end_ms is None or end > self.last_final_end_ms:
                        self.last_final_end_ms = end
            elif text.strip():
                finals = [i for i in mine if words[i][1]]
                final_words = tuple(words[i][0] for i in finals)
                self._open_partials[key] = TurnUpdate(
                    key=key,
                    order=event.turn_order,
                    text=words_text(event.transcript, texts, finals),
                    words=final_words,
                    end_of_turn=True,
                )
            elif self._open_partials.pop(key, None) is not None:
                # The visible words moved out of our window: drop the line.
                text = ""
            else:
                return
        with self._lock:  # the line kept if the connection dies carries the same labels
            kept_line = self._open_partials.get(key)
            if kept_line is not None and not event.end_of_turn:
                self._open_partials[key] = replace(kept_line, source=source, speaker=speaker)
        update = TurnUpdate(
            key=key,
            order=event.turn_order,
            text=text,
            words=tuple(kept),
            end_of_turn=event.end_of_turn or not text.strip(),
            formatted=event.turn_is_formatted,
            source=source,
            speaker=speaker,
            recovered=self.recovering,
        )
        if update.end_of_turn:
            try:
                self._listener.on_final(update)
                if text.strip() and kept:
                    self.extras.finished(event.turn_order, source, whole=len(kept) == len(words))
            finally:
                if closing:
                    with self._lock:
                        self._closing -= 1
        elif not self.recovering:
            self._listener.on_partial(update)
