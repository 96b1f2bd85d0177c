"""The main window's live transcript: finished turns, then each line being spoken.

Finished turns are written once; each turn in progress (one per side in call
mode) is a line at the end, rewritten in place on every partial, so a partial
never touches the history (cost does not grow with the session).  The view
keeps the turns it shows as recognised and masks profanity only when drawing
them, so switching the filter rewrites just the lines it affects.  How lines
are laid out in the document, and what a long session costs in memory, is
:mod:`captioner.ui.transcript_lines`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QPalette,
    QResizeEvent,
    QShowEvent,
    QTextCharFormat,
    QTextCursor,
    QWheelEvent,
)
from PySide6.QtWidgets import QApplication, QPlainTextEdit, QToolButton, QWidget

from captioner.core.caption_line import Side
from captioner.ui.contrast import muted, readable
from captioner.ui.line_styles import LineStyles, format_clock
from captioner.ui.text_size import TextSize
from captioner.ui.transcript_lines import TranscriptLines

if TYPE_CHECKING:
    from captioner.core.transcript import Turn

# The transcript is read, the controls around it only glanced at: a size above theirs.
TEXT_SCALE = 1.25

__all__ = ["IDLE_PLACEHOLDER", "LIVE_KEEP", "LIVE_PACK", "TranscriptView", "format_clock"]

IDLE_PLACEHOLDER = "Captions appear here. Pick an input and press Start."
# In call mode each side's label has its own hue (as on the overlay); the
# exact shade is chosen per palette so it reads at AA on light and dark themes.
SIDE_HUES = {Side.MIC: QColor("#1f6fb2"), Side.SYSTEM: QColor("#b35c00")}
# The live view: older turns folded this many to a block, and at most this many
# turns in the document (about 2 MB); the rest are in Sessions and exports.
LIVE_PACK = 20
LIVE_KEEP = 5000


class TranscriptView(QPlainTextEdit):
    """Read-only live transcript that keeps up with speech without redrawing history.

    ``live``: the main window's view (follows new speech, offers "Jump to
    latest", folds and drops old lines past ``keep``); otherwise one block
    per turn, all kept, as the Sessions window maps turns to blocks.
    """

    def __init__(
        self, parent: QWidget | None = None, *, live: bool = True, keep: int | None = LIVE_KEEP
    ) -> None:
        super().__init__(parent)
        area = _text_area(self)
        self.setViewport(area)
        # The text layout measures fonts on the viewport Qt made, which setViewport
        # deletes without telling it: the next font change would crash.
        self.document().documentLayout().setPaintDevice(area)
        self.setReadOnly(True)
        # Nothing is ever undone here, and with undo on the document keeps every
        # removed partial's text and an undo record per edit (~0.5 KB a turn).
        self.setUndoRedoEnabled(False)
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
        font.setPointSizeF(font.pointSizeF() * TEXT_SCALE)
        self.setFont(font)
        self._styles = styles = LineStyles()
        styles.time.setFontFamilies(["monospace"])
        styles.partial.setFontItalic(True)
        styles.notice.setFontItalic(True)
        # A line's translation, a size smaller than the words: relative, so that
        # it follows the text size (a point size of its own would stay put).
        styles.translation.setProperty(QTextCharFormat.Property.FontSizeAdjustment, -1)
        self.text_size = TextSize(self)  # View ▸ Larger text, Ctrl+wheel
        self._font_window: QWidget | None = None  # told when the desktop's font changes
        self._lines = TranscriptLines(
            self.document(),
            styles,
            pack=LIVE_PACK if live else None,
            keep=keep if live else None,
        )
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
        self.selectionChanged.connect(self._on_selection_changed)
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
        """Turn ``index`` of the session finished: it goes in there, its partial line goes."""
        with self._selection_kept():
            self._lines.insert(index, turn)
            if self._following:
                # Old lines are folded or dropped only while the reader is not
                # looking at them: nothing moves under someone rereading.
                self._lines.settle()
        self._follow()

    def revise_turn(self, index: int, turn: Turn) -> None:
        """Replace a finished turn's text (a formatted final, a translation, a speaker)."""
        with self._selection_kept():
            self._lines.revise(index, turn)

    def show_partial(self, turn: Turn | None) -> None:
        """Rewrite ``turn``'s in-progress line; others stay (call mode: each side has one).

        A turn without text takes its line away; ``None`` takes them all away.
        """
        with self._selection_kept():
            if turn is None:
                self._lines.clear_partials()
            else:
                self._lines.set_partial(turn)
        self._follow()

    def set_mask_profanity(self, mask: bool) -> None:
        """Switch the profanity filter; only the lines it changes are rewritten."""
        with self._selection_kept():
            self._lines.set_mask(mask)

    @property
    def mask_profanity(self) -> bool:
        return self._lines.mask_profanity

    def partial_text(self) -> str:
        """The lines in progress, one per line."""
        return "\n".join(self._lines.partial_texts())

    def partial_texts(self) -> list[str]:
        return self._lines.partial_texts()

    def finished_texts(self) -> list[str]:
        """The finished turns in the document (the newest :data:`LIVE_KEEP` in a live view)."""
        return self._lines.finished_texts()

    @property
    def earlier_lines(self) -> int:
        """Finished turns of the session no longer in the document (see the first line)."""
        return self._lines.earlier

    def clear_transcript(self) -> None:
        self._lines.clear()
        self._following = True
        self.jump_button.hide()

    @property
    def following(self) -> bool:
        """Whether new lines scroll into view (the reader has not scrolled up or selected)."""
        return self._following

    def jump_to_latest(self) -> None:
        """Show the newest line and follow new speech again (a selection is let go)."""
        cursor = self.textCursor()
        if cursor.hasSelection():
            cursor.clearSelection()
            self.setTextCursor(cursor)
        self._following = True
        self._follow()
        self.jump_button.hide()

    # -- helpers ---------------------------------------------------------------

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
        self._following = self._at_bottom() and not self.textCursor().hasSelection()
        if self._following:
            self.jump_button.hide()
        else:
            self._offer_jump()

    def _on_selection_changed(self) -> None:
        # A selection holds the view as scrolling up does: the lines being
        # selected (or copied) stay where they are while speech goes on.
        if self.textCursor().hasSelection():
            self._following = False
            self._offer_jump()
        elif not self._following and self._at_bottom():
            self.jump_to_latest()

    @contextmanager
    def _selection_kept(self) -> Iterator[None]:
        """Keep the reader's selection to the text they selected while lines are written.

        Qt moves a cursor standing where text is inserted along with it, and
        new lines (and a line in progress growing) are written exactly where
        a selection of the newest lines ends: it grew with every line, and
        Ctrl+C copied lines nobody selected.  Two cursors follow the
        selection's ends through the edit, the end one staying put on an
        insert at it (the start one moving on, past a line slotted in before
        it); the view's cursor is set back to them, without scrolling.
        """
        selected = self.textCursor()
        if not selected.hasSelection():
            yield
            return
        start, end = QTextCursor(self.document()), QTextCursor(self.document())
        start.setPosition(selected.selectionStart())
        end.setPosition(selected.selectionEnd())
        end.setKeepPositionOnInsert(True)
        backward = selected.position() < selected.anchor()
        try:
            yield
        finally:
            first, last = start.position(), max(start.position(), end.position())
            anchor, position = (last, first) if backward else (first, last)
            now = self.textCursor()
            if (now.anchor(), now.position()) != (anchor, position):
                now.setPosition(anchor)
                now.setPosition(position, QTextCursor.MoveMode.KeepAnchor)
                bar = self.verticalScrollBar()
                value = bar.value()
                self._scrolling = True  # setTextCursor shows the cursor: stay where we are
                try:
                    self.setTextCursor(now)
                    bar.setValue(value)
                finally:
                    self._scrolling = False

    def _offer_jump(self) -> None:
        """The reader left the newest line (scrolled up, selected): offer the way back,
        in a live view with lines to leave (a past session has no "latest")."""
        if self._live and self.document().blockCount() > 1:
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

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.text_size.wheel(event)  # not Qt's own zoom (a point at a time, forgotten)
        else:
            super().wheelEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._opaque_viewport()  # the style sheet has polished the view by now
        window = self.window()
        if window is not self and window is not self._font_window:
            window.installEventFilter(self)  # see eventFilter; a view is in one window
            self._font_window = window

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()
        if event.type() == QEvent.Type.StyleChange:
            self._opaque_viewport()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The desktop's font changed (made larger in its settings) while the app runs.

        The labels follow by themselves, but this view's font is its own (a size
        above theirs), so it kept the old size and read smaller than they did.
        Qt tells only windows (``ApplicationFontChange``), hence a filter on ours.
        """
        if event.type() == QEvent.Type.ApplicationFontChange:
            font = QApplication.font(self)
            font.setPointSizeF(font.pointSizeF() * TEXT_SCALE)
            self.text_size.set_base_font(font)
        return False

    def _opaque_viewport(self) -> None:
        """Let the text area paint alone, as it does without a style sheet (issue 14).

        A style-sheet rule for the view (our border and focus ring) makes Qt's
        style stop filling the viewport's background; Qt must then paint the
        window, the central widget and the view's frame under it on every
        partial, three paints more each time the line in progress grows.  The
        viewport lies inside the border and padding, so filling it with the
        palette's Base, as a plain text view does, changes nothing on screen.
        """
        viewport = self.viewport()
        if not viewport.autoFillBackground():
            viewport.setAutoFillBackground(True)

    def _apply_palette(self) -> None:
        """Secondary text (times, the line in progress) as quiet as AA contrast allows.

        Derived from the current palette, so it stays readable when the
        desktop switches between light and dark.  Lines already drawn keep
        their colours until redrawn; a theme switch mid-session is rare.
        """
        base = self.palette().color(QPalette.ColorRole.Base)
        text = self.palette().color(QPalette.ColorRole.Text)
        quiet = muted(text, base)
        styles = self._styles
        for quiet_format in (styles.time, styles.partial, styles.translation, styles.notice):
            quiet_format.setForeground(quiet)
        for side, hue in SIDE_HUES.items():
            fmt = QTextCharFormat()
            fmt.setForeground(readable(hue, base))
            fmt.setFontWeight(QFont.Weight.Bold)
            styles.sides[side] = fmt
        placeholder = QPalette(self.palette())
        placeholder.setColor(QPalette.ColorRole.PlaceholderText, quiet)
        if placeholder != self.palette():
            self.setPalette(placeholder)


def _text_area(view: QPlainTextEdit) -> QWidget:
    """A viewport made here, as Qt makes its own (name, Base background, I-beam).

    PySide wraps the first ``QWidget*`` that C++ hands back without a Python
    object by looking through every QtWidgets class, which builds ~60 Python
    enum classes (QWizard's, QFileDialog's…): 8-15 ms before the main window's
    first paint when it was the view's own viewport (issue 14).  A viewport
    made in Python is already wrapped, so ``viewport()`` costs nothing.
    """
    area = QWidget(view)  # owned by the view from the start, for PySide too
    area.setObjectName("qt_scrollarea_viewport")
    area.setBackgroundRole(QPalette.ColorRole.Base)
    area.setAutoFillBackground(True)
    area.setCursor(Qt.CursorShape.IBeamCursor)
    area.setAcceptDrops(True)  # as Qt's (the view refuses drops: it is read-only)
    return area
