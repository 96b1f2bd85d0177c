"""The main window's live transcript: finished turns, then the line being spoken.

Finished turns are one text block each; the in-progress turn is one extra
block at the end, rewritten in place on every partial, so a partial never
touches the history (cost does not grow with the session).  The view keeps
the turns it shows as recognised and masks profanity only when drawing them,
so switching the filter rewrites just the lines it affects.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QTextBlock, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from captioner.core.profanity import mask_turn
from captioner.core.transcript import Turn

PROVISIONAL_TAG = "(offline) "


def turn_caption(turn: Turn) -> str:
    """A turn as readers see it: speaker label, and a tag on stand-in offline text."""
    label = f"{turn.speaker}: " if turn.speaker else ""
    tag = PROVISIONAL_TAG if turn.provisional else ""
    return f"{tag}{label}{turn.text}"


def format_clock(ms: int | None) -> str:
    if ms is None:
        return "--:--"
    seconds = ms // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


class TranscriptView(QPlainTextEdit):
    """Read-only live transcript that keeps up with speech without redrawing history."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setObjectName("transcriptView")
        self.setAccessibleName("Transcript")
        self.setPlaceholderText("Captions appear here. Pick an input and press Start.")
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.setFont(font)
        self._finished = 0
        self._has_partial = False
        self._turns: list[Turn] = []  # as recognised: re-drawn when the filter changes
        self._partial_turn: Turn | None = None
        self._mask_profanity = False
        self._time_format = QTextCharFormat()
        self._time_format.setForeground(QColor("#7f8c8d"))
        self._time_format.setFontFamilies(["monospace"])
        self._text_format = QTextCharFormat()
        self._partial_format = QTextCharFormat()
        self._partial_format.setForeground(QColor("#7f8c8d"))
        self._partial_format.setFontItalic(True)

    # -- updates -------------------------------------------------------------

    def insert_turn(self, index: int, turn: Turn) -> None:
        """A turn finished: it goes in at ``index`` and the partial line is cleared."""
        follow = self._at_bottom()
        self._remove_partial()
        self._turns.insert(index, turn)
        cursor = QTextCursor(self.document())
        if self._finished == 0:
            cursor.movePosition(QTextCursor.MoveOperation.Start)
            self._write_turn(cursor, turn)
        elif index >= self._finished:
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.insertBlock()
            self._write_turn(cursor, turn)
        else:
            cursor.setPosition(self._block(index).position())
            self._write_turn(cursor, turn)
            cursor.insertBlock()
        self._finished += 1
        self._follow(follow)

    def revise_turn(self, index: int, turn: Turn) -> None:
        """Replace a finished turn's text (a formatted final arrived)."""
        self._turns[index] = turn
        block = self._block(index)
        cursor = QTextCursor(block)
        cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        self._write_turn(cursor, turn)

    def show_partial(self, turn: Turn | None) -> None:
        """Show the turn in progress (``None`` removes the line), filtered like the rest."""
        self._partial_turn = turn
        self._write_partial(turn_caption(self._shown(turn)) if turn is not None else "")

    def set_partial(self, text: str) -> None:
        """Rewrite the in-progress line with this text as it is (empty text removes it)."""
        self._partial_turn = None
        self._write_partial(text)

    def set_mask_profanity(self, mask: bool) -> None:
        """Switch the profanity filter; only the lines it changes are rewritten."""
        if mask == self._mask_profanity:
            return
        self._mask_profanity = mask
        for index, turn in enumerate(self._turns):
            if mask_turn(turn) is not turn:
                self.revise_turn(index, turn)
        if self._partial_turn is not None:
            self.show_partial(self._partial_turn)

    @property
    def mask_profanity(self) -> bool:
        return self._mask_profanity

    def _write_partial(self, text: str) -> None:
        follow = self._at_bottom()
        if not text:
            self._remove_partial()
            return
        cursor = QTextCursor(self.document())
        if self._has_partial:
            cursor.setPosition(self._block(self._finished).position())
            cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        else:
            cursor.movePosition(QTextCursor.MoveOperation.End)
            if self._finished:
                cursor.insertBlock()
        cursor.insertText(text, self._partial_format)
        self._has_partial = True
        self._follow(follow)

    def partial_text(self) -> str:
        return self._block(self._finished).text() if self._has_partial else ""

    def finished_texts(self) -> list[str]:
        return [self._block(i).text() for i in range(self._finished)]

    def clear_transcript(self) -> None:
        self.clear()
        self._finished = 0
        self._has_partial = False
        self._turns = []
        self._partial_turn = None

    # -- helpers ---------------------------------------------------------------

    def _shown(self, turn: Turn) -> Turn:
        return mask_turn(turn) if self._mask_profanity else turn

    def _write_turn(self, cursor: QTextCursor, turn: Turn) -> None:
        cursor.insertText(f"{format_clock(turn.start_ms)}  ", self._time_format)
        style = self._partial_format if turn.provisional else self._text_format
        cursor.insertText(turn_caption(self._shown(turn)), style)

    def _remove_partial(self) -> None:
        self._partial_turn = None
        if not self._has_partial:
            return
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        if self._finished:
            # Select from the end of the last finished block: removes the break too.
            cursor.setPosition(
                self._block(self._finished - 1).position()
                + self._block(self._finished - 1).length()
                - 1,
                QTextCursor.MoveMode.KeepAnchor,
            )
        else:
            cursor.movePosition(QTextCursor.MoveOperation.Start, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        cursor.setCharFormat(self._text_format)
        self._has_partial = False

    def _block(self, number: int) -> QTextBlock:
        return self.document().findBlockByNumber(number)

    def _at_bottom(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - 4

    def _follow(self, follow: bool) -> None:
        # Follow new speech only when the reader is at the bottom; someone
        # scrolled up to reread keeps their place.
        if follow:
            bar = self.verticalScrollBar()
            bar.setValue(bar.maximum())
