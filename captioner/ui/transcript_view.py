"""The main window's live transcript: finished turns, then the line being spoken.

Finished turns are one text block each; the in-progress turn is one extra
block at the end, rewritten in place on every partial, so a partial never
touches the history (cost does not grow with the session).  The view keeps
the turns it shows as recognised and masks profanity only when drawing them,
so switching the filter rewrites just the lines it affects.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QPalette,
    QResizeEvent,
    QTextBlock,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import QPlainTextEdit, QToolButton, QWidget

from captioner.core.caption_line import CaptionLine, Side, caption_line
from captioner.core.transcript import Turn
from captioner.ui.contrast import muted, readable

IDLE_PLACEHOLDER = "Captions appear here. Pick an input and press Start."
# In call mode each side's label has its own hue (as on the overlay); the
# exact shade is chosen per palette so it reads at AA on light and dark themes.
SIDE_HUES = {Side.MIC: QColor("#1f6fb2"), Side.SYSTEM: QColor("#b35c00")}


def format_clock(ms: int | None) -> str:
    if ms is None:
        return "--:--"
    seconds = ms // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


class TranscriptView(QPlainTextEdit):
    """Read-only live transcript that keeps up with speech without redrawing history."""

    def __init__(self, parent: QWidget | None = None, *, live: bool = True) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setObjectName("transcriptView")
        self.setAccessibleName("Transcript")
        self.setPlaceholderText(IDLE_PLACEHOLDER)
        # Read-only, but it takes keyboard focus (Tab) so it can be scrolled and
        # selected from the keyboard; the style sheet draws that focus.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.setFont(font)
        self._finished = 0
        self._has_partial = False
        self._turns: list[Turn] = []  # as recognised: re-drawn when the filter changes
        self._partial_turn: Turn | None = None
        self._mask_profanity = False
        self._time_format = QTextCharFormat()
        self._time_format.setFontFamilies(["monospace"])
        self._text_format = QTextCharFormat()
        self._partial_format = QTextCharFormat()
        self._partial_format.setFontItalic(True)
        self._translation_format = QTextCharFormat()  # a finished line's translation
        self._translation_format.setFontPointSize(font.pointSizeF() * 0.9)
        self._side_formats: dict[Side, QTextCharFormat] = {}
        self._apply_palette()
        # Following: the view shows the newest line until the reader scrolls up,
        # and again once they scroll back down (or press "Jump to latest").  It is
        # a state, not a look at the scroll bar when text arrives: when the view
        # shrinks (a warning appears above it) the newest line must stay in view.
        self._following = True
        self._scrolling = False  # our own scroll: not the reader's
        self._live = live
        bar = self.verticalScrollBar()
        bar.rangeChanged.connect(self._on_range_changed)
        bar.valueChanged.connect(self._on_scrolled)
        self.jump_button = QToolButton(self)
        self.jump_button.setObjectName("jumpToLatest")
        self.jump_button.setText("Jump to latest ↓")
        self.jump_button.setAccessibleName("Jump to the latest line")
        self.jump_button.setToolTip("Show the newest line and follow new speech again (Ctrl+End)")
        self.jump_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.jump_button.clicked.connect(self.jump_to_latest)
        self.jump_button.hide()

    # -- updates -------------------------------------------------------------

    def insert_turn(self, index: int, turn: Turn) -> None:
        """A turn finished: it goes in at ``index`` and the partial line is cleared."""
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
        self._follow()

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
        if turn is None:
            self._write_partial("")
            return
        line = self._line(turn)
        label = self._label_format(line, self._partial_format)
        if label is None:
            self._write_partial(line.display)
            return
        self._write_partial(line.display, (len(line.tag), len(line.label), label))

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
            if caption_line(turn, mask_profanity=True) != caption_line(turn):
                self.revise_turn(index, turn)
        if self._partial_turn is not None:
            self.show_partial(self._partial_turn)

    @property
    def mask_profanity(self) -> bool:
        return self._mask_profanity

    def _write_partial(
        self, text: str, label: tuple[int, int, QTextCharFormat] | None = None
    ) -> None:
        """Rewrite the line in progress; ``label`` (start, length, format) colours a speaker."""
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
        if label is None:
            cursor.insertText(text, self._partial_format)
        else:
            start, length, label_format = label
            cursor.insertText(text[:start], self._partial_format)
            cursor.insertText(text[start : start + length], label_format)
            cursor.insertText(text[start + length :], self._partial_format)
        self._has_partial = True
        self._follow()

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
        self._following = True
        self.jump_button.hide()

    @property
    def following(self) -> bool:
        """Whether new lines scroll into view (the reader has not scrolled up)."""
        return self._following

    def jump_to_latest(self) -> None:
        """Show the newest line and follow new speech again."""
        self._following = True
        self._follow()
        self.jump_button.hide()

    # -- helpers ---------------------------------------------------------------

    def _line(self, turn: Turn) -> CaptionLine:
        return caption_line(turn, mask_profanity=self._mask_profanity)

    def _label_format(self, line: CaptionLine, style: QTextCharFormat) -> QTextCharFormat | None:
        """Call mode: the label in its side's colour (italic like the words); else ``None``."""
        side = self._side_formats.get(line.side)
        if side is None or not line.label:
            return None
        label = QTextCharFormat(side)
        label.setFontItalic(style.fontItalic())
        return label

    def _write_turn(self, cursor: QTextCursor, turn: Turn) -> None:
        line = self._line(turn)
        stamp = f"{format_clock(line.start_ms)}  "
        cursor.insertText(stamp, self._time_format)
        style = self._partial_format if line.provisional else self._text_format
        label = self._label_format(line, style)
        if label is None:
            cursor.insertText(line.display, style)
        else:
            cursor.insertText(line.tag, style)
            cursor.insertText(line.label, label)
            cursor.insertText(line.text, style)
        if line.translation:
            # In the same block (one block per turn: revisions find it by index),
            # on its own line under the words, in the quiet colour.
            cursor.insertText(f"\u2028{' ' * len(stamp)}", self._time_format)
            cursor.insertText(line.translation, self._translation_format)

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

    def _follow(self) -> None:
        # Follow new speech only while following; someone scrolled up to
        # reread keeps their place (and is offered "Jump to latest").
        if self._following:
            bar = self.verticalScrollBar()
            self._scrolling = True
            try:
                bar.setValue(bar.maximum())
            finally:
                self._scrolling = False
        elif self._live:
            self._show_jump_button()

    def _on_range_changed(self, _minimum: int, _maximum: int) -> None:
        # The document grew, or the view got shorter or narrower (a warning
        # appeared, the window was resized): keep the newest line in view.
        self._follow()

    def _on_scrolled(self, _value: int) -> None:
        if self._scrolling:
            return
        self._following = self._at_bottom()
        if self._following:
            self.jump_button.hide()
        elif self._live and self.document().blockCount() > 1:
            self._show_jump_button()

    def _show_jump_button(self) -> None:
        self.jump_button.adjustSize()
        self._place_jump_button()
        self.jump_button.show()
        self.jump_button.raise_()

    def _place_jump_button(self) -> None:
        viewport = self.viewport().geometry()
        size = self.jump_button.sizeHint()
        margin = 8
        self.jump_button.move(
            viewport.right() - size.width() - margin, viewport.bottom() - size.height() - margin
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_jump_button()
        if self._following:
            self._follow()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()

    def _apply_palette(self) -> None:
        """Secondary text (times, the line in progress) as quiet as AA contrast allows.

        Derived from the current palette, so it stays readable when the
        desktop switches between light and dark.  Lines already drawn keep
        their colours until redrawn; a theme switch mid-session is rare.
        """
        base = self.palette().color(QPalette.ColorRole.Base)
        text = self.palette().color(QPalette.ColorRole.Text)
        quiet = muted(text, base)
        self._time_format.setForeground(quiet)
        self._partial_format.setForeground(quiet)
        self._translation_format.setForeground(quiet)
        for side, hue in SIDE_HUES.items():
            fmt = QTextCharFormat()
            fmt.setForeground(readable(hue, base))
            fmt.setFontWeight(QFont.Weight.Bold)
            self._side_formats[side] = fmt
        placeholder = QPalette(self.palette())
        placeholder.setColor(QPalette.ColorRole.PlaceholderText, quiet)
        if placeholder != self.palette():
            self.setPalette(placeholder)
