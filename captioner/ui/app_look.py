"""The application's look: its icon, its style, its style sheet, set in one place.

The style is the desktop's (Fusion on most Linux desktops), with one change:
check box and radio button indicators grow with the text beside them.  Fusion
draws them from fixed pixel metrics (14 px), so with the 16–20 pt desktop font
people with low vision set, a 14-px box sat beside 24–31-px lines of text: a
small target, and a tick that is hard to see.

The sizes are a style sheet rule computed from the application's font (as big,
against a line of text, as the desktop style's box is against the usual font's),
added to main.qss only when the text is larger than the sizes were laid out for,
and computed again when the desktop font changes while the app runs.  A rule
with only a width and a height keeps the style's own drawing, scaled.  Until
2026-12 this was a proxy style answering ``pixelMetric`` in Python: Qt asks it
for every metric of every widget (~400 calls before the first paint), and each
call made PySide build the option's Python type, ~30 ms of start-up (issue 14).
"""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QApplication

from captioner.ui.resources import app_icon, read_text
from captioner.ui.screen_fit import DESIGN_LINE_PX

# Which indicators follow which of the style's metrics: check boxes (also in
# lists, as in the AssemblyAI options' list of languages) and radio buttons.
CHECK_INDICATORS = "QCheckBox::indicator, QAbstractItemView::indicator"
RADIO_INDICATORS = "QRadioButton::indicator"


def grown(base: int, line_height: int) -> int:
    """An indicator of ``base`` pixels as big against ``line_height`` as against the usual line."""
    return max(base, round(base * line_height / DESIGN_LINE_PX))


def indicator_rules(font: QFont, app: QApplication) -> str:
    """The style sheet rules that size the indicators for ``font`` (none at the usual sizes).

    At or under the usual line height the style's own sizes stand, and the
    style is not even asked for (its Python type and enums cost start-up time).
    """
    line = QFontMetrics(font).height()
    if line <= DESIGN_LINE_PX:
        return ""
    from PySide6.QtWidgets import QStyle  # builds its Python enums (~12 ms): large text only

    metric, style = QStyle.PixelMetric, app.style()
    check = grown(style.pixelMetric(metric.PM_IndicatorWidth), line)
    radio = grown(style.pixelMetric(metric.PM_ExclusiveIndicatorWidth), line)
    return (
        f"\n{CHECK_INDICATORS} {{ width: {check}px; height: {check}px; }}"
        f"\n{RADIO_INDICATORS} {{ width: {radio}px; height: {radio}px; }}\n"
    )


class _Look:
    """main.qss plus the indicator rules for the current font, set again when the font changes."""

    def __init__(self, app: QApplication) -> None:
        self._app = app
        self._sheet = read_text("main.qss")
        self._rules: str | None = None

    def apply(self, font: QFont | None = None) -> None:
        rules = indicator_rules(font or self._app.font(), self._app)
        if rules != self._rules:  # a new sheet re-polishes every widget: only when it differs
            self._rules = rules
            self._app.setStyleSheet(self._sheet + rules)


def apply_look(app: QApplication) -> None:
    """Give ``app`` its icon and main.qss, with indicators sized for its font, now and later."""
    app.setWindowIcon(app_icon())
    look = _Look(app)
    look.apply()
    # A desktop font changed while the app runs (made larger in its settings); the
    # lambda keeps ``look`` alive (a bound method of a plain object would not).
    app.fontChanged.connect(lambda font: look.apply(font))
