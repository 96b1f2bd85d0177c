"""The foot of a settings dialog: what is wrong with the values, then OK and Cancel.

Settings ▸ AssemblyAI… and Settings ▸ Translation and speakers… both keep
the dialog open when a value cannot be used and say why above the buttons.
The "problems" text is red, but a red that reads at WCAG AA on the palette
the dialog really has (light or dark theme), computed like the status
line's, not a fixed ``#c0392b`` that is 3.6:1 on a dark window.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QAbstractButton, QDialog, QDialogButtonBox, QLabel

from captioner.ui.contrast import readable

PROBLEM_HUE = QColor("#c0392b")


class ProblemLabel(QLabel):
    """Word-wrapped text in a readable red, kept readable when the palette changes."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("problems")
        self.setWordWrap(True)
        self._recolour()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._recolour()

    def _recolour(self) -> None:
        background = self.palette().color(QPalette.ColorRole.Window)
        colour = readable(PROBLEM_HUE, background)
        palette = self.palette()
        if palette.color(QPalette.ColorRole.WindowText) != colour:
            palette.setColor(QPalette.ColorRole.WindowText, colour)
            self.setPalette(palette)  # a PaletteChange: the check above ends it


class DialogFooter(QObject):
    """A :class:`ProblemLabel` and an OK/Cancel box wired to ``dialog``'s accept/reject.

    ``problems`` goes at the end of the form (it scrolls with it), ``buttons``
    under the scroll area, so OK and Cancel stay in view on a short screen.
    """

    def __init__(self, dialog: QDialog) -> None:
        super().__init__(dialog)
        self.problems = ProblemLabel()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(dialog.accept)
        self.buttons.rejected.connect(dialog.reject)
        self.ok_button: QAbstractButton = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.cancel_button: QAbstractButton = self.buttons.button(
            QDialogButtonBox.StandardButton.Cancel
        )
