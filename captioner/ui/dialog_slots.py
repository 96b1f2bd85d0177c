"""Non-modal dialogs kept one per name: opening one again replaces the old one."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtWidgets import QWidget

W = TypeVar("W", bound=QWidget)


class DialogSlots:
    """The window's open About / Shortcuts dialogs (a second open must not stack copies)."""

    def __init__(self) -> None:
        self._open: dict[str, QWidget] = {}

    def show(self, name: str, dialog: W) -> W:
        """Close and delete the dialog open under ``name``, show ``dialog`` in its place."""
        old = self._open.pop(name, None)
        if old is not None:
            old.close()
            old.deleteLater()
        self._open[name] = dialog
        dialog.show()
        dialog.raise_()
        return dialog
