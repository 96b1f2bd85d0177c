"""The always-on-top caption overlay.

A frameless, translucent window that never takes focus and stays out of the
task bar.  It shows the last finished lines above the in-progress line.  The
in-progress line is rewritten in place: finished paragraphs are laid out once
and cached, the in-progress paragraph is laid out lazily at paint time (so a
burst of partials costs one layout per frame) and only its strip is repainted
while it keeps its height (:mod:`overlay_strip`), the window never changes size,
and text fills its rows from the bottom as broadcast captions do: the newest
words last, older text leaving at the top, only the top row cut at its front
("Them: … words" keeps its label).  The window is kept whole on one screen
whatever the font, lines or screen: lines are dropped, then the font shrunk.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QPointF, QRect, QRectF, Signal
from PySide6.QtGui import QFont, QFontMetricsF, QPainter, QPaintEvent, QResizeEvent

from captioner.core.caption_line import CaptionLine
from captioner.core.settings import Key, Settings
from captioner.ui import overlay_marks as marks
from captioner.ui import overlay_notes
from captioner.ui import overlay_placement as placement
from captioner.ui.overlay_fade import OverlayFade, set_click_through
from captioner.ui.overlay_strip import PaintedStrip, strip_of
from captioner.ui.overlay_style import OverlayStyle, SpeakerColors
from captioner.ui.overlay_text import (
    Paragraph,
    draw_bottom_up,
    draw_box,
    draw_placeholder,
    partial_paragraphs,
    tail_that_fits,
    whole_paragraphs,
)
from captioner.ui.overlay_window import MARGIN, OverlayWindow

__all__ = ["CaptionLine", "CaptionOverlay", "OverlayStyle"]


class CaptionOverlay(OverlayWindow):
    """Always-on-top caption window: finished lines, then the line being spoken.

    Signals:
        lockedChanged(bool): click-through was switched on (True) or off.
        sampleDone(): the user clicked Done on the sample text (placing it before a run).
    """

    lockedChanged = Signal(bool)
    sampleDone = Signal()
    translationDisplayChanged = Signal(str)

    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__(settings)
        solid = overlay_notes.background_solid(self.caps)  # nothing shows through: judged so
        self._style = OverlayStyle.from_settings(settings, solid) if settings else OverlayStyle()
        self._font = QFont()
        self._history: list[Paragraph] = []
        # In call mode both sides can be mid-sentence at once: one line each.
        self._partial_lines: tuple[CaptionLine, ...] = ()
        self._partials: list[Paragraph] = []
        self._partial_dirty = False
        self._painted = PaintedStrip()  # repaint only the lines in progress when possible
        self._placeholder = ""
        self._badge = ""
        # Who has which colour: kept for the session (a new one forgets), whatever the style.
        self.speaker_colors = SpeakerColors(self._style)
        self._locked = False
        self._sample: list[Paragraph] | None = None  # shown instead of captions while placing
        self._done_rect = QRectF()
        self._hint = overlay_notes.unlock_hint(None, self.caps)  # until a global one works
        self._lines_shown = self._style.visible_lines  # fewer when the screen is small
        self._tails: dict[tuple[CaptionLine, int], Paragraph] = {}
        self.partial_layouts = 0  # how many times the in-progress line was laid out
        self._fade = OverlayFade(self, self, self.caps)
        self._fade.fadedOut.connect(self._on_faded_out)
        self._fade.shown.connect(self._apply_input_flag)
        self._stopped = False
        # "both": a translation under its caption; "translation": it replaces it.
        self.translation_display = settings.get(Key.TRANSLATION_DISPLAY) if settings else "both"
        self._translating = bool(settings and settings.get(Key.TRANSLATE_TO).strip())
        self.apply_style(self._style)
        self._restore_geometry()
        if settings is not None and settings.get(Key.OVERLAY_LOCKED):
            self.set_locked(True)

    # -- content -------------------------------------------------------------

    @property
    def history_lines(self) -> int:
        """How many finished lines the overlay shows: the one cut of the history."""
        return self._style.history_lines

    def set_history(self, lines: list[CaptionLine | str]) -> None:
        """Show the last finished lines (the newest ``history_lines``, or one when that is 0)."""
        wanted = [line if isinstance(line, CaptionLine) else CaptionLine(line) for line in lines]
        wanted = [line for line in wanted if line.text.strip()]
        keep = wanted[-max(1, self.history_lines) :]  # 0: the last, until the next begins
        if keep == [p.line for p in self._history]:
            return
        cached = {p.line: p for p in self._history}
        width = self._text_width()
        paint = self.speaker_colors.color_for
        self._history = [cached.get(k) or Paragraph(k, self._font, width, paint(k)) for k in keep]
        self._tails = {k: tail for k, tail in self._tails.items() if k[0] in keep}  # shown only
        self._fade.activity()
        self.update()

    def set_partial(self, text: str, speaker: str | None = None, provisional: bool = False) -> None:
        """Rewrite the in-progress line in place (laid out at the next paint)."""
        line = CaptionLine(text, speaker, finished=False, provisional=provisional)
        self.set_partials([line] if text else [])

    def set_partials(self, lines: list[CaptionLine]) -> None:
        """The in-progress lines, oldest first (one per speaking side in call mode)."""
        wanted = tuple(line for line in lines if line.text)
        if wanted == self._partial_lines:
            return
        self._partial_lines = wanted
        self._partial_dirty = True
        if wanted:
            self._fade.activity()
        self._painted.ask_repaint(self, self._sample is not None)

    def set_placeholder(self, text: str) -> None:
        """A dim hint shown while there is nothing to caption (e.g. "Listening…")."""
        if text != self._placeholder:
            self._placeholder = text
            self.update()

    def set_badge(self, text: str) -> None:
        """A small notice in the corner while captions are interrupted ("Reconnecting…")."""
        if text != self._badge:
            self._badge = text
            self.update()

    def set_translation_display(self, display: str, translating: bool | None = None) -> None:
        """How finished lines show a translation: "both" or "translation" (only).

        While translating with both shown, the box is one line taller per finished
        line, so the history keeps as many captions as the user asked for.
        """
        if translating is not None and translating != self._translating:
            self._translating = translating
            self.apply_style(self._style)
        if display != self.translation_display:
            self.translation_display = display
            self.apply_style(self._style)
            self.translationDisplayChanged.emit(display)

    @property
    def badge(self) -> str:
        return self._badge

    def history_texts(self) -> list[str]:
        return [p.text for p in self._history]

    def partial_text(self) -> str:
        """The in-progress text (several lines joined by a newline in call mode)."""
        return "\n".join(line.display for line in self._partial_lines)

    def visible_text_lines(self) -> list[str]:
        """The text lines actually on screen, top to bottom (for tests and screen readers)."""
        out: list[str] = []
        for paragraph in self._shown_paragraphs():
            out += paragraph.text_lines()
        return out

    @property
    def lines_shown(self) -> int:
        """How many text lines the box holds (fewer than wanted on a small screen)."""
        return self._lines_shown

    @property
    def caption_font(self) -> QFont:
        return QFont(self._font)

    @property
    def lock_hint(self) -> str:
        """The words on the locked overlay, which say how to unlock it."""
        return self._hint

    def set_global_shortcut(self, shortcut: str | None) -> None:
        """The shortcut that unlocks from any application, once it is known to work."""
        self._hint = overlay_notes.unlock_hint(shortcut, self.caps)
        self.update()

    # -- sample text, for placing the overlay before a run ----------------------

    @property
    def showing_sample(self) -> bool:
        return self._sample is not None

    def set_sample(self, on: bool) -> None:
        """Sample captions in place of the real ones, and the mouse accepted even if locked."""
        if on == (self._sample is not None):
            return
        self._sample = [] if on else None
        self._layout_sample()
        self._apply_input_flag()
        if on:
            self._fade.hold()  # shown to be placed: not faded by the last Stop's timer
        self.update()

    def _layout_sample(self) -> None:
        if self._sample is None:
            return
        width = self._text_width()
        paint = SpeakerColors(self._style).color_for  # the sample's voices are not the session's
        lines = marks.sample_lines(movable_by_keys=self.caps.places_windows)
        self._sample = [Paragraph(k, self._font, width, paint(k)) for k in lines]

    # -- style, lock, fade -----------------------------------------------------

    def apply_style(self, style: OverlayStyle) -> None:
        """Restyle live (the settings dialog previews through this)."""
        self._style = style
        self._font = QFont(style.font_family)
        self._font.setPointSizeF(style.font_point_size)
        self._font.setWeight(QFont.Weight.DemiBold)
        self.speaker_colors.restyle(style)  # each speaker keeps their place: no swaps
        self._fit_to(self.available_area())
        self.setFixedHeight(self._content_height())  # never grows with the text
        self._relayout()
        self._fade.set_seconds(style.fade_seconds)
        self.keep_on_screen()
        self.update()

    def _relayout(self) -> None:
        lines = [p.line for p in self._history]
        self._history = []
        self._tails.clear()
        self.set_history(lines)
        self._partial_dirty = True
        self._layout_sample()

    @property
    def style_settings(self) -> OverlayStyle:
        return self._style

    @property
    def locked(self) -> bool:
        return self._locked

    def set_locked(self, locked: bool) -> None:
        """Click-through: mouse input passes to the window below while locked."""
        if locked == self._locked:
            return
        self._locked = locked
        self._apply_input_flag()
        if self._settings is not None:
            self._settings.set(Key.OVERLAY_LOCKED, locked)
        self.update()
        self.lockedChanged.emit(locked)

    def _apply_input_flag(self) -> None:
        """Click-through while locked or faded out, except while the sample is being placed."""
        through = self._locked or self._fade.lets_clicks_through
        set_click_through(self, self.caps, through and self._sample is None)

    def fade_after_stop(self) -> None:
        """Captioning stopped: the last captions fade after a while, unless the user said never."""
        self._stopped = True
        seconds = self._style.stop_fade_seconds
        if seconds > 0 and self._sample is None:
            self._fade.fade_after(seconds)

    def captions_started(self) -> None:
        self._stopped = False
        self._fade.resume()

    def _on_faded_out(self) -> None:
        if self._stopped and self._sample is None:
            # Gone until the next run: an invisible window would still catch clicks.
            self.hide()
            self._fade.show_fully()
        else:  # faded in silence during a run: out of sight, so out of the mouse's way
            self._apply_input_flag()

    @property
    def faded(self) -> bool:
        """True while fading out or faded (after ``fade_seconds`` of no new text)."""
        return self._fade.faded

    # -- geometry ------------------------------------------------------------

    def _line_height(self) -> float:
        return QFontMetricsF(self._font).lineSpacing()

    def _text_width(self) -> float:
        return max(50.0, self.width() - 2 * MARGIN)

    def _top_margin(self) -> int:
        """Room above the text for the lock, badge and Done notices."""
        return max(MARGIN, int(QFontMetricsF(marks.mark_font(self._font)).height()) + 4)

    def _text_bottom(self) -> float:
        """Where the last caption line ends (captions are anchored at the bottom)."""
        return self._top_margin() + self._lines_shown * self._line_height()

    def _content_height(self) -> int:
        return int(self._lines_shown * self._line_height() + self._top_margin() + MARGIN)

    def _refit(self, area: QRect) -> None:
        before = (self._lines_shown, self._font.pointSizeF())
        self._fit_to(area)
        if before != (self._lines_shown, self._font.pointSizeF()):
            self._relayout()

    def _width_percent(self) -> int:
        return self._style.width_percent

    def _set_width_percent(self, percent: int) -> None:
        self._style = replace(self._style, width_percent=percent)

    def _clicked(self, pos: QPointF) -> bool:
        if self._sample is not None and self._done_rect.contains(pos):
            self.sampleDone.emit()
            return True
        return False

    def _fit_to(self, area: QRect) -> None:
        """Fewest lines dropped, then the font shrunk, so the box fits its share of ``area``."""
        self._font.setPointSizeF(self._style.font_point_size)
        below = self._translating and self.translation_display != "translation"
        wanted, margins = self._style.lines_wanted(below), lambda: self._top_margin() + MARGIN
        self._lines_shown = placement.fit(self._font, wanted, margins, area)

    def resizeEvent(self, event: QResizeEvent) -> None:
        if self.width() != self._seen_width:  # not oldSize(): see OverlayWindow.resizeEvent
            width = self._text_width()
            self._history = [Paragraph(p.line, self._font, width, p.color) for p in self._history]
            self._tails.clear()
            self._partial_dirty = True
            self._layout_sample()
        super().resizeEvent(event)

    # -- painting ------------------------------------------------------------

    def _ensure_partial_layout(self) -> None:
        if not self._partial_dirty:
            return
        self._partial_dirty = False
        self._partials = partial_paragraphs(
            self._partial_lines,
            self._font,
            self._text_width(),
            self._lines_shown,
            self.speaker_colors.color_for,
            self._style.in_progress,
        )
        self.partial_layouts += 1

    def _shown_paragraphs(self) -> list[Paragraph]:
        """What is on screen, top to bottom: whole caption lines (see whole_paragraphs)."""
        if self._sample is not None:
            return whole_paragraphs(
                self._sample[:-1], self._sample[-1:], self._lines_shown, self._cut
            )
        self._ensure_partial_layout()
        return whole_paragraphs(self._history, self._partials, self._lines_shown, self._cut)

    def _cut(self, paragraph: Paragraph, budget: int) -> Paragraph:
        key = (paragraph.line, budget)
        if key not in self._tails:
            self._tails[key] = tail_that_fits(
                paragraph.line, self._font, self._text_width(), paragraph.color, budget
            )
        return self._tails[key]

    def paintEvent(self, event: QPaintEvent) -> None:
        strip, bottom = None, self._text_bottom()
        if self._sample is None:
            self._ensure_partial_layout()
            strip = strip_of(self._partials, self.width(), bottom)
        part, shown = self._painted.paint(self, event.rect(), strip, self._shown_paragraphs())
        painter = QPainter(self)
        painter.setOpacity(self._fade.paint_opacity)  # the fade, where it is painted
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        draw_box(painter, QRectF(self.rect()), self._style.background, self._style.solid)
        if part is None or part.top() < self._top_margin():
            self._done_rect = marks.draw_marks(
                painter,
                self._font,
                MARGIN,
                self.width() - MARGIN,
                sample=self._sample is not None,
                locked=self._locked,
                hint=self._hint,
                badge=self._badge,
            )
        if shown:  # whole caption lines, bottom-anchored: the newest words on the last line
            draw_bottom_up(painter, shown, MARGIN, bottom, self._style.outline, part)
        elif self._placeholder:
            text_area = self.rect().adjusted(MARGIN, self._top_margin(), -MARGIN, -MARGIN)
            draw_placeholder(painter, self._font, text_area, self._placeholder)
        painter.end()
