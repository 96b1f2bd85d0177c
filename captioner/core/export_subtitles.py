"""The subtitle formats: SubRip and WebVTT, built from :mod:`captioner.core.cues`.

With translations shown and ``subtitle_translation="bilingual"`` a cue
carries the original lines and, under them, its share of the translation
(see :mod:`captioner.core.bilingual`); the ``"separate"`` tracks are written
by :func:`captioner.core.export.export`.

Every cue of a line captioned offline while the cloud was unreachable (and
never replaced) opens with ``(offline) ``, as the window and the text exports
mark it: a subtitle reader sees which lines are the less accurate ones.  It is
part of the cue's text, which every player shows (a WebVTT ``NOTE`` or a
class would be invisible or left to styling).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from captioner.core.bilingual import bilingual_cues
from captioner.core.caption_line import caption_lines
from captioner.core.cues import Cue, build_cues, label_prefix
from captioner.core.export_base import DEFAULT_OPTIONS, ExportOptions, clock
from captioner.core.transcript import Turn


def _cues(turns: Sequence[Turn], options: ExportOptions) -> list[Cue]:
    """Subtitle cues of the turns as shown: labelled and filtered as caption lines are.

    Bilingual when asked and there is a translation to show.
    """
    lines = caption_lines(turns, mask_profanity=options.mask_profanity, labels=options.labels)
    shown = [line.turn or turn for line, turn in zip(lines, turns, strict=True)]
    labels = [line.speaker for line in lines]
    bilingual = options.translations and options.subtitle_translation == "bilingual"
    if bilingual and any(line.translation for line in lines):
        return bilingual_cues(shown, labels, options.cue_limits)
    return build_cues(shown, labels, options.cue_limits)


RLM = "\u200f"  # right-to-left mark: invisible, sets a line's direction


def _rtl(line: str) -> bool:
    """Whether ``line`` is mostly right-to-left letters (Arabic, Hebrew), a Latin word aside."""
    kinds = [unicodedata.bidirectional(char) for char in line]
    rtl = sum(kind in ("R", "AL") for kind in kinds)
    return rtl > 0 and rtl >= kinds.count("L")


def _directed(lines: list[str]) -> list[str]:
    """Each right-to-left line opened by a right-to-left mark.

    A player sets a subtitle line in the direction of its first letter: an
    Arabic line after ">> B: ", or one starting with "Zoom" or "2024", was set
    left to right, its runs swapped around the Latin word, the sentence's end
    read first.  The mark sets the line right to left, a label at its right,
    where the reader starts; a translation's lines go by their own letters.
    """
    return [RLM + line if _rtl(line) else line for line in lines]


def to_srt(turns: Sequence[Turn], options: ExportOptions = DEFAULT_OPTIONS) -> str:
    """SubRip: numbered cues; ``>> A:`` opens the first cue of each labelled turn."""
    blocks = []
    cues = _cues(turns, options)
    for number, cue in enumerate(cues, start=1):
        lines = list(cue.lines)
        lines[0] = cue.tag + lines[0]
        if cue.opens_turn and cue.label:
            lines[0] = label_prefix(cue.label) + lines[0]
        lines = _directed(lines)
        timing = f"{clock(cue.start_ms, sep=',')} --> {clock(cue.end_ms, sep=',')}"
        blocks.append("\n".join([str(number), timing, *lines]))
    return "\n\n".join(blocks) + "\n" if blocks else ""


def _vtt_escape(text: str) -> str:
    # "<" and "&" start tags and entities; ">" is escaped so "-->" never appears.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(turns: Sequence[Turn], options: ExportOptions = DEFAULT_OPTIONS) -> str:
    """WebVTT: every cue of a labelled turn carries its voice, ``<v A>``."""
    blocks = ["WEBVTT"]
    cues = _cues(turns, options)
    for cue in cues:
        lines = [_vtt_escape(line) for line in cue.lines]
        lines[0] = cue.tag + lines[0]
        lines = _directed(lines)
        if cue.label:
            lines[0] = f"<v {_vtt_escape(cue.label)}>{lines[0]}"
        blocks.append("\n".join([f"{clock(cue.start_ms)} --> {clock(cue.end_ms)}", *lines]))
    return "\n\n".join(blocks) + "\n"
