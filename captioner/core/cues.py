"""Subtitle cues from word timings, within the limits caption readers expect.

SRT and WebVTT exports share these cues.  The rules (each is tested, most as
Hypothesis properties):

* **Text.** Every word of every turn appears exactly once, in order.  Word
  texts are split on whitespace and stripped of control characters (a
  newline inside a word would end a cue early in every player); empty words
  are dropped.  A cue never spans two turns.
* **Layout.** At most ``max_lines`` (2) lines of at most ``max_chars`` (42)
  columns (a wide character, as in Chinese and Japanese, takes two).  The
  first line of a turn's first cue also makes room for the speaker prefix
  (``">> A: "``), and the first line of every cue of a stand-in turn (captioned
  offline while the cloud was down) makes room for its ``"(offline) "`` tag,
  shown on each of its cues as the window shows it.  The only line allowed
  to be longer is one holding a single word that is longer on its own; words
  are never broken.  Two lines are
  balanced (the split with the shortest longer line).
* **Scripts without spaces.** Chinese and Japanese text (a translation, most
  often) has no spaces to break at: a run of it is cut into pieces after its
  punctuation (、。！？…) or every ``PIECE_CHARS`` characters (never before a
  closing mark, never inside a Latin word), and the pieces are joined
  without a space again (a space in the text stays one).
  Thai, Lao, Khmer and Burmese space their phrases but not their words: a
  long phrase is cut the same way (never inside a letter with its vowel or
  tone marks), and only its pieces are joined without a space.  When the
  service's words are known (a cloud turn: "今日は会議です" comes as 今日 /
  は / 会議 / です), a run is cut between them, each piece with its own time.
* **Breaks.** A new cue starts when the next word would not fit the layout,
  would make the cue span more than ``max_ms`` (7 s), follows a pause of
  ``pause_ms`` or more, or follows a sentence end (``. ? !``) once the cue
  already spans ``min_ms``.
* **Timing.** A cue starts at its first word and ends at its last word's end,
  extended to ``min_ms`` (1 s) — but never past the next cue's first word:
  cues do not overlap, so a short cue followed closely by another ends where
  that one starts.  A cue is never shown for less than ``floor_ms``; when
  that forces it past the next cue's start, the next cue is delayed (only
  with words crammed together, e.g. zero-length or overlapping timings).  A
  cue is longer than ``max_ms`` only when it is a single word that is.
* **Missing timings.** A turn's text (the formatted text when there is one)
  takes the timings of its words when the word count matches, or when its
  words written together make its text (scripts without spaces); otherwise its
  words are spread over the turn's span by length.  A turn with no timed
  words at all is placed after the previous turn, at ``ms_per_char``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace

from captioner.core import scripts
from captioner.core.caption_line import PROVISIONAL_TAG
from captioner.core.transcript import Turn, Word

_SENTENCE_END = re.compile(r"[.?!…。！？][\"'”’)\]」』]*$")
# Scripts written without spaces between words: CJK punctuation, kana, ideographs,
# full-width forms (not Hangul, which spaces its words).
_UNSPACED = re.compile(f"[{scripts.CJK_MARKS}{scripts.KANA_HAN}]")
# Scripts that space their phrases but not their words: Thai, Lao, Myanmar, Khmer.
_PHRASED = re.compile(f"[{scripts.PHRASED}]")
_LEADING_VOWELS = "เแโใไເແໂໃໄ"  # written before the consonant they follow: never a piece's end
GLUE = "\u2060"  # opens a piece cut from a phrase: joined to the one before without a space
PIECE_CHARS = 12  # the longest piece an unspaced run is cut into (24 columns)
_CLAUSE_END = "、。，．！？；：…"
_NO_LINE_START = "、。，．！？；：…）」』】〉》〕］｝ーっゃゅょッャュョ"


@dataclass(frozen=True, slots=True)
class CueLimits:
    max_chars: int = 42
    max_lines: int = 2
    min_ms: int = 1000
    max_ms: int = 7000
    floor_ms: int = 500
    pause_ms: int = 1500
    ms_per_char: int = 60  # ~16 characters a second: a speaking pace, for untimed turns


@dataclass(frozen=True, slots=True)
class Cue:
    """One subtitle: its display span, its lines, and the timed words it shows."""

    start_ms: int
    end_ms: int
    lines: tuple[str, ...]
    words: tuple[Word, ...]
    label: str | None = None  # speaker (or source) of its turn
    opens_turn: bool = True  # first cue of its turn: where SRT writes ">> A:"
    turn_index: int = 0
    provisional: bool = False  # of a stand-in turn: every cue shows "(offline) "

    @property
    def tag(self) -> str:
        """``"(offline) "`` for a stand-in's cue (before its text, after any label)."""
        return PROVISIONAL_TAG if self.provisional else ""


