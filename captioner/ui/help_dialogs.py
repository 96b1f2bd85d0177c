"""Help ▸ Keyboard shortcuts and Help ▸ About: what the keys are, what this program is.

The shortcuts list is read from the menus' actions, so it cannot drift from
what the keys really do; keys that live outside the menus (the global
overlay-lock key, the Sessions window's, the standard close keys) are added
from one table here.
"""

from __future__ import annotations

import platform
from collections.abc import Iterable
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QFocusEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMenuBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from captioner import APP_NAME, __version__
from captioner.ui import platform_caps
from captioner.ui.close_keys import install_close_keys
from captioner.ui.focus_ring import FocusRing
from captioner.ui.overlay_keys import HELP_ROWS as PLACING_ROWS
from captioner.ui.overlay_keys import MOVE_KEYS
from captioner.ui.screen_fit import GrowWithText, KeepOnScreen, available_area, fit_size, for_text

LICENCE = "MIT"
LINKS = (
    ("AssemblyAI (cloud engine, API keys)", "https://www.assemblyai.com/app/api-keys"),
    ("AssemblyAI privacy policy", "https://www.assemblyai.com/legal/privacy-policy"),
    ("PocketSphinx (offline engine)", "https://github.com/cmusphinx/pocketsphinx"),
    ("Qt for Python (PySide6, LGPL-3.0)", "https://www.qt.io/qt-for-python"),
)
# Keys that no menu shows (menu keys are read from the menus): (where, what, key).
EXTRA_SHORTCUTS: tuple[tuple[str, str, str], ...] = (
    ("Anywhere on the desktop", "Lock or unlock the overlay (X11)", "Ctrl+Alt+Shift+L"),
    ("Main window", "Move between controls", "Tab / Shift+Tab"),
    *PLACING_ROWS,  # View ▸ Place caption overlay…: keys only while it shows the sample
    ("Sessions", "Search in this session", "Ctrl+F"),
    ("Sessions", "Next match", "Enter"),
    ("Sessions", "Larger / smaller / actual text size", "Ctrl++ / Ctrl+- / Ctrl+0"),
    ("Sessions", "Close the window", "Ctrl+W / Esc"),
    ("Sessions", "Quit Captioner", "Ctrl+Q"),
    ("Dialogs", "Close without saving", "Esc"),
)


def menu_shortcuts(menu_bar: QMenuBar) -> list[tuple[str, str, str]]:
    """(menu, action, key) for every menu action that has a shortcut."""
    rows: list[tuple[str, str, str]] = []

    def walk(actions: Iterable[QAction], path: str) -> None:
        for action in actions:
            menu = action.menu()
            label = action.text().replace("&", "").rstrip("…").strip()
            if menu is not None:
                walk(menu.actions(), f"{path} ▸ {label}" if path else label)
            elif not action.shortcut().isEmpty():
                native = QKeySequence.SequenceFormat.NativeText
                key = " / ".join(k.toString(native) for k in action.shortcuts())
                rows.append((path, label, key))

    walk(menu_bar.actions(), "")
    return rows


class ShortcutsWindow(QDialog):
    """Every keyboard shortcut in one list: menu keys, then the ones no menu shows."""

    def __init__(self, menu_bar: QMenuBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Keyboard shortcuts — {APP_NAME}")
        self.tree = QTreeWidget()
        self.tree.setAccessibleName("Keyboard shortcuts")
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Where", "What", "Keys"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        moves = platform_caps.current().places_windows  # Wayland: the keys move nothing
        for where, what, key in [*menu_shortcuts(menu_bar), *EXTRA_SHORTCUTS]:
            if key != MOVE_KEYS or moves:
                QTreeWidgetItem(self.tree, [where, what, key])
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        intro = QLabel(
            "Letters underlined in menus and labels work with Alt (for example Alt+I "
            "moves to the Input picker)."
        )
        intro.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.tree, 1)
        layout.addWidget(buttons)
        install_close_keys(self, escape=False)  # a dialog closes on Esc already
        fit_size(self, for_text(self, QSize(760, 520)))  # roomy, or as much as a small screen holds
        self.grow_with_text = GrowWithText(self, QSize(760, 520))  # a font grown later
        self.keep_on_screen = KeepOnScreen(self)

    def rows(self) -> list[tuple[str, str, str]]:
        return [
            tuple(self.tree.topLevelItem(i).text(c) for c in range(3))  # type: ignore[misc]
            for i in range(self.tree.topLevelItemCount())
        ]


def about_label(html: str) -> QLabel:
    """A rich-text label keyboard users can reach, select and (for a link) open."""
    label = QLabel(html)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(
        Qt.TextInteractionFlag.TextBrowserInteraction
        | Qt.TextInteractionFlag.TextSelectableByKeyboard
    )
    return label


class LinkLabel(QLabel):
    """One link, opened with Enter once Tab reaches it: one Tab stop, not two.

    A label keeps the focus itself first and only a second Tab moves it onto
    its link, so the link is focused as the label is entered.
    """

    def __init__(self, name: str, url: str) -> None:
        super().__init__(f'•&nbsp;<a href="{url}">{name}</a>')
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.setOpenExternalLinks(True)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        if event.reason() in (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason):
            self.focusNextPrevChild(event.reason() == Qt.FocusReason.TabFocusReason)


class AboutDialog(QDialog):
    """Name, version, what it does, licence, the libraries it stands on, where data lives."""

    def __init__(self, data_dir: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"About {APP_NAME}")
        where = (
            f"<p>Sessions are kept in <code>{data_dir}</code>.</p>" if data_dir is not None else ""
        )
        self.text = about_label(
            f"<h2>{APP_NAME} {__version__}</h2>"
            "<p>Live captions for calls, meetings and videos, from a microphone, "
            "system audio or both.</p>"
            f"<p>Licence: {LICENCE}. Free to use, change and share; no warranty.</p>"
        )
        self.text.setObjectName("aboutText")
        # One label per link: Qt marks a focused link inside a text with a faint dotted
        # outline it draws itself (no style reaches it), while a label of its own
        # gets the focus ring below around it.
        self.links = [LinkLabel(name, url) for name, url in LINKS]
        self.details = about_label(
            f"{where}<p>Python {platform.python_version()}, PySide6 {pyside_version}, "
            f"{platform.system()}.</p>"
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        links = QVBoxLayout()
        links.setSpacing(0)
        links.setContentsMargins(self.fontMetrics().horizontalAdvance("MM"), 0, 0, 0)
        for link in self.links:
            links.addWidget(link, 0, Qt.AlignmentFlag.AlignLeft)  # the ring hugs the link
        layout.addLayout(links)
        layout.addWidget(self.details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        if data_dir is not None:
            self.open_folder = QPushButton("Open sessions &folder")
            self.open_folder.clicked.connect(
                lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(data_dir)))
            )
            buttons.addButton(self.open_folder, QDialogButtonBox.ButtonRole.ActionRole)
        layout.addWidget(buttons)
        install_close_keys(self, escape=False)  # a dialog closes on Esc already
        self.setMinimumWidth(min(440, available_area(self).width() - 16))
        # The focus on the text (where About opens: shown only by a caret) or a link.
        self.focus_ring = FocusRing(self, ringed=(QLabel,))
        self.keep_on_screen = KeepOnScreen(self)
