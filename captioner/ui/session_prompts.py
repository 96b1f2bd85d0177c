"""The Sessions window's questions (file to import, delete?, new name) and its list filter.

The questions are plain functions so tests can replace them on the window;
the filter decides which rows the list shows.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QPushButton, QWidget

from captioner.ui.session_library import SessionRows, Target


def ask_open_path(parent: QWidget) -> str:
    path, _filter = QFileDialog.getOpenFileName(
        parent, "Import transcript", "", "Captioner transcript (*.json)"
    )
    return path


def ask_confirm(
    parent: QWidget, question: str, title: str = "Delete session", action: str = "&Delete"
) -> bool:
    """Ask before deleting; True when the user chose ``action``."""
    box, confirm = confirm_box(parent, question, title, action)
    box.exec()
    return box.clickedButton() is confirm


def confirm_box(
    parent: QWidget | None, question: str, title: str, action: str
) -> tuple[QMessageBox, QPushButton]:
    """A question whose default is to keep: Enter (or Escape) never deletes.

    ``QMessageBox.question`` made "Yes" the default, so Alt+D, Enter deleted a
    session at once; the destructive button is named for what it does.
    """
    box = QMessageBox(QMessageBox.Icon.Warning, title, question, parent=parent)
    confirm = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
    keep = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    return box, confirm


def ask_title(parent: QWidget, current: str) -> str | None:
    title, ok = QInputDialog.getText(parent, "Rename session", "Session name:", text=current)
    return title if ok else None


def without_empty(
    rows: SessionRows, *, show_empty: bool, keep: str | None = None
) -> tuple[list[str], list[Target], int]:
    """(texts, targets, how many empty sessions there are) of the rows to list.

    An empty session is a finished one with no speech (Start, then Stop with
    nobody talking).  They are listed only when ``show_empty``; the open one
    (``keep``) and a live one always are.  Search hits are never filtered:
    an empty session has none.
    """
    if rows.query:
        return rows.texts, rows.targets, 0
    empty = {s.id for s in rows.summaries if s.turn_count == 0 and not s.live and s.id != keep}
    if show_empty or not empty:
        return rows.texts, rows.targets, len(empty)
    shown = [i for i, (sid, _turn) in enumerate(rows.targets) if sid not in empty]
    return [rows.texts[i] for i in shown], [rows.targets[i] for i in shown], len(empty)