def label_prefix(label: str | None) -> str:
    """The SRT speaker prefix; its width is reserved in both SRT and WebVTT cues."""
    return f">> {label}: " if label else ""


def clean_tokens(text: str) -> list[str]:
    """Whitespace-separated tokens with control characters removed; no empty ones.

    A token of a script without spaces longer than ``PIECE_CHARS`` comes as pieces
    (see "Scripts without spaces" above).
    """
    tokens = []
    for token in text.split():
        cleaned = "".join(ch for ch in token if unicodedata.category(ch) != "Cc")
        if len(cleaned.lstrip(GLUE)) > PIECE_CHARS and (
            _UNSPACED.search(cleaned) or _PHRASED.search(cleaned)
        ):
            tokens.extend(_pieces(cleaned))
        elif cleaned:
            tokens.append(cleaned)
    return tokens


def _pieces(token: str) -> list[str]:
    """An unspaced run cut after its clause marks, then every ``PIECE_CHARS`` characters.

    Never before a mark that goes with the letter before it (a vowel or tone
    mark, a virama) nor after a vowel written before its consonant.  Each
    piece after the first opens with :data:`GLUE`: joined back without a
    space, whatever letter it starts with ("Zoomで" cut as "Zoo" / "mで" was
    joined again as "Zoo mで").
    """
    pieces, current = [], ""
    for index, char in enumerate(token):
        current += char
        following = token[index + 1 : index + 2]
        if following in _NO_LINE_START and following:
            continue  # a closing mark stays with what it closes
        if (following and unicodedata.category(following)[0] == "M") or char in _LEADING_VOWELS:
            continue  # one letter, written together
        if char in _CLAUSE_END or len(current.lstrip(GLUE)) >= PIECE_CHARS:
            pieces.append(current)
            current = ""
    if current:
        pieces.append(current)
    pieces[1:] = [GLUE + piece.lstrip(GLUE) for piece in pieces[1:]]
    return pieces


def join_words(texts: Sequence[str]) -> str:
    """Words as a line: a space between two, none before a piece (:data:`GLUE`) of a run."""
    out = ""
    for text in texts:
        out += text[1:] if text.startswith(GLUE) else text if not out else " " + text
    return out.lstrip(GLUE)


def width(text: str) -> int:
    """Columns ``text`` takes: two for a wide (East Asian) character, none for a mark
    written on the letter before it (a Thai vowel, a Hindi vowel sign), else one."""
    return sum(
        2
        if unicodedata.east_asian_width(ch) in "WF"
        else 0
        if unicodedata.category(ch) in ("Mn", "Me", "Cf")
        else 1
        for ch in text
    )


