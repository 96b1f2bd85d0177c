"""Word-wrapped labels in a form keep the height their text needs at their width.

With Qt 6.11, QFormLayout can give a word-wrapped label a row shorter than
its text at the width it really has: Settings ▸ AssemblyAI drew the keyring
notice (five lines once the keyring answered, one line before) and two
help lines of the options clipped top and bottom, at any font size and
worse with a large one.  The form's own height-for-width answer stays
stale; a minimum height does not, so each such label is given the height of
its text at its current width whenever its width or text changes.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QLabel, QWidget

_REFIT = (QEvent.Type.Resize, QEvent.Type.LayoutRequest, QEvent.Type.Show)


class WrappedRows(QObject):
    """Keeps every word-wrapped label under ``host`` at its full height (owned by ``host``)."""

    def __init__(self, host: QWidget) -> None:
        super().__init__(host)
        self._host = host
        self._labels = [label for label in host.findChildren(QLabel) if label.wordWrap()]
        host.installEventFilter(self)  # a text changed: the form asks for a new layout
        for label in self._labels:
            label.installEventFilter(self)  # a new width

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _REFIT:
            self.fit()
        return False

    def fit(self) -> None:
        for label in self._labels:
            if not label.isVisible():
                continue  # not laid out yet: its width means nothing (the dialog's size does)
            height = label.heightForWidth(label.width()) if label.text() else 0
            if label.minimumHeight() != height:
                label.setMinimumHeight(max(height, 0))
