"""Ctrl+W (and Esc) close a window: the keys people try first to leave one.

Its own small module (it was in :mod:`captioner.ui.help_dialogs`) so that the
settings frame and the Sessions window can use it without importing the help
dialogs, which now load only when Help ▸ About or Keyboard shortcuts is opened
(issue 14: less to import before the main window shows).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget


def install_close_keys(window: QWidget, *, escape: bool = True) -> None:
    """Ctrl+W (and Esc) close ``window``; Ctrl+Q is the app's Quit (see MainWindow).

    Standard keys people try first; without them keyboard users are stuck in
    a window they cannot leave except with the window manager.
    """
    keys = [QKeySequence(QKeySequence.StandardKey.Close), QKeySequence("Ctrl+W")]
    if escape:
        keys.append(QKeySequence(Qt.Key.Key_Escape))
    seen: set[str] = set()
    for key in keys:
        text = key.toString()
        if text and text not in seen:
            seen.add(text)
            shortcut = QShortcut(key, window)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(window.close)
