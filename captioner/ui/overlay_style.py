"""How captions look on the overlay: the style and each speaker's colour.

Kept apart from the widget so the settings dialog can build styles without
the painting code.  The lines themselves are
:class:`captioner.core.caption_line.CaptionLine`, shared with every view.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache

from PySide6.QtGui import QColor

from captioner.core.caption_line import CaptionLine, Side
from captioner.core.settings import Key, Settings
from captioner.ui import contrast
from captioner.ui.contrast import TARGET, readable, relative_luminance

log = logging.getLogger(__name__)

# Below this the captions are unreadable on their own background (WCAG's floor
# for large text is 3:1); such a stored pair is shown white or black instead.
MIN_CONTRAST = 3.0

# The least a speaker colour reads at: the caption text's floor, with a margin
# (as :data:`contrast.TARGET` has) for rounding to 8-bit channels.
FLOOR = MIN_CONTRAST + 0.2

# Colours for the speakers after the first (who takes the caption colour): one
# set of light hues for dark backgrounds, and the same hue families dark for
# light ones (amber, blue, green, pink, purple), so a speaker's colour keeps
# its family when the background is changed.  Both read at 5:1 or more on
# black and white; :func:`speaker_palette` adjusts them to the background.
SPEAKER_COLORS = ("#ffd54f", "#80deea", "#a5d6a7", "#f48fb1", "#ce93d8")
SPEAKER_COLORS_ON_LIGHT = ("#8d5a00", "#1565c0", "#2e7d32", "#ad1457", "#6a1b9a")

# A speaker colour this close to the caption colour (RGB distance, 0-441) would
# look like it: a user who chose amber text does not get an amber speaker too.
TOO_CLOSE = 80.0


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
    # X11 without a compositor: nothing shows through the background (see as_seen).
    solid: bool = False

    @property
    def seen_background(self) -> QColor:
        """The background as the screen shows it (see :func:`as_seen`)."""
        return as_seen(self.background, self.solid)

    @property
    def visible_lines(self) -> int:
        # the finished lines plus one for the line being spoken (two when no history)
        return max(2, self.history_lines + 1)

    def lines_wanted(self, translations_below: bool) -> int:
        """Rows for the text: one more per finished line when its translation is under it."""
        return self.visible_lines + (self.history_lines if translations_below else 0)

    def in_progress(self, color: QColor) -> QColor:
        """``color`` (a speaker's, or the caption colour) dimmed for words that may change.

        Dimmer, so readers know; but the line being spoken is what a deaf reader
        reads most of the time, so never below 4.5:1 on the background (a speaker
        colour at 5:1 on white read 3.4:1 once dimmed): less dimming then, none
        when the colour itself reads no better than that.
        """
        return QColor.fromRgba(_dimmed(color.rgba(), self.seen_background.rgba()))

    @property
    def stop_fade_seconds(self) -> int:
        """How long the last captions stay after Stop (0: until the next Start)."""
        if not self.fade_after_stop:
            return 0
        return self.fade_seconds or STOP_FADE_SECONDS

    @classmethod
    def from_settings(cls, settings: Settings, solid: bool = False) -> OverlayStyle:
        """The stored style; ``solid``: nothing shows through (X11 without a compositor)."""
        background = QColor(settings.get(Key.OVERLAY_BACKGROUND_COLOR))
        background.setAlphaF(settings.get(Key.OVERLAY_OPACITY) / 100)
        text = QColor(settings.get(Key.OVERLAY_TEXT_COLOR))
        seen = as_seen(background, solid)
        readable = readable_text_color(text, seen)
        if readable != text:
            log.warning(
                "Caption text colour %s on background %s (shown as %s) has a contrast of "
                "%.1f:1; showing %s text instead",
                text.name(),
                background.name(),
                seen.name(),
                contrast_ratio(text, seen),
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
            solid=solid,
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


def as_seen(background: QColor, solid: bool) -> QColor:
    """``background`` as the screen shows it; opaque when ``solid``.

    An X11 desktop without a compositor shows a translucent window's pixels as
    they are, and Qt paints them premultiplied: the colour blended over black,
    whatever is behind (measured on Xvfb with openbox: white at 20 % shows
    #333333, at 50 % #808080).  With a compositor what shows through is not
    known here: ``background`` is returned as it is, its opacity with it.
    """
    if not solid:
        return QColor(background)
    rgb, alpha = background.toRgb(), background.alphaF()
    return QColor.fromRgbF(rgb.redF() * alpha, rgb.greenF() * alpha, rgb.blueF() * alpha)


def contrast_ratio(first: QColor, second: QColor) -> float:
    """WCAG contrast of two opaque colours (1 to 21; alpha is not looked at)."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable_text_color(text: QColor, background: QColor) -> QColor:
    """``text``, or white/black when ``text`` is invalid or unreadable on ``background``.

    A nearly transparent background shows whatever is behind the overlay, so
    only a background of at least 50 % opacity is held against the text.  Without
    a compositor nothing shows through: pass the colour :func:`as_seen` gives,
    which is opaque, and the text is held against that whatever the opacity.
    """
    if text.isValid() and (
        background.alphaF() < 0.5 or contrast_ratio(text, background) >= MIN_CONTRAST
    ):
        return QColor(text)
    white, black = QColor("#ffffff"), QColor("#000000")
    if contrast_ratio(white, background) >= contrast_ratio(black, background):
        return white
    return black


def speaker_palette(style: OverlayStyle) -> list[QColor]:
    """The colours speakers take, in order: the caption colour first, then hues.

    Each hue is darkened or lightened until it reads on the background
    (:func:`contrast.readable`): at 5:1 (WCAG AA with a margin) when the hue
    still looks unlike the others there, else at the caption text's own floor,
    :data:`MIN_CONTRAST` (a mid-grey background leaves little room for hues
    at AA: they all end near black).  Measured as the caption text rule
    measures: against the background's own colour, whatever its opacity
    (without a compositor, the colour the screen shows: :func:`as_seen`);
    below 50 % the desktop shows through and nothing can be promised for any
    colour, but the background still says whether captions should be dark or
    light (the outline is what keeps them legible there).  A hue that would
    look like the caption colour gives way to white (black on a light
    background); one that cannot be told apart at all is left out.
    """
    background = style.seen_background  # opaque already without a compositor
    background.setAlphaF(1.0)
    light = relative_luminance(background) > 0.18  # where black and white read equally
    hues = SPEAKER_COLORS_ON_LIGHT if light else SPEAKER_COLORS
    spare = QColor("#000000" if light else "#ffffff")  # the usual caption colour there
    text = style.text_color
    palette = [QColor(text)]
    for hue in hues:
        tries = [readable(QColor(hue), background, least) for least in (TARGET, FLOOR)]
        # the spare in its slot, so the speakers after it keep theirs
        distinct = [c for c in [*tries, spare] if _apart(c, palette)]
        if distinct:
            palette.append(distinct[0])
    return palette


def _apart(color: QColor, palette: list[QColor]) -> bool:
    """``color`` looks unlike the caption colour (``palette[0]``) and the other speakers'.

    The hues are a little closer to one another than to white or black (pink
    and purple); two that a background pushed to the same dark or light end
    are not.
    """
    text, *others = palette
    return _distance(color, text) >= TOO_CLOSE and all(
        _distance(color, other) >= TOO_CLOSE / 2 for other in others
    )


def _distance(first: QColor, second: QColor) -> float:
    return (
        (first.red() - second.red()) ** 2
        + (first.green() - second.green()) ** 2
        + (first.blue() - second.blue()) ** 2
    ) ** 0.5


class SpeakerColors:
    """A colour per speaker for a whole session, whatever the style does meanwhile.

    Voices (see :attr:`CaptionLine.voice`: "Them", "Them (B)", a diarized "A")
    are numbered in the order they first speak, and a voice's number picks its
    colour from the style's :func:`speaker_palette`.  A style change (a font
    size tried in the Captions dialog, the translation display) repaints each
    voice in its own slot of the new palette, so no two speakers ever swap;
    only a new session (:meth:`forget`) numbers them afresh.

    The first diarized speaker takes the caption colour, as unlabelled lines
    do.  In a call that colour is the local side's ("You", however many speak
    at the microphone), so the remote voices take the hues after it.
    """

    def __init__(self, style: OverlayStyle) -> None:
        self._order: dict[str, int] = {}
        self._palette: list[QColor] = []
        self.restyle(style)

    def restyle(self, style: OverlayStyle) -> None:
        """The colours of ``style``; every voice keeps its place in them."""
        self._palette = speaker_palette(style)

    def forget(self) -> None:
        """A new session: its speakers are numbered from the first again."""
        self._order.clear()

    def color_for(self, line: CaptionLine) -> QColor:
        voice = line.voice
        if voice is None:
            return self._palette[0]
        number = self._order.setdefault(voice, len(self._order))
        if line.side is Side.NONE:
            return self._palette[number % len(self._palette)]
        hues = self._palette[1:] or self._palette  # never the local side's colour
        return hues[number % len(hues)]


DIMMED = 0.78  # the opacity of words in progress, where the contrast allows it
IN_PROGRESS_CONTRAST = 4.5  # WCAG AA for text


@lru_cache(maxsize=64)
def _dimmed(color_rgba: int, background_rgba: int) -> int:
    """See :meth:`OverlayStyle.in_progress` (measured on the background at full opacity)."""
    background = QColor.fromRgba(background_rgba)
    background.setAlphaF(1.0)
    color = QColor.fromRgba(color_rgba)
    floor = min(IN_PROGRESS_CONTRAST, contrast.contrast_ratio(color, background))
    for step in range(23):  # 0.78, 0.79, … 1.0
        color.setAlphaF(min(1.0, DIMMED + step / 100))
        if contrast.contrast_ratio(color, background) >= floor - 0.01:
            break
    return color.rgba()
