"""Where the transcript view's lines live in its QTextDocument, and what they cost.

The document holds, in order: a notice of earlier lines no longer shown (live
view only), the finished turns, then one line per turn in progress (in call
mode You and Them may speak at once, each rewritten in place).

Memory is what a long session is about (issue 14: a 30-minute soak grew by 2.3 KB per
finished turn, all of it here). A QTextDocument block costs ~0.9 KB before any layout and
~2.3 KB once QPlainTextEdit has laid it out, whatever its formats; undo records and the text
each partial rewrite removed (kept for undo) add ~0.5 KB. So undo is off, only the newest
turns are blocks of their own (where revisions, late turns and partials happen), older turns
are folded ``pack`` to a block (a visual line each, joined by U+2028 as a translation's line
is), and edits run in edit blocks (see :meth:`TranscriptLines._editing`): ~0.3 KB a turn. At
most ``keep`` turns stay in the document at all; the session's whole transcript is in the
core Transcript and the journal, read and searched in the Sessions window, and the first
line says so. ``benchmarks/transcript_view_memory.py`` measures it.

Folding and dropping wait while the reader is scrolled up (the view asks,
see :meth:`TranscriptLines.settle`), so the text under their eyes never moves.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

from PySide6.QtGui import QTextCharFormat, QTextCursor, QTextDocument

from captioner.core.bidi import isolated_line
from captioner.core.caption_line import CaptionLine, caption_line
from captioner.ui.block_rewrite import Segment, rewrite
from captioner.ui.line_styles import LineStyles, earlier_notice, format_clock

if TYPE_CHECKING:
    from captioner.core.transcript import Turn

LINE_BREAK = "\u2028"  # a new visual line inside a block (not a new block)
RECENT = 50  # newest finished turns kept one block each
P = ParamSpec("P")
R = TypeVar("R")


def _edit(
    method: Callable[Concatenate[TranscriptLines, P], R],
) -> Callable[Concatenate[TranscriptLines, P], R]:
    """Run ``method`` as one edit of the document (see :meth:`TranscriptLines._editing`)."""

    @functools.wraps(method)
    def edit(self: TranscriptLines, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._editing():
            return method(self, *args, **kwargs)

    return edit


class TranscriptLines:
    """The finished and in-progress lines of a transcript view's document.

    ``pack``: turns per folded block (``None``: every turn its own block, as
    the Sessions window needs: it maps turn indexes to block numbers).
    ``keep``: the most finished turns kept in the document (``None``: all).
    """

    def __init__(
        self,
        document: QTextDocument,
        styles: LineStyles,
        *,
        pack: int | None = None,
        keep: int | None = None,
    ) -> None:
        self._doc = document
        self._styles = styles
        self._pack = pack
        self._keep = keep
        self.mask_profanity = False
        self._turns: list[Turn] = []  # finished turns in the document, as recognised
        self._dropped = 0  # finished turns before them, no longer in the document
        self._packed = 0  # of _turns, how many are folded (a multiple of pack)
        self._partials: dict[str, Turn] = {}  # in progress, by turn key
        self._partial_keys: list[str] = []  # the lines in progress written, in order

    # -- finished turns --------------------------------------------------------

    @_edit
    def insert(self, index: int, turn: Turn) -> None:
        """Turn ``index`` of the session finished (its in-progress line goes)."""
        self._partials.pop(turn.key, None)
        self._remove_partials()
        at = index - self._dropped
        if at < 0:  # slotted before the lines shown: only the count above changes
            self._dropped += 1
            self._write_notice()
        elif at < self._packed:  # into a folded block: rare (late audio), refold all
            self._turns.insert(at, turn)
            self._rebuild()
        else:
            self._turns.insert(at, turn)
            self._insert_block(at)
        self._write_partials()

    @_edit
    def revise(self, index: int, turn: Turn) -> None:
        """Turn ``index`` got better text, a translation or a speaker."""
        at = index - self._dropped
        if 0 <= at < len(self._turns):
            self._turns[at] = turn
            self._rewrite(at)

    @_edit
    def settle(self) -> None:
        """Fold old turns and drop the oldest past ``keep`` (only while following)."""
        if self._pack is None:
            return
        # Both change blocks above the lines in progress only.
        self._fold_old()
        while self._keep is not None and len(self._turns) > self._keep and self._packed:
            self._drop_first_fold()

    # -- in-progress turns -----------------------------------------------------

    @_edit
    def set_partial(self, turn: Turn) -> None:
        """Show this turn in progress; with no text its line goes (a dropped turn)."""
        if turn.text.strip():
            self._partials[turn.key] = turn
            if self._partial_order() == self._partial_keys:  # the same lines: rewrite this one
                number = self._finished_blocks() + self._partial_keys.index(turn.key)
                rewrite(self._block(number), self._partial_segments(turn))  # its new end only
                return
        elif self._partials.pop(turn.key, None) is None:
            return
        self._remove_partials()
        self._write_partials()

    @_edit
    def clear_partials(self) -> None:
        self._partials.clear()
        self._remove_partials()

    # -- everything ------------------------------------------------------------

    @_edit
    def set_mask(self, mask: bool) -> None:
        """Switch the profanity filter; only the lines it changes are rewritten."""
        if mask == self.mask_profanity:
            return
        self.mask_profanity = mask
        rewritten: set[int] = set()
        for at, turn in enumerate(self._turns):
            if caption_line(turn, mask_profanity=True) != caption_line(turn):
                block = self._block_of(at)
                if block not in rewritten:
                    rewritten.add(block)
                    self._rewrite(at)
        self._remove_partials()
        self._write_partials()

    def clear(self) -> None:
        self._doc.clear()
        self._turns, self._partials = [], {}
        self._dropped = self._packed = 0
        self._partial_keys = []

    @property
    def earlier(self) -> int:
        """Finished turns of this session no longer in the document."""
        return self._dropped

    def finished_texts(self) -> list[str]:
        """Each finished turn's text as the document holds it (folded ones too)."""
        texts: list[str] = []
        fold = self._fold()
        for first in range(0, self._packed, fold):
            text, start = self._block(self._block_of(first)).text(), 0
            for turn in self._turns[first : first + fold]:
                end = start + len(self._turn_text(turn))
                texts.append(text[start:end])
                start = end + len(LINE_BREAK)
        for at in range(self._packed, len(self._turns)):
            texts.append(self._block(self._block_of(at)).text())
        return texts

    def partial_texts(self) -> list[str]:
        first = self._finished_blocks()
        return [self._block(first + i).text() for i in range(len(self._partial_keys))]

    @contextmanager
    def _editing(self) -> Iterator[None]:
        """One edit block: the view lays the changed lines out once, at the end.

        Outside an edit block every ``insertText`` makes the cursor measure its
        x position, which shapes the whole block's text and leaves the glyphs
        cached in the block's layout for good: ~0.8 KB a turn.
        """
        cursor = QTextCursor(self._doc)
        cursor.beginEditBlock()
        try:
            yield
        finally:
            cursor.endEditBlock()

    # -- where things are -------------------------------------------------------

    def _fold(self) -> int:
        return self._pack or 1

    def _head(self) -> int:
        return 1 if self._dropped else 0  # the notice block

    def _block_of(self, at: int) -> int:
        if at < self._packed:
            return self._head() + at // self._fold()
        return self._head() + self._packed // self._fold() + at - self._packed

    def _finished_blocks(self) -> int:
        return self._head() + self._packed // self._fold() + len(self._turns) - self._packed

    def _block(self, number: int):  # type: ignore[no-untyped-def]
        return self._doc.findBlockByNumber(number)

    # -- writing ------------------------------------------------------------------

    def _line(self, turn: Turn) -> CaptionLine:
        return isolated_line(caption_line(turn, mask_profanity=self.mask_profanity))

    def _label_format(self, line: CaptionLine, style: QTextCharFormat) -> QTextCharFormat | None:
        """Call mode: the label in its side's colour (italic like the words); else ``None``."""
        side = self._styles.sides.get(line.side)
        if side is None or not line.label:
            return None
        label = QTextCharFormat(side)
        label.setFontItalic(style.fontItalic())
        return label

    def _word_segments(self, line: CaptionLine, style: QTextCharFormat) -> list[Segment]:
        """The line's words in ``style``, its label in its side's colour, and "(filled in) "
        in the times' quiet colour (it is about the line, not words spoken)."""
        label = self._label_format(line, style)
        mark = self._styles.time if line.recovered and not line.provisional else style
        if label is None and mark is style:
            return [(line.display, style)]
        return [(line.mark, mark), (line.label, label or style), (line.text, style)]

    def _turn_segments(self, turn: Turn) -> list[Segment]:
        """A finished turn as written: its time, its words, its translation under them."""
        styles = self._styles
        line = self._line(turn)
        stamp = f"{format_clock(line.start_ms)}  "
        words = styles.partial if line.provisional else styles.text
        segments = [(stamp, styles.time), *self._word_segments(line, words)]
        if line.translation:
            # On its own line under the words (in the turn's block), in the quiet colour.
            segments.append((f"{LINE_BREAK}{' ' * len(stamp)}", styles.time))
            segments.append((line.translation, styles.translation))
        return segments

    def _partial_segments(self, turn: Turn) -> list[Segment]:
        """A turn in progress as written: its words only, in the in-progress style."""
        return self._word_segments(self._line(turn), self._styles.partial)

    def _turn_text(self, turn: Turn) -> str:
        """The text :meth:`_write_turn` writes for ``turn``."""
        return "".join(text for text, _style in self._turn_segments(turn))

    @staticmethod
    def _write(cursor: QTextCursor, segments: list[Segment]) -> None:
        for text, style in segments:
            cursor.insertText(text, style)

    def _write_turn(self, cursor: QTextCursor, turn: Turn) -> None:
        self._write(cursor, self._turn_segments(turn))

    def _fold_segments(self, first: int) -> list[Segment]:
        """The folded block from turn ``first``: its turns, a line break between each."""
        segments: list[Segment] = []
        for at in range(first, min(first + self._fold(), len(self._turns))):
            if at > first:
                segments.append((LINE_BREAK, self._styles.text))
            segments += self._turn_segments(self._turns[at])
        return segments

    def _select_block(self, number: int) -> QTextCursor:
        cursor = QTextCursor(self._block(number))
        cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
        return cursor

    def _rewrite(self, at: int) -> None:
        """Write turn ``at``'s block again from its first changed character.

        A translation or a speaker arriving adds to the end of the line, so
        the text before stays as it was: a selection in it stays too.
        """
        if at < self._packed:
            segments = self._fold_segments(at - at % self._fold())
        else:
            segments = self._turn_segments(self._turns[at])
        rewrite(self._block(self._block_of(at)), segments)

    def _insert_block(self, at: int) -> None:
        """Write the unfolded turn ``at`` as a block of its own (no partials shown)."""
        turn, number = self._turns[at], self._block_of(at)
        cursor = QTextCursor(self._doc)
        blocks = self._finished_blocks() - 1  # before this one
        if blocks == 0:
            cursor.movePosition(QTextCursor.MoveOperation.Start)
            self._write_turn(cursor, turn)
        elif number >= blocks:
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.insertBlock()
            self._write_turn(cursor, turn)
        else:
            cursor.setPosition(self._block(number).position())
            self._write_turn(cursor, turn)
            cursor.insertBlock()

    def _fold_old(self) -> None:
        """Fold whole groups of ``pack`` turns while more than RECENT stay unfolded."""
        while self._pack and len(self._turns) - self._packed >= RECENT + self._pack:
            self._fold_next()

    def _fold_next(self) -> None:
        """Join the oldest ``pack`` single-block turns into one block (positions unchanged)."""
        number = self._block_of(self._packed)
        cursor = QTextCursor(self._doc)
        for _ in range(self._fold() - 1):
            block = self._block(number)
            cursor.setPosition(block.position() + block.length() - 1)
            cursor.deleteChar()  # the block break…
            cursor.insertText(LINE_BREAK, self._styles.text)  # …becomes a line break
        self._packed += self._fold()

    def _drop_first_fold(self) -> None:
        first = self._head()
        cursor = QTextCursor(self._block(first))
        cursor.setPosition(self._block(first + 1).position(), QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        fold = self._fold()
        del self._turns[:fold]
        self._packed -= fold
        self._dropped += fold
        self._write_notice(new=first == 0)

    def _write_notice(self, new: bool = False) -> None:
        notice = earlier_notice(self._dropped)
        if new:
            cursor = QTextCursor(self._doc)
            cursor.insertText(notice, self._styles.notice)
            cursor.insertBlock()
            return
        cursor = self._select_block(0)
        cursor.removeSelectedText()
        cursor.insertText(notice, self._styles.notice)

    def _rebuild(self) -> None:
        """Write every finished turn again, then fold (no partials shown)."""
        turns, dropped = self._turns, self._dropped
        self._doc.clear()
        self._turns, self._packed = [], 0
        cursor = QTextCursor(self._doc)
        if dropped:
            cursor.insertText(earlier_notice(dropped), self._styles.notice)
        for at, turn in enumerate(turns):
            self._turns.append(turn)
            if at or dropped:
                cursor.insertBlock()
            self._write_turn(cursor, turn)
        self._fold_old()

    def _remove_partials(self) -> None:
        if not self._partial_keys:
            return
        cursor = QTextCursor(self._doc)
        cursor.movePosition(QTextCursor.MoveOperation.End)
        blocks = self._finished_blocks()
        if blocks:
            # From the end of the last finished block: removes the break too.
            last = self._block(blocks - 1)
            cursor.setPosition(last.position() + last.length() - 1, QTextCursor.MoveMode.KeepAnchor)
        else:
            cursor.movePosition(QTextCursor.MoveOperation.Start, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        cursor.setCharFormat(self._styles.text)
        self._partial_keys = []

    def _write_partials(self) -> None:
        """One line per turn in progress, oldest start first (as on the overlay)."""
        cursor = QTextCursor(self._doc)
        cursor.movePosition(QTextCursor.MoveOperation.End)
        for key in self._partial_order():
            if self._finished_blocks() or self._partial_keys:
                cursor.insertBlock()
            self._write(cursor, self._partial_segments(self._partials[key]))
            self._partial_keys.append(key)

    def _partial_order(self) -> list[str]:
        turns = sorted(self._partials.values(), key=lambda t: t.start_ms or 0)
        return [turn.key for turn in turns]