def _spread(tokens: Sequence[str], start_ms: int, end_ms: int, confidence: float) -> list[Word]:
    """Give tokens consecutive slices of [start, end] in proportion to their length."""
    total = sum(len(token) for token in tokens) or 1
    span = max(0, end_ms - start_ms)
    words, done = [], 0
    for token in tokens:
        begin = start_ms + span * done // total
        done += len(token)
        words.append(Word(token, begin, start_ms + span * done // total, confidence))
    return words


def normalise_words(words: Sequence[Word]) -> list[Word]:
    """Clean texts (see :func:`clean_tokens`) and make timings non-negative and monotonic."""
    out: list[Word] = []
    last_start = 0
    for word in words:
        start = max(word.start_ms, last_start, 0)
        end = max(word.end_ms, start)
        last_start = start
        tokens = clean_tokens(word.text)
        if len(tokens) == 1:
            out.append(Word(tokens[0], start, end, word.confidence))
        elif tokens:
            out.extend(_spread(tokens, start, end, word.confidence))
    return out


def timed_words(turn: Turn, not_before_ms: int, limits: CueLimits = CueLimits()) -> list[Word]:
    """The turn's text as timed words (see "Missing timings" above)."""
    tokens = clean_tokens(turn.text)
    if not tokens:
        return normalise_words(turn.words)
    if len(turn.words) == len(tokens):
        paired = [replace(w, text=t) for w, t in zip(turn.words, tokens, strict=True)]
        return normalise_words(paired)
    written = _written_together(turn.text, turn.words)
    if written is not None:
        return normalise_words(written)
    timed = normalise_words(turn.words)
    if timed:
        return _spread(tokens, timed[0].start_ms, max(w.end_ms for w in timed), 1.0)
    duration = max(limits.min_ms, limits.ms_per_char * len(join_words(tokens)))
    return _spread(tokens, not_before_ms, not_before_ms + duration, 1.0)


def _written_together(text: str, words: Sequence[Word]) -> list[Word] | None:
    """The turn's words cut from its text, when runs of them written together make it.

    Each whitespace-separated run of ``text`` must be the texts of some next
    words, in order, with punctuation around them (added by formatting) kept
    with the word it touches; a word after the first of its run opens with
    :data:`GLUE`.  ``None`` when the words do not make the text.
    """
    runs = ["".join(ch for ch in run if unicodedata.category(ch) != "Cc") for run in text.split()]
    spoken = [w for w in words if "".join(w.text.split())]
    out: list[Word] = []
    at = 0
    for run in runs:
        pos, first = 0, True
        while at < len(spoken) and pos < len(run):
            piece = "".join(spoken[at].text.split())
            lead = pos
            while lead < len(run) and unicodedata.category(run[lead])[0] == "P":
                lead += 1  # an opening mark goes with the word after it
            if not run.startswith(piece, lead):
                break
            end = lead + len(piece)
            after = spoken[at + 1].text if at + 1 < len(spoken) else None
            if not (after and run.startswith(after, end)):
                while end < len(run) and unicodedata.category(run[end])[0] == "P":
                    end += 1  # a closing mark goes with the word before it
            out.append(replace(spoken[at], text=("" if first else GLUE) + run[pos:end]))
            pos, first, at = end, False, at + 1
        if pos != len(run) or first:
            return None
    return out if at == len(spoken) and out else None


def _greedy_lines(texts: Sequence[str], reserve: int, limits: CueLimits) -> list[list[str]]:
    """Fill each line as far as it goes; a word too long for any line gets one alone."""
    lines: list[list[str]] = []
    for text in texts:
        if lines:
            budget = limits.max_chars - (reserve if len(lines) == 1 else 0)
            if width(join_words([*lines[-1], text])) <= budget:
                lines[-1].append(text)
                continue
        lines.append([text])
    return lines


def _fits(texts: Sequence[str], reserve: int, limits: CueLimits) -> bool:
    return len(_greedy_lines(texts, reserve, limits)) <= limits.max_lines


def layout(texts: Sequence[str], reserve: int = 0, limits: CueLimits = CueLimits()) -> list[str]:
    """Lines for one cue's words: one line if it fits, else balanced lines."""
    one = join_words(texts)
    if len(texts) <= 1 or width(one) + reserve <= limits.max_chars:
        return [one]
    greedy = [join_words(line) for line in _greedy_lines(texts, reserve, limits)]
    if len(greedy) != 2:
        return greedy
    best: tuple[int, list[str]] = (max(width(greedy[0]) + reserve, width(greedy[1])), greedy)
    for split in range(1, len(texts)):
        top, bottom = join_words(texts[:split]), join_words(texts[split:])
        top_ok = width(top) + reserve <= limits.max_chars or split == 1
        bottom_ok = width(bottom) <= limits.max_chars or split == len(texts) - 1
        longest = max(width(top) + reserve, width(bottom))
        if top_ok and bottom_ok and longest < best[0]:
            best = (longest, [top, bottom])
    return best[1]


def _group(
    words: Sequence[Word], reserve: int, limits: CueLimits, every: int = 0
) -> list[list[Word]]:
    """Split one turn's words into cue-sized groups (see "Breaks" above).

    The first cue's first line keeps ``reserve`` columns free (the label), every
    cue's first line ``every`` more (the stand-in tag).
    """
    groups: list[list[Word]] = []
    current: list[Word] = []
    for word in words:
        if current:
            first, last = current[0], current[-1]
            head_reserve = (reserve if not groups else 0) + every
            if (
                word.start_ms - last.end_ms >= limits.pause_ms
                or word.end_ms - first.start_ms > limits.max_ms
                or (
                    _SENTENCE_END.search(last.text)
                    and last.end_ms - first.start_ms >= limits.min_ms
                )
                or not _fits([w.text for w in [*current, word]], head_reserve, limits)
            ):
                groups.append(current)
                current = []
        current.append(word)
    if current:
        groups.append(current)
    return groups


def cues_from_words(
    words: Sequence[Word],
    *,
    label: str | None = None,
    turn_index: int = 0,
    limits: CueLimits = CueLimits(),
    provisional: bool = False,
) -> list[Cue]:
    """Untimed-layout cues of one turn (natural times: first word start to last word end)."""
    reserve = len(label_prefix(label))
    every = len(PROVISIONAL_TAG) if provisional else 0
    cues = []
    for number, group in enumerate(_group(normalise_words(words), reserve, limits, every)):
        texts = [w.text for w in group]
        lines = layout(texts, (reserve if number == 0 else 0) + every, limits)
        cues.append(
            Cue(
                start_ms=group[0].start_ms,
                end_ms=max(w.end_ms for w in group),
                lines=tuple(lines),
                words=tuple(group),
                label=label,
                opens_turn=number == 0,
                turn_index=turn_index,
                provisional=provisional,
            )
        )
    return cues


def schedule(cues: Sequence[Cue], limits: CueLimits = CueLimits()) -> list[Cue]:
    """Final display times: ordered, non-overlapping, ``floor_ms``…``max_ms`` (see "Timing")."""
    ordered = sorted(cues, key=lambda c: c.start_ms)  # stable: turn order breaks ties
    timed: list[Cue] = []
    previous_end = 0
    for k, cue in enumerate(ordered):
        start = max(cue.start_ms, previous_end)
        wanted = max(cue.end_ms, start + limits.min_ms)
        if k + 1 < len(ordered):
            wanted = min(wanted, ordered[k + 1].start_ms)
        end = max(wanted, start + limits.floor_ms)
        timed.append(replace(cue, start_ms=start, end_ms=end))
        previous_end = end
    return timed


def build_cues(
    turns: Sequence[Turn],
    labels: Sequence[str | None] | None = None,
    limits: CueLimits = CueLimits(),
) -> list[Cue]:
    """All cues of a transcript, ready to write (``labels[i]`` labels ``turns[i]``)."""
    cues: list[Cue] = []
    not_before = 0
    for index, turn in enumerate(turns):
        words = timed_words(turn, not_before, limits)
        if not words:
            continue
        not_before = max(not_before, max(w.end_ms for w in words))
        label = labels[index] if labels is not None else None
        cues.extend(
            cues_from_words(
                words,
                label=label,
                turn_index=index,
                limits=limits,
                provisional=turn.provisional,
            )
        )
    return schedule(cues, limits)
