"""Caption lines laid out for the overlay: wrapped once, re-laid-out only when they change.

A finished line is laid out when it arrives and cached; only the line being
spoken is laid out again, at paint time.  A labelled line too long for its
share of the box keeps its label and shows "… newest words"; so does the
oldest line shown, at the top, cut to the rows the newer ones leave.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, QTextBoundaryFinder
from PySide6.QtGui import QColor, QFont, QPainter, QTextLayout, QTextOption

from captioner.core.caption_line import CaptionLine

# A translation under its caption: this much of the caption's size and opacity,
# so the eye tells the two apart and the original stays the main line.
TRANSLATION_SCALE = 0.78
TRANSLATION_OPACITY = 0.82


def text_direction(text: str) -> Qt.LayoutDirection:
    """The direction of ``text``'s first letter (Unicode's rule P2), left to right if none.

    Taken from a caption's words, never its label: "Them: שלום" is a Hebrew
    line, set right to left with "Them:" at its right, where its reader starts.
    """
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return Qt.LayoutDirection.LeftToRight
        if kind in ("R", "AL"):
            return Qt.LayoutDirection.RightToLeft
    return Qt.LayoutDirection.LeftToRight


def _laid_out(
    text: str, font: QFont, width: float, direction: Qt.LayoutDirection
) -> tuple[QTextLayout, float]:
    layout = QTextLayout(text, font)
    # Keep the shaped glyphs: without this Qt throws them away after the layout
    # and again after each draw, so every paint (five draws with the outline)
    # shaped the line again.
    layout.setCacheEnabled(True)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    # Hebrew or Arabic is aligned right, as text editors do (a QTextLayout does
    # not mirror its alignment by itself): a caption starts where it is read from.
    option.setTextDirection(direction)
    rtl = direction == Qt.LayoutDirection.RightToLeft
    option.setAlignment(Qt.AlignmentFlag.AlignRight if rtl else Qt.AlignmentFlag.AlignLeft)
    layout.setTextOption(option)
    layout.beginLayout()
    y = 0.0
    while True:
        text_line = layout.createLine()
        if not text_line.isValid():
            break
        text_line.setLineWidth(width)
        text_line.setPosition(QPointF(0, y))
        y += text_line.height()
    layout.endLayout()
    return layout, y


class Paragraph:
    """One laid-out caption line in its colour, and its height at the given width.

    A line with a translation carries it as a second, smaller and dimmer
    layout under the first; both move and are cut together (whole lines only).
    Each is set in the direction of its own words (``direction`` for the
    caption once cut: "… 2024 Zoom" of an Arabic line stays an Arabic line).
    """

    def __init__(
        self,
        line: CaptionLine,
        font: QFont,
        width: float,
        color: QColor,
        direction: Qt.LayoutDirection | None = None,
    ) -> None:
        self.line = line
        self.text = line.display
        self.color = color
        if direction is None:
            direction = text_direction(line.text)
        self.layout, self.height = _laid_out(self.text, font, width, direction)
        self.line_count = self.layout.lineCount()
        self.sub: QTextLayout | None = None
        self.sub_color = QColor(color)
        self.sub_color.setAlphaF(color.alphaF() * TRANSLATION_OPACITY)
        self.sub_top = self.height
        if line.translation:
            small = QFont(font)
            small.setPointSizeF(max(6.0, font.pointSizeF() * TRANSLATION_SCALE))
            small.setItalic(True)  # told apart from the (dimmer) line being spoken
            where = text_direction(line.translation)
            self.sub, sub_height = _laid_out(line.translation, small, width, where)
            self.height += sub_height
            self.line_count += self.sub.lineCount()

    def draw(self, painter: QPainter, at: QPointF, halo: QColor | None = None) -> None:
        """Paint the caption (and its translation under it); ``halo``: one colour for both."""
        painter.setPen(halo or self.color)
        self.layout.draw(painter, at)
        if self.sub is not None:
            painter.setPen(halo or self.sub_color)
            self.sub.draw(painter, at + QPointF(0, self.sub_top))

    def text_lines(self) -> list[str]:
        """The text of each line on screen, top to bottom (original, then translation)."""
        out = []
        for layout, text in ((self.layout, self.text), (self.sub, self.line.translation)):
            units = text.encode("utf-16-le")  # Qt counts UTF-16 units: an emoji is two
            for i in range(layout.lineCount() if layout is not None else 0):
                line = layout.lineAt(i)  # type: ignore[union-attr]
                start, end = line.textStart(), line.textStart() + line.textLength()
                shown = units[2 * start : 2 * end].decode("utf-16-le")
                out.append(shown.replace(WORD_JOINER, "").strip())
        return out


WORD_JOINER = "\u2060"  # invisible: no line break on either side


def _cuts(text: str, kind: QTextBoundaryFinder.BoundaryType) -> list[int]:
    """Where ``text`` may be cut, as Python indexes, ascending, past its start.

    Qt finds the boundaries (Unicode's rules: a line may break between words,
    or between any two ideographs; a grapheme keeps an accent or an emoji
    whole) but counts UTF-16 units, where an emoji or a rare ideograph is two.
    """
    finder = QTextBoundaryFinder(kind, text)
    found = []
    while (at := finder.toNextBoundary()) != -1:
        found.append(at)
    if len(text.encode("utf-16-le")) != 2 * len(text):  # beyond the BMP: map the units
        index_of, unit = {}, 0
        for i, char in enumerate(text):
            index_of[unit] = i
            unit += 2 if ord(char) > 0xFFFF else 1
        found = [index_of.get(at, 0) for at in found]
    return [at for at in found if 0 < at < len(text)]  # neither end is a cut


def _earliest(cuts: list[int], fits: Callable[[int], bool]) -> int | None:
    """The first of ``cuts`` from which the rest ``fits`` (a later cut leaves less to fit)."""
    low, high = 0, len(cuts)
    while low < high:
        mid = (low + high) // 2
        if fits(cuts[mid]):
            high = mid
        else:
            low = mid + 1
    return cuts[low] if low < len(cuts) else None


def tail_that_fits(
    line: CaptionLine, font: QFont, width: float, color: QColor, budget: int
) -> Paragraph:
    """``line`` cut at the front ("… rest") so that it takes at most ``budget`` lines.

    Cut where a line may break: between words in English, between characters
    in Chinese or Japanese, which have no spaces (cutting only at spaces left
    a long Japanese line, or a URL, as a bare "…").  When even the last word
    is too wide for the box (a URL, a huge font on a small screen), its last
    letters, never half of an accented letter or an emoji.
    """
    if Paragraph(replace(line, text="…"), font, width, color).line_count > budget:
        line = replace(line, translation="")  # no room for both: the original, cut
        whole = Paragraph(line, font, width, color)
        if whole.line_count <= budget:  # without its translation, the caption fits
            return whole
    text = " ".join(line.text.split())
    direction = text_direction(text)  # the mark goes where the line is read from

    def cut_at(at: int) -> Paragraph:
        # "… words"; "…文字" joined (a word joiner), as a line never starts
        # with the rest of a word too long for it, leaving "…" alone above.
        mark = "… " if at > 0 and text[at - 1] == " " else "…" + WORD_JOINER
        return Paragraph(replace(line, text=mark + text[at:]), font, width, color, direction)

    def fits(at: int) -> bool:
        return cut_at(at).line_count <= budget

    breaks = _cuts(text, QTextBoundaryFinder.BoundaryType.Line)
    at = _earliest(breaks, fits)
    if at is None:  # the last word alone is too wide: its last letters
        last = breaks[-1] if breaks else 0
        letters = [g for g in _cuts(text, QTextBoundaryFinder.BoundaryType.Grapheme) if g > last]
        at = _earliest(letters, fits)
        if at is None and (line.speaker or line.mark):
            # "Them: …" and a letter are wider than the box (a huge font on a
            # small screen): the label goes, the speaker's colour still says
            # who, rather than the label painted above the box, cut off.
            bare = replace(line, speaker=None, provisional=False, recovered=False)
            return tail_that_fits(bare, font, width, color, budget)
        if at is None:
            at = letters[-1] if letters else last
    return cut_at(at)


def shares(needs: list[int], rows: int) -> list[int]:
    """``rows`` split between sides needing ``needs`` rows (oldest first), none left empty.

    Each side gets an even share at least, or all it needs when that is less
    (what it leaves goes to the others); the rows an even split leaves over
    go to the newest sides, whose words are read now.  With fewer rows than
    sides, the newest get one each and the others wait for room.  (Shares of
    ``rows // sides`` left a three-row box showing two "… words" rows over an
    empty one.)
    """
    out = [0] * len(needs)
    waiting = list(range(len(needs)))
    while waiting:
        even = rows // len(waiting)
        modest = [i for i in waiting if needs[i] <= even]
        if not modest:
            spare = rows - even * len(waiting)
            for k, i in enumerate(waiting):
                out[i] = even + (1 if k >= len(waiting) - spare else 0)
            break
        for i in modest:
            out[i] = needs[i]
            rows -= needs[i]
            waiting.remove(i)
    return out


def partial_paragraphs(
    lines: tuple[CaptionLine, ...],
    font: QFont,
    width: float,
    lines_shown: int,
    color_for: Callable[[CaptionLine], QColor],
    in_progress: Callable[[QColor], QColor],
) -> list[Paragraph]:
    """The lines being spoken, laid out, each cut to its part of ``lines_shown``.

    Several sides mid-sentence share the box (see :func:`shares`); a labelled
    line that does not fit shows "Them: … newest words" so the label is never
    scrolled off.  Lines of one side (the offline engine's last line waits
    for its final text while the next is spoken) fill its rows from the
    newest up, as finished lines do: only the oldest shown is cut.  A line is
    drawn in its speaker's colour (the caption colour when it has no voice of
    its own), a little transparent, so it reads as not final yet
    (``in_progress``: :meth:`OverlayStyle.in_progress`).  Nothing is lost to
    a side that waits: the main window's transcript shows every side.
    """
    rows = max(1, lines_shown)
    lines = lines[-rows:]  # each takes a row at least
    laid = [Paragraph(line, font, width, in_progress(color_for(line))) for line in lines]
    sides: dict[tuple[object, ...], list[int]] = {}
    for i, line in enumerate(lines):
        key = (line.side, line.speaker)
        sides[key] = [*sides.pop(key, []), i]  # re-inserted: sides in order of their newest
    groups = list(sides.values())
    out: dict[int, Paragraph] = {}
    for group, share in zip(
        groups, shares([sum(laid[i].line_count for i in g) for g in groups], rows), strict=True
    ):
        for i in reversed(group):
            if share <= 0:
                break
            paragraph = laid[i]
            if paragraph.line_count > share:
                paragraph = tail_that_fits(lines[i], font, width, paragraph.color, share)
            out[i] = paragraph
            share -= paragraph.line_count
    return [out[i] for i in sorted(out)]


HALO_PX = 1.5  # how far the outline reaches beyond a line's glyphs


def draw_bottom_up(
    painter: QPainter,
    shown: list[Paragraph],
    x: float,
    bottom: float,
    outline: bool,
    dirty: QRectF | None = None,
    top: float = 0.0,
) -> None:
    """Paint ``shown`` (top to bottom) so the last one ends at ``bottom``, none above ``top``.

    With ``outline`` each line first gets a dark halo, which keeps captions
    legible over any background.  Paragraphs wholly outside ``dirty`` (the
    part being repainted, when not all of it) are skipped: a growing line in
    progress does not redraw the finished lines above it.  A paragraph that
    would start above ``top`` (the box's edge: lines taller than the box's
    line height, as ideographs from a fallback font may be) is not painted,
    rather than cut off half-way; only the newest one alone is, at the worst.
    """
    halo = QColor(0, 0, 0, 200)
    for n, paragraph in enumerate(reversed(shown)):
        y = bottom - paragraph.height
        if y < top and n > 0:
            break
        reach = (y - HALO_PX - 1, bottom + HALO_PX + 1)  # the rows its outline may touch
        if dirty is not None and (reach[1] < dirty.top() or reach[0] > dirty.bottom()):
            bottom = y
            continue
        if outline:
            for dx, dy in ((-HALO_PX, 0), (HALO_PX, 0), (0, -HALO_PX), (0, HALO_PX)):
                paragraph.draw(painter, QPointF(x + dx, y + dy), halo)
        paragraph.draw(painter, QPointF(x, y))
        bottom = y


def draw_box(painter: QPainter, rect: QRectF, colour: QColor, solid: bool) -> None:
    """The caption box: rounded, or square when ``solid`` (X11 without a compositor,
    where the corners a rounded box leaves out showed black: nothing shows through)."""
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    if solid:
        painter.drawRect(rect)
    else:
        painter.drawRoundedRect(rect, 12, 12)


def draw_placeholder(painter: QPainter, font: QFont, area: QRect, text: str) -> None:
    """A dim hint ("Listening…") at the bottom left of ``area``, while no caption is shown."""
    painter.setFont(font)
    painter.setPen(QColor(255, 255, 255, 150))
    flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom
    painter.drawText(area, int(flags) | int(Qt.TextFlag.TextWordWrap), text)


def whole_paragraphs(
    history: list[Paragraph],
    partials: list[Paragraph],
    lines: int,
    cut: Callable[[Paragraph, int], Paragraph],
) -> list[Paragraph]:
    """The caption lines to show in ``lines`` text lines, top to bottom.

    Lines in progress show first, the newest side first (each was already cut
    to its share), as many as fit: the newest always.  Finished lines fill the
    rows left above them, newest first, as a caption display scrolls: the
    oldest one shown, at the top, is cut at its front by ``cut`` to the rows
    left ("You: … newest words", its label kept).  Every row the box holds
    carries text while there is any: shown whole or not at all, a long
    finished line left its rows empty over a short line in progress.
    """
    shown: list[Paragraph] = []
    remaining = lines
    for paragraph in reversed(partials):
        if shown and paragraph.line_count > remaining:
            # An older side waits rather than being painted above the box,
            # and finished lines, older still, with it.
            return list(reversed(shown))
        shown.append(paragraph)
        remaining -= paragraph.line_count
    for paragraph in reversed(history):
        if remaining <= 0:
            break
        if paragraph.line_count > remaining:
            shown.append(cut(paragraph, remaining))
            break
        shown.append(paragraph)
        remaining -= paragraph.line_count
    return list(reversed(shown))
