"""Text that stays readable on whatever palette the desktop gives us (WCAG 2.x contrast).

The main window follows the system theme, light or dark, so a fixed grey or
red that reads well on one is unreadable on the other (the engine hint was
1.7:1 with ``palette(mid)``; the grey in-progress line 3.5:1).  Secondary
text is therefore *derived* from the palette: as quiet as it can be while
still meeting WCAG AA (4.5:1 for normal text), which :func:`contrast_ratio`
measures the way the guideline defines it.  Tests walk the widgets with
:func:`text_colours` and check every pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from PySide6.QtGui import QColor, QPalette, QTextCharFormat
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

AA_NORMAL = 4.5  # WCAG 2.x AA for body text
# Derived colours aim a little above AA: rounding to 8-bit channels and a
# slightly different window colour under the text must not tip them below it.
TARGET = 5.0


def relative_luminance(colour: QColor) -> float:
    """WCAG relative luminance of an sRGB colour (0 black … 1 white)."""

    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    rgb = colour.toRgb()
    return (
        0.2126 * channel(rgb.redF())
        + 0.7152 * channel(rgb.greenF())
        + 0.0722 * channel(rgb.blueF())
    )


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of ``a`` drawn on ``b`` (1 … 21); a translucent ``a`` is
    composited over ``b`` first, as the screen shows it."""
    if a.alphaF() < 1.0:
        a = _mix(b, a, a.alphaF())
    la, lb = relative_luminance(a), relative_luminance(b)
    light, dark = max(la, lb), min(la, lb)
    return (light + 0.05) / (dark + 0.05)


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` moved a fraction ``t`` of the way towards ``b``."""
    a, b = a.toRgb(), b.toRgb()
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * t,
        a.greenF() + (b.greenF() - a.greenF()) * t,
        a.blueF() + (b.blueF() - a.blueF()) * t,
    )


def muted(text: QColor, background: QColor, minimum: float = TARGET) -> QColor:
    """``text`` faded towards ``background`` as far as it can go and still read at ``minimum``.

    Secondary text (hints, times, the line still being spoken) looks quieter
    than the rest without dropping below AA on any theme.  Answers are cached:
    the same few palette pairs are asked for again and again while the window
    is built, and each search costs ~1 ms of the GUI thread.
    """
    return QColor.fromRgba(_muted(text.rgba(), background.rgba(), minimum))


def readable(colour: QColor, background: QColor, minimum: float = TARGET) -> QColor:
    """``colour`` (a hue that means something: red for errors, a speaker's colour),
    darkened or lightened just enough to read at ``minimum`` on ``background``
    (cached, as :func:`muted`)."""
    return QColor.fromRgba(_readable(colour.rgba(), background.rgba(), minimum))


@lru_cache(maxsize=256)
def _muted(text_rgba: int, background_rgba: int, minimum: float) -> int:
    return _search_muted(QColor.fromRgba(text_rgba), QColor.fromRgba(background_rgba), minimum)


@lru_cache(maxsize=256)
def _readable(colour_rgba: int, background_rgba: int, minimum: float) -> int:
    return _search_readable(QColor.fromRgba(colour_rgba), QColor.fromRgba(background_rgba), minimum)


def _search_muted(text: QColor, background: QColor, minimum: float) -> int:
    if contrast_ratio(text, background) <= minimum:
        return text.rgba()
    low, high = 0.0, 1.0  # binary search on the fade: contrast falls as t grows
    for _ in range(20):
        mid = (low + high) / 2
        if contrast_ratio(_mix(text, background, mid), background) >= minimum:
            low = mid
        else:
            high = mid
    return _mix(text, background, low).rgba()


def _search_readable(colour: QColor, background: QColor, minimum: float) -> int:
    if contrast_ratio(colour, background) >= minimum:
        return colour.rgba()
    towards = (
        QColor("black") if relative_luminance(background) > 0.18 else QColor("white")
    )  # 0.18: where black and white text give equal contrast
    low, high = 0.0, 1.0
    for _ in range(20):
        mid = (low + high) / 2
        if contrast_ratio(_mix(colour, towards, mid), background) >= minimum:
            high = mid
        else:
            low = mid
    return _mix(colour, towards, high).rgba()


@dataclass(frozen=True)
class TextColours:
    """One piece of visible text and the colours it is drawn in."""

    where: str  # which widget, and which part of it
    text: str
    foreground: QColor
    background: QColor

    @property
    def ratio(self) -> float:
        return contrast_ratio(self.foreground, self.background)


def _background(widget: QWidget) -> QColor:
    """The colour behind a widget's text: its own fill, else the nearest ancestor's."""
    current: QWidget | None = widget
    while current is not None:
        role = current.backgroundRole()
        if (
            current.autoFillBackground()
            or current.isWindow()
            or role
            in (
                QPalette.ColorRole.Base,
                QPalette.ColorRole.Button,
            )
        ):
            return current.palette().color(role)
        current = current.parentWidget()
    return widget.palette().color(QPalette.ColorRole.Window)


def _document_colours(name: str, edit: QPlainTextEdit | QTextEdit) -> list[TextColours]:
    base = edit.palette().color(QPalette.ColorRole.Base)
    default = edit.palette().color(QPalette.ColorRole.Text)
    found: list[TextColours] = []
    block = edit.document().begin()
    while block.isValid():
        iterator = block.begin()
        while not iterator.atEnd():
            fragment = iterator.fragment()
            if fragment.isValid() and fragment.text().strip():
                fmt: QTextCharFormat = fragment.charFormat()
                brush = fmt.foreground()
                colour = brush.color() if brush.style() != brush.style().NoBrush else default
                background = fmt.background()
                behind = (
                    background.color() if background.style() != background.style().NoBrush else base
                )
                found.append(
                    TextColours(
                        f"{name} line {block.blockNumber() + 1}", fragment.text(), colour, behind
                    )
                )
            iterator += 1
        block = block.next()
    if edit.document().isEmpty() and edit.placeholderText():
        placeholder = edit.palette().color(QPalette.ColorRole.PlaceholderText)
        found.append(TextColours(f"{name} placeholder", edit.placeholderText(), placeholder, base))
    return found


def text_colours(root: QWidget) -> list[TextColours]:
    """Every visible piece of text under ``root`` with its foreground and background.

    Colours come from each widget's palette after its style sheet has been
    applied (``ensurePolished``), and from the character formats of text
    views, so a ``color:`` rule or a grey in-progress line is measured as drawn.
    """
    found: list[TextColours] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisibleTo(root) and widget is not root:
            continue
        if not widget.isEnabled():
            continue  # WCAG exempts inactive controls (they are drawn faded on purpose)
        widget.ensurePolished()
        palette = widget.palette()
        name = widget.objectName() or widget.accessibleName() or type(widget).__name__
        if isinstance(widget, QPlainTextEdit | QTextEdit):
            found.extend(_document_colours(name, widget))
        elif isinstance(widget, QLabel) and widget.text().strip():
            role = widget.foregroundRole()
            found.append(TextColours(name, widget.text(), palette.color(role), _background(widget)))
        elif isinstance(widget, QAbstractButton) and widget.text().strip():
            # Check boxes and radio buttons draw their text on the window;
            # push and tool buttons on the button face.
            if type(widget).__name__ in ("QCheckBox", "QRadioButton"):
                fg, bg = palette.color(QPalette.ColorRole.WindowText), _background(widget)
            else:
                fg = palette.color(QPalette.ColorRole.ButtonText)
                bg = palette.color(QPalette.ColorRole.Button)
            found.append(TextColours(name, widget.text(), fg, bg))
        elif isinstance(widget, QComboBox) and widget.currentText().strip():
            found.append(
                TextColours(
                    name,
                    widget.currentText(),
                    palette.color(QPalette.ColorRole.ButtonText),
                    palette.color(QPalette.ColorRole.Button),
                )
            )
        elif isinstance(widget, QLineEdit) and (widget.text() or widget.placeholderText()):
            role = QPalette.ColorRole.Text if widget.text() else QPalette.ColorRole.PlaceholderText
            found.append(
                TextColours(
                    name,
                    widget.text() or widget.placeholderText(),
                    palette.color(role),
                    palette.color(QPalette.ColorRole.Base),
                )
            )
    return found


def readable_placeholders(root: QWidget) -> None:
    """Placeholder hints under ``root`` at AA contrast (the default is half-transparent
    text, 4.0:1 on white); call again when the palette changes."""
    for widget in root.findChildren(QLineEdit) + root.findChildren(QPlainTextEdit):
        palette = widget.palette()
        wanted = muted(
            palette.color(QPalette.ColorRole.Text), palette.color(QPalette.ColorRole.Base)
        )
        if palette.color(QPalette.ColorRole.PlaceholderText) != wanted:
            palette.setColor(QPalette.ColorRole.PlaceholderText, wanted)
            widget.setPalette(palette)
