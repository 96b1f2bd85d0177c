"""The session transcript: turns keyed by id, partials rewritten in place.

Engines report a turn many times while it grows (partials), once when it ends
(an unformatted final) and, with AssemblyAI's ``format_turns``, sometimes once
more with punctuation and casing restored (a formatted final).  This model
folds that stream into what a reader sees: a list of finished turns in order
plus, at most, one in-progress turn per source.  It is pure Python so that
the journal, exporters and tests can use it without a display.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum


@dataclass(frozen=True, slots=True)
class Word:
    """One recognised word with its place on the session clock (milliseconds)."""

    text: str
    start_ms: int
    end_ms: int
    confidence: float = 1.0
    # Diarization label of the word ("A", "B"); ``None``: none (yet).  A
    # speaker revision (see :meth:`Transcript.apply_speaker_revision`) replaces it.
    speaker: str | None = None


@dataclass(frozen=True, slots=True)
class Translation:
    """A finished turn's text in another language (AssemblyAI's LLM Gateway).

    ``language`` is what the user asked for ("fr", "French"), as given;
    ``text`` the model's answer, stripped.  Arrives after the turn finished,
    sometimes seconds later and out of order; the original text is never
    replaced by it.
    """

    language: str
    text: str


@dataclass(frozen=True, slots=True)
class TurnUpdate:
    """What an engine says about one turn at one moment.

    ``key`` identifies the turn across updates and never repeats within a
    session (engines build it from a connection id and the server's
    ``turn_order``), so two connections cannot collide.
    """

    key: str
    order: int
    text: str
    words: tuple[Word, ...] = ()
    end_of_turn: bool = False
    formatted: bool = False
    source: str = ""
    speaker: str | None = None
    # A stand-in caption (offline recognition while the cloud connection is
    # down).  The engine later drops it with an empty final for the same key
    # once better text for that stretch arrives, or makes it final if none will.
    provisional: bool = False
    # Real cloud text of a stretch the connection missed, transcribed again
    # after it came back (a backfill): it finishes late and goes in above the
    # newest lines, so views mark it; exports keep it as normal text.
    recovered: bool = False

    @property
    def start_ms(self) -> int | None:
        return self.words[0].start_ms if self.words else None

    @property
    def end_ms(self) -> int | None:
        return self.words[-1].end_ms if self.words else None


@dataclass(slots=True)
class Turn:
    """A turn as the transcript keeps it."""

    key: str
    order: int
    text: str
    words: tuple[Word, ...] = ()
    finished: bool = False
    formatted: bool = False
    source: str = ""
    speaker: str | None = None
    provisional: bool = False  # shown dimmed: see TurnUpdate.provisional
    recovered: bool = False  # filled in after a reconnect: see TurnUpdate.recovered
    translation: Translation | None = None  # see Transcript.apply_translation

    @property
    def start_ms(self) -> int | None:
        return self.words[0].start_ms if self.words else None

    @property
    def end_ms(self) -> int | None:
        return self.words[-1].end_ms if self.words else None


class ChangeKind(Enum):
    """How an update changed the transcript; views redraw only what changed."""

    PARTIAL = "partial"  # the in-progress line of a turn was rewritten
    FINISHED = "finished"  # a turn became final (appended to the finished list)
    REVISED = "revised"  # a finished turn changed in place (see Change.aspect)
    DROPPED = "dropped"  # an in-progress turn ended with no words; its line goes away
    IGNORED = "ignored"  # stale or duplicate update; nothing to redraw


@dataclass(frozen=True, slots=True)
class Change:
    kind: ChangeKind
    turn: Turn | None
    index: int | None = None  # position in ``finished`` for FINISHED / REVISED
    # What a REVISED change changed: ``"text"`` (a formatted final),
    # ``"translation"`` (its translation arrived) or ``"speaker"`` (a speaker
    # revision relabelled the turn and its words).  Views may redraw only that;
    # the journal rewrites the whole turn whatever it is.
    aspect: str = "text"


Listener = Callable[[Change], None]


@dataclass
class Transcript:
    """Finished turns in spoken order plus in-progress turns keyed by ``key``.

    Rules (AssemblyAI streaming v3 semantics, shared by every engine):

    * an update for an unfinished turn replaces that turn's in-progress text;
    * ``end_of_turn`` freezes the turn and appends it to :attr:`finished`;
    * a later *formatted* final with the same key replaces the text of the
      frozen turn in place (original casing and punctuation win);
    * anything after that for the same key (a late partial, a duplicate
      final) is ignored, so a finished line never goes back to a partial.
    """

    finished: list[Turn] = field(default_factory=list)
    partials: dict[str, Turn] = field(default_factory=dict)
    _index: dict[str, int] = field(default_factory=dict, repr=False)
    _listeners: list[Listener] = field(default_factory=list, repr=False)
    # Translations / speaker revisions for turns not finished yet (the event
    # overtook the final, or the turn is still a partial): applied when it finishes.
    _early_translations: dict[str, Translation] = field(default_factory=dict, repr=False)
    _early_speakers: dict[str, tuple[str | None, tuple[str | None, ...]]] = field(
        default_factory=dict, repr=False
    )

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def apply(self, update: TurnUpdate) -> Change:
        change = self._apply(update)
        self._tell(change)
        if change.kind is ChangeKind.FINISHED:
            translation = self._early_translations.pop(update.key, None)
            if translation is not None:
                self.apply_translation(update.key, translation.language, translation.text)
            speakers = self._early_speakers.pop(update.key, None)
            if speakers is not None:
                self.apply_speaker_revision(update.key, *speakers)
        return change

    def _tell(self, change: Change) -> Change:
        if change.kind is not ChangeKind.IGNORED:
            for listener in list(self._listeners):
                listener(change)
        return change

    def apply_translation(self, key: str, language: str, text: str) -> Change:
        """Attach a turn's translation (REVISED, ``aspect="translation"``).

        A blank text is ignored (the original stays alone); the same
        translation twice changes nothing.  For a turn not finished yet the
        translation is kept and attached when it finishes.
        """
        text = text.strip()
        if not text:
            return Change(ChangeKind.IGNORED, None)
        translation = Translation(language, text)
        index = self._index.get(key)
        if index is None:
            self._early_translations[key] = translation
            return Change(ChangeKind.IGNORED, None)
        turn = self.finished[index]
        if turn.translation == translation:
            return Change(ChangeKind.IGNORED, turn, index)
        revised = replace(turn, translation=translation)
        self.finished[index] = revised
        return self._tell(Change(ChangeKind.REVISED, revised, index, aspect="translation"))

    def apply_speaker_revision(
        self, key: str, speaker: str | None, word_speakers: Sequence[str | None] = ()
    ) -> Change:
        """Relabel a finished turn and its words (REVISED, ``aspect="speaker"``).

        ``speaker`` ``None`` means "no label yet" (AssemblyAI's ``PENDING``).
        ``word_speakers[i]`` is the new speaker of word *i*; when the list does
        not match the turn's words (the turn was cut to a connection's window)
        every word takes ``speaker``.
        """
        labels = tuple(word_speakers)
        index = self._index.get(key)
        if index is None:
            self._early_speakers[key] = (speaker, labels)
            return Change(ChangeKind.IGNORED, None)
        turn = self.finished[index]
        if len(labels) != len(turn.words):
            labels = (speaker,) * len(turn.words)
        words = tuple(replace(w, speaker=s) for w, s in zip(turn.words, labels, strict=True))
        if turn.speaker == speaker and words == turn.words:
            return Change(ChangeKind.IGNORED, turn, index)
        revised = replace(turn, speaker=speaker, words=words)
        self.finished[index] = revised
        return self._tell(Change(ChangeKind.REVISED, revised, index, aspect="speaker"))

    def _apply(self, update: TurnUpdate) -> Change:
        if update.key in self._index:
            index = self._index[update.key]
            done = self.finished[index]
            if update.end_of_turn and update.formatted and not done.formatted:
                revised = replace(
                    done,
                    text=update.text,
                    words=update.words or done.words,
                    formatted=True,
                    speaker=update.speaker or done.speaker,
                )
                self.finished[index] = revised
                return Change(ChangeKind.REVISED, revised, index)
            return Change(ChangeKind.IGNORED, done, index)

        turn = Turn(
            key=update.key,
            order=update.order,
            text=update.text,
            words=update.words,
            finished=update.end_of_turn,
            formatted=update.formatted,
            source=update.source,
            speaker=update.speaker,
            provisional=update.provisional,
            recovered=update.recovered,
        )
        if not update.end_of_turn:
            self.partials.pop(update.key, None)  # re-insert: newest last
            self.partials[update.key] = turn
            return Change(ChangeKind.PARTIAL, turn)

        self.partials.pop(update.key, None)
        if not turn.text.strip():
            # An empty final closes a turn that never had words (noise): drop
            # the in-progress line, keep nothing.
            return Change(ChangeKind.DROPPED, turn)
        index = self._insert_position(turn)
        self.finished.insert(index, turn)
        self._reindex(index)
        return Change(ChangeKind.FINISHED, turn, index)

    def _insert_position(self, turn: Turn) -> int:
        # Turns normally finish in order; one that started earlier (e.g. a
        # second source, or backfilled audio) is slotted by start time.
        start = turn.start_ms
        position = len(self.finished)
        if start is None:
            return position
        while position > 0:
            before = self.finished[position - 1].start_ms
            if before is None or before <= start:
                break
            position -= 1
        return position

    def _reindex(self, start: int) -> None:
        for i in range(start, len(self.finished)):
            self._index[self.finished[i].key] = i

    def finish_partials(self) -> list[Change]:
        """Freeze every in-progress turn as it stands.

        Called when a run ends without the engine finishing a turn (a dropped
        connection, a vanished device): the reader saw those words, so they
        are kept rather than thrown away.
        """
        changes = []
        for turn in list(self.partials.values()):
            update = TurnUpdate(
                key=turn.key,
                order=turn.order,
                text=turn.text,
                words=turn.words,
                end_of_turn=True,
                formatted=turn.formatted,
                source=turn.source,
                speaker=turn.speaker,
                provisional=turn.provisional,
                recovered=turn.recovered,
            )
            changes.append(self.apply(update))
        return changes

    def finished_turn(self, key: str) -> Turn | None:
        """The finished turn with this key, or ``None``."""
        index = self._index.get(key)
        return self.finished[index] if index is not None else None

    def latest_partial(self) -> Turn | None:
        """The in-progress turn updated most recently (dicts keep insertion order)."""
        if not self.partials:
            return None
        return next(reversed(self.partials.values()))

    def __iter__(self) -> Iterator[Turn]:
        return iter(self.finished)

    def __len__(self) -> int:
        return len(self.finished)

    def plain_text(self) -> str:
        return "\n".join(turn.text for turn in self.finished)
