"""The application's look: its icon, its style, its style sheet, set in one place.

The style is the desktop's (Fusion on most Linux desktops), with one change:
check box and radio button indicators grow with the text beside them.  Fusion
draws them from fixed pixel metrics (14 px), so with the 16–20 pt desktop font
people with low vision set, a 14-px box sat beside 24–31-px lines of text: a
small target, and a tick that is hard to see.  A style sheet rule (``width:
1em``) cannot keep the usual look at 9–10 pt and would throw away the native
drawing, so a proxy style answers those metrics from the widget's own font,
never smaller than the desktop style's.  The font is read on every call, so a
desktop font changed while the app runs resizes the boxes too.
"""

from __future__ import annotations

from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QApplication,
    QProxyStyle,
    QStyle,
    QStyleFactory,
    QStyleOption,
    QWidget,
)

from captioner.ui.resources import app_icon, read_text
from captioner.ui.screen_fit import DESIGN_LINE_PX

INDICATOR_METRICS = frozenset(
    {
        QStyle.PixelMetric.PM_IndicatorWidth,
        QStyle.PixelMetric.PM_IndicatorHeight,
        QStyle.PixelMetric.PM_ExclusiveIndicatorWidth,
        QStyle.PixelMetric.PM_ExclusiveIndicatorHeight,
    }
)


def line_height(option: QStyleOption | None, widget: QWidget | None) -> int:
    """The height of a line of the text the indicator stands beside."""
    if widget is not None:
        return widget.fontMetrics().height()
    if option is not None:
        return option.fontMetrics.height()
    return QFontMetrics(QApplication.font()).height()


class TextSizedIndicators(QProxyStyle):
    """The desktop's style, with check and radio indicators in step with the text's size."""

    def pixelMetric(
        self,
        metric: QStyle.PixelMetric,
        option: QStyleOption | None = None,
        widget: QWidget | None = None,
    ) -> int:
        base = super().pixelMetric(metric, option, widget)
        if metric not in INDICATOR_METRICS:
            return base
        # As big, against the line, as the desktop style's box is against the usual font's.
        return max(base, round(base * line_height(option, widget) / DESIGN_LINE_PX))


def apply_look(app: QApplication) -> None:
    """Give ``app`` its icon, its style (the desktop's, text-sized indicators) and main.qss."""
    app.setWindowIcon(app_icon())
    desktop = QStyleFactory.create(app.style().name())
    app.setStyle(TextSizedIndicators(desktop))  # before the sheet, which wraps the style
    app.setStyleSheet(read_text("main.qss"))
