"""The frame of a settings dialog: a form that scrolls, with OK and Cancel in view below it.

Settings ▸ AssemblyAI… and Settings ▸ Translation and speakers… are taller
than a small screen (1024×600 at 2× scaling leaves ~300 px), so their form
scrolls while the buttons stay under it; on a narrow screen the labels go
above their fields.  Both dialogs also keep themselves on screen, close on
Ctrl+W, draw readable placeholders and a visible focus ring.  One frame, so
the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QComboBox, QDialog, QFormLayout, QVBoxLayout, QWidget

from captioner.ui.close_keys import install_close_keys
from captioner.ui.contrast import readable_placeholders
from captioner.ui.dialog_footer import DialogFooter
from captioner.ui.focus_ring import FocusRing
from captioner.ui.screen_fit import FittingScroll, KeepOnScreen, available_area, fit_size, for_text

NARROW_SCREEN_PX = 700  # below this width, labels above their fields


def choice_combo(choices: Sequence[tuple[str, str]], current: str) -> QComboBox:
    """A picker of ``(value, text)`` choices showing ``current`` (the first if unknown)."""
    combo = QComboBox()
    for value, text in choices:
        combo.addItem(text, value)
    combo.setCurrentIndex(max(0, combo.findData(current)))
    return combo


class SettingsForm:
    """Build the dialog's rows into :attr:`form`, then :meth:`finish` it.

    ``finish`` adds the footer (the problems text at the end of the form,
    OK/Cancel under the scroll area) and everything that needs the finished
    widget tree (the size, the focus ring).
    """

    def __init__(self, dialog: QDialog) -> None:
        self._dialog = dialog
        self._inner = QWidget()
        self.form = QFormLayout(self._inner)
        if available_area(dialog).width() < NARROW_SCREEN_PX:
            self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)

    def add_rows(self, rows: Iterable[tuple[str, QWidget]]) -> None:
        """Add ``(label, widget)`` rows; the label also names the widget for screen readers.

        An empty label gives the widget the whole row (a check box, a note);
        ``" "`` puts it in the field column under the row above (a description).
        """
        for label, widget in rows:
            if label == " ":
                self.form.addRow("", widget)
            elif label:
                widget.setAccessibleName(label.replace("&", "").rstrip(":"))
                self.form.addRow(label, widget)
            else:
                self.form.addRow(widget)

    def finish(self, scroll_name: str, width: int) -> DialogFooter:
        """Footer, scroll area and window fitting; call once every row is in."""
        dialog = self._dialog
        footer = DialogFooter(dialog)
        self.form.addRow(footer.problems)
        self.scroll = FittingScroll(self._inner, scroll_name)
        outer = QVBoxLayout(dialog)
        outer.addWidget(self.scroll, 1)
        outer.addWidget(footer.buttons)
        fit_size(
            dialog, QSize(for_text(dialog, QSize(width, 0)).width(), dialog.sizeHint().height())
        )
        self.keep_on_screen = KeepOnScreen(dialog)
        install_close_keys(dialog, escape=False)  # Ctrl+W as Cancel; Esc already is
        readable_placeholders(dialog)
        self.focus_ring = FocusRing(dialog)
        return footer
