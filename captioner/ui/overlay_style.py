"""How captions look on the overlay: the style and each speaker's colour.

Kept apart from the widget so the settings dialog can build styles without
the painting code.  The lines themselves are
:class:`captioner.core.caption_line.CaptionLine`, shared with every view.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from PySide6.QtGui import QColor

from captioner.core.caption_line import CaptionLine
from captioner.core.settings import Key, Settings

log = logging.getLogger(__name__)

# Below this the captions are unreadable on their own background (WCAG's floor
# for large text is 3:1); such a stored pair is shown white or black instead.
MIN_CONTRAST = 3.0

# Distinct, high-contrast colours for labelled lines (You / Them / Them (B)…),
# all legible on the dark background (WCAG AA against #000 at 85 %).
SPEAKER_COLORS = ("#ffffff", "#ffd54f", "#80deea", "#a5d6a7", "#f48fb1", "#ce93d8")


@dataclass
class OverlayStyle:
    """How captions look; high contrast by default (white on 85 % black)."""

    font_family: str = "Sans Serif"
    font_point_size: int = 22
    text_color: QColor = field(default_factory=lambda: QColor("#ffffff"))
    background: QColor = field(default_factory=lambda: QColor(0, 0, 0, 217))
    history_lines: int = 2
    width_percent: int = 70
    outline: bool = True
    fade_seconds: int = 0
    fade_after_stop: bool = True  # the last captions fade once captioning stops

    @property
    def visible_lines(self) -> int:
        # the finished lines plus one for the line being spoken (two when no history)
        return max(2, self.history_lines + 1)

    @property
    def partial_color(self) -> QColor:
        # In-progress words are dimmer: readers know they may still change.
        color = QColor(self.text_color)
        color.setAlphaF(0.78)
        return color

    @property
    def stop_fade_seconds(self) -> int:
        """How long the last captions stay after Stop (0: until the next Start)."""
        if not self.fade_after_stop:
            return 0
        return self.fade_seconds or STOP_FADE_SECONDS

    @classmethod
    def from_settings(cls, settings: Settings) -> OverlayStyle:
        background = QColor(settings.get(Key.OVERLAY_BACKGROUND_COLOR))
        background.setAlphaF(settings.get(Key.OVERLAY_OPACITY) / 100)
        text = QColor(settings.get(Key.OVERLAY_TEXT_COLOR))
        readable = readable_text_color(text, background)
        if readable != text:
            log.warning(
                "Caption text colour %s on background %s has a contrast of %.1f:1; "
                "showing %s text instead",
                text.name(),
                background.name(),
                contrast_ratio(text, background),
                readable.name(),
            )
        return cls(
            font_family=settings.get(Key.OVERLAY_FONT_FAMILY),
            font_point_size=settings.get(Key.OVERLAY_FONT_SIZE),
            text_color=readable,
            background=background,
            history_lines=settings.get(Key.OVERLAY_HISTORY_LINES),
            width_percent=settings.get(Key.OVERLAY_WIDTH_PERCENT),
            outline=settings.get(Key.OVERLAY_OUTLINE),
            fade_seconds=settings.get(Key.OVERLAY_FADE_SECONDS),
            fade_after_stop=fade_after_stop(settings),
        )


# After Stop, without a "fade out after" choice, the last captions stay this long.
STOP_FADE_SECONDS = 8


def fade_after_stop(settings: Settings) -> bool:
    """Whether the overlay fades after Stop; off for people who had explicitly chosen "Never".

    Before this switch existed, "Fade out after: Never" was the only say people
    had, and it was written to the file only by the dialog's OK: a stored 0
    is such a choice, and it keeps the captions on screen after Stop too.
    """
    if settings.is_stored(Key.OVERLAY_FADE_AFTER_STOP):
        return bool(settings.get(Key.OVERLAY_FADE_AFTER_STOP))
    chose_never = settings.is_stored(Key.OVERLAY_FADE_SECONDS) and not settings.get(
        Key.OVERLAY_FADE_SECONDS
    )
    return not chose_never


def _luminance(color: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(color.redF())
        + 0.7152 * channel(color.greenF())
        + 0.0722 * channel(color.blueF())
    )


def contrast_ratio(first: QColor, second: QColor) -> float:
    """WCAG contrast of two opaque colours (1 to 21)."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable_text_color(text: QColor, background: QColor) -> QColor:
    """``text``, or white/black when ``text`` is invalid or unreadable on ``background``.

    A nearly transparent background shows whatever is behind the overlay, so
    only a background of at least 50 % opacity is held against the text.
    """
    if text.isValid() and (
        background.alphaF() < 0.5 or contrast_ratio(text, background) >= MIN_CONTRAST
    ):
        return QColor(text)
    white, black = QColor("#ffffff"), QColor("#000000")
    if contrast_ratio(white, background) >= contrast_ratio(black, background):
        return white
    return black


class SpeakerColors:
    """A colour per speaker for a whole session, whatever the style does meanwhile.

    The local side of a call and unlabelled lines are always the text colour;
    every other voice (see :attr:`CaptionLine.voice`: "Them", "Them (B)", a
    diarized "A") is numbered in the order it first speaks, and its number
    picks its colour.  A style change (a font size tried in the Captions
    dialog, the translation display) repaints each voice in its own colour,
    so no two speakers ever swap; only a new session (:meth:`forget`) numbers
    them afresh.
    """

    def __init__(self, style: OverlayStyle) -> None:
        self._order: dict[str, int] = {}
        self.restyle(style)

    def restyle(self, style: OverlayStyle) -> None:
        """The colours of ``style``; every voice keeps its place in them."""
        self._style = style

    def forget(self) -> None:
        """A new session: its speakers are numbered from the first again."""
        self._order.clear()

    def color_for(self, line: CaptionLine) -> QColor:
        voice = line.voice
        if voice is None:
            return self._style.text_color
        number = self._order.setdefault(voice, len(self._order))
        palette = [QColor(c) for c in SPEAKER_COLORS]
        return palette[1 + number % (len(palette) - 1)]  # never the local colour
