"""Translations in exports: the lines under each caption, and subtitle tracks of their own.

A finished turn may carry a :class:`~captioner.core.transcript.Translation`
(live translation through AssemblyAI's LLM Gateway).  Exports show it beside
the original, never instead of it:

* **TXT / Markdown**: the translation is a line of its own under the turn's
  paragraph, marked with its language (``(fr) Bonjour.``: see
  :attr:`captioner.core.caption_line.CaptionLine.translation_note`).
* **JSON**: every turn carries ``"translation": {"language", "text"}`` (see
  :func:`captioner.core.session.turn_to_dict`).
* **SRT / WebVTT**, the user's choice (:data:`SubtitleTranslation`):
  ``"bilingual"`` cues hold the original lines and, under them, the part of
  the translation that goes with them; ``"separate"`` leaves the original
  file alone and writes one more file per language, ``name.<lang>.srt``,
  whose cues are the translations timed over their turns' spans.

A translation has no word timings, so a turn split into several cues gets
its translation split at word boundaries in proportion to how much of the
original each cue shows: the translation reads in order across the cues and
every word of it appears exactly once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Literal

from captioner.core.cues import Cue, CueLimits, build_cues, clean_tokens, layout
from captioner.core.transcript import Turn

SubtitleTranslation = Literal["bilingual", "separate"]

# What a language may look like in a file name: "fr", "pt-BR", "French".
_UNSAFE_IN_NAME = re.compile(r"[^\w-]+")


def languages(turns: Sequence[Turn]) -> list[str]:
    """The translation languages of ``turns``, in order of first appearance."""
    seen: list[str] = []
    for turn in turns:
        if turn.translation is not None and turn.translation.language not in seen:
            seen.append(turn.translation.language)
    return seen


def translated_turns(turns: Sequence[Turn], language: str) -> list[Turn]:
    """The turns as a subtitle track in ``language``: each one's translation as its text.

    A turn without a translation into ``language`` keeps its original text,
    so the track has no holes where the service gave no answer.  The words
    keep their timings, so the cues span the turn (the text is spread over
    them, see :func:`captioner.core.cues.timed_words`).
    """
    out = []
    for turn in turns:
        translation = turn.translation
        if translation is not None and translation.language == language:
            out.append(replace(turn, text=translation.text))
        else:
            out.append(turn)
    return out


def language_path(path: str | Path, language: str) -> Path:
    """``talk.srt`` → ``talk.fr.srt``; the language is made safe for a file name."""
    path = Path(path)
    tag = _UNSAFE_IN_NAME.sub("-", language.strip()).strip("-") or "translation"
    return path.with_name(f"{path.stem}.{tag}{path.suffix}")


def bilingual_cues(
    turns: Sequence[Turn],
    labels: Sequence[str | None] | None = None,
    limits: CueLimits | None = None,
) -> list[Cue]:
    """The cues of :func:`~captioner.core.cues.build_cues`, each with its translation lines.

    A cue's lines are its original lines, then (for a translated turn) its
    share of the translation laid out within the same limits; ``words``
    and timings are the original's.
    """
    limits = limits or CueLimits()
    cues = build_cues(turns, labels, limits)
    by_turn: dict[int, list[int]] = {}
    for position, cue in enumerate(cues):
        by_turn.setdefault(cue.turn_index, []).append(position)
    out = list(cues)
    for turn_index, positions in by_turn.items():
        translation = turns[turn_index].translation
        if translation is None:
            continue
        tokens = clean_tokens(translation.text)
        weights = [sum(len(w.text) + 1 for w in cues[p].words) for p in positions]
        for position, share in zip(positions, _split(tokens, weights), strict=True):
            if share:
                extra = tuple(layout(share, 0, limits))
                out[position] = replace(cues[position], lines=cues[position].lines + extra)
    return out


def _split(tokens: Sequence[str], weights: Sequence[int]) -> list[list[str]]:
    """``tokens`` cut into ``len(weights)`` consecutive runs sized like ``weights``."""
    total = sum(weights) or 1
    size = sum(len(t) + 1 for t in tokens)
    runs: list[list[str]] = [[] for _ in weights]
    bounds, acc = [], 0
    for weight in weights:
        acc += weight
        bounds.append(size * acc / total)
    run, done = 0, 0
    for token in tokens:
        middle = done + (len(token) + 1) / 2
        while run < len(bounds) - 1 and middle > bounds[run]:
            run += 1
        runs[run].append(token)
        done += len(token) + 1
    return runs
