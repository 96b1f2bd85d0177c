"""One caption line as every view shows it: who, which side, the words, finished or not.

The overlay, the main window's transcript, the Sessions window and the
exports all show turns to people, and they must agree on the rules: the
speaker label in front ("Them: …"), the "(offline) " tag on stand-in text
(the "(filled in) " mark of a line transcribed again after a reconnect:
views only),
which side of a call a line is on (its colour), the translation under it,
and the profanity filter.  Those rules live here, once; views decide only
how a line looks (fonts, colours, layout) and exports only their syntax.

Pure Python (no Qt): the exporters and the CLI use it without a display.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import TYPE_CHECKING, Literal

from captioner.core.profanity import mask_turn

if TYPE_CHECKING:
    from captioner.core.transcript import Turn

# Stand-in text (offline recognition while the cloud link is down): better text may replace it.
PROVISIONAL_TAG = "(offline) "
# Views only: a line transcribed again after a reconnect finishes late and goes
# in above the newest ones, where a reader following the newest line would not
# see it appear.  In words, so a screen reader says it too.  Exports leave it
# out: the text is the cloud's like any other, and "late" means nothing in a file.
RECOVERED_MARK = "(filled in) "

# How exports label a line (see :func:`turn_labels`); views show the speaker.
LabelMode = Literal["auto", "speaker", "source", "none"]


class Side(Enum):
    """Which side of a call a line comes from; :attr:`NONE` outside call mode.

    The values are the turns' ``source`` in call mode (the names of
    :mod:`captioner.audio.sides`, which core may not import).
    """

    NONE = ""
    MIC = "mic"  # the local side, "You" by default: one voice however many speak
    SYSTEM = "system"  # the remote side, "Them": its speakers may be told apart

    @classmethod
    def of(cls, source: str) -> Side:
        """The side of a turn's ``source``; any other source (a device name) is NONE."""
        try:
            return cls(source)
        except ValueError:
            return cls.NONE


@dataclass(frozen=True, slots=True)
class CaptionLine:
    """A turn as readers see it (hashable: the overlay caches layouts by line).

    ``text`` and ``translation`` are as shown (masked when the profanity filter
    is on); ``speaker`` is the label written before the text, if any.  ``turn``
    is the turn as shown (masked too), for what needs its words (subtitle
    cues); it takes no part in comparing lines.
    """

    text: str
    speaker: str | None = None
    side: Side = Side.NONE
    finished: bool = True
    provisional: bool = False
    recovered: bool = False
    translation: str = ""
    language: str = ""  # of the translation, as the user asked for it ("fr")
    start_ms: int | None = None
    turn: Turn | None = field(default=None, compare=False, hash=False, repr=False)

    @property
    def tag(self) -> str:
        """``"(offline) "`` on stand-in text, else empty (exports write it too)."""
        return PROVISIONAL_TAG if self.provisional else ""

    @property
    def mark(self) -> str:
        """What views write first: :attr:`tag`, or ``"(filled in) "`` on a recovered line."""
        return RECOVERED_MARK if self.recovered and not self.provisional else self.tag

    @property
    def label(self) -> str:
        """``"Them: "`` when the line has a speaker, else empty."""
        return f"{self.speaker}: " if self.speaker else ""

    @property
    def display(self) -> str:
        """The line in one string, as views show it: mark, label, text (``"(offline) You: hi"``)."""
        return f"{self.mark}{self.label}{self.text}"

    @property
    def voice(self) -> str | None:
        """Whose colour the line takes: ``None`` for the local side and unlabelled lines.

        Everyone at the microphone is one voice (the caption colour); every
        other label (``"Them"``, ``"Them (B)"``, a diarized ``"A"``) is a voice
        of its own, so speakers told apart are also coloured apart.
        """
        if self.side is Side.MIC or not self.speaker:
            return None
        return self.speaker

    @property
    def translation_note(self) -> str | None:
        """``(fr) Bonjour.``: the translation on a line of its own (text exports)."""
        text = " ".join(self.translation.split())
        return f"({self.language}) {text}" if text else None

    def translation_in_place(self) -> CaptionLine:
        """The line showing its translation instead of the original, once there is one.

        Until a translation comes the original stays: one that never comes
        must not leave a hole where the caption was.
        """
        if not self.translation:
            return self
        return replace(self, text=self.translation, translation="", language="")


def caption_line(turn: Turn, *, mask_profanity: bool = False) -> CaptionLine:
    """The line for ``turn``, labelled with its speaker, masked when the filter is on."""
    shown = mask_turn(turn) if mask_profanity else turn
    translation = shown.translation
    return CaptionLine(
        text=shown.text,
        speaker=shown.speaker or None,
        side=Side.of(shown.source),
        finished=shown.finished,
        provisional=shown.provisional,
        recovered=shown.recovered,
        translation=translation.text if translation is not None else "",
        language=translation.language if translation is not None else "",
        start_ms=shown.start_ms,
        turn=shown,
    )


def turn_labels(turns: Sequence[Turn], mode: LabelMode = "auto") -> list[str | None]:
    """The label of each turn under ``mode``, for exports.

    ``"auto"`` labels a turn with its speaker when the engine gave one, else
    with its source when the transcript has several sources (a single
    source's name on every line is noise); ``"speaker"``/``"source"`` force
    one; ``"none"`` drops them.
    """
    if mode == "none":
        return [None] * len(turns)
    several_sources = len({t.source for t in turns if t.source}) > 1
    labels: list[str | None] = []
    for turn in turns:
        if mode == "speaker":
            labels.append(turn.speaker or None)
        elif mode == "source":
            labels.append(turn.source or None)
        else:
            labels.append(turn.speaker or (turn.source if several_sources else None) or None)
    return labels


def caption_lines(
    turns: Iterable[Turn], *, mask_profanity: bool = False, labels: LabelMode = "speaker"
) -> list[CaptionLine]:
    """Lines for ``turns`` in order, labelled as ``labels`` says (views: the speaker)."""
    turns = list(turns)
    lines = [caption_line(turn, mask_profanity=mask_profanity) for turn in turns]
    if labels == "speaker":
        return lines
    names = turn_labels(turns, labels)
    return [replace(line, speaker=name) for line, name in zip(lines, names, strict=True)]
