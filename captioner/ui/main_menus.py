"""The main window's menus: every command, with its standard key where one exists.

Kept apart from :mod:`captioner.ui.main_window` so the window's module is
about its controls; the menu actions only forward to the window's signals.
Help ▸ Keyboard shortcuts lists what is built here (read from these actions).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

from captioner import APP_NAME
from captioner.ui.text_size import ACTUAL_KEY, LARGER_KEYS, SMALLER_KEY

if TYPE_CHECKING:
    from captioner.ui.main_window import MainWindow


# View ▸ Place caption overlay… while the sample is not shown, and what ends it
# from the keyboard while it is (the sample's own Done takes a mouse).
PLACE_OVERLAY = "&Place caption overlay…"
DONE_PLACING = "Done &placing caption overlay (Esc)"


def _action(window: MainWindow, text: str, key: QKeySequence | str | None = None) -> QAction:
    action = QAction(text, window)
    if key is not None:
        action.setShortcut(QKeySequence(key) if isinstance(key, str) else key)
    return action


def build_menus(window: MainWindow) -> None:
    """File, Edit, View, Settings, Help; the actions the window updates are kept on it."""
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    window.start_action = _action(window, "&Start captioning", "Ctrl+Return")
    window.start_action.triggered.connect(window._on_start_clicked)
    export_action = _action(window, "&Export transcript…", QKeySequence.StandardKey.Save)
    export_action.triggered.connect(window.exportRequested)
    import_action = _action(window, "&Import transcript (JSON)…", "Ctrl+O")
    import_action.triggered.connect(window.importRequested)
    close_action = _action(window, "&Close window", "Ctrl+W")
    close_action.setToolTip("Hide the window; captioning goes on in the tray")
    close_action.triggered.connect(window.close)
    quit_action = _action(window, "&Quit", "Ctrl+Q")
    quit_action.triggered.connect(window.quitRequested)
    for action in (window.start_action, export_action, import_action):
        file_menu.addAction(action)
    file_menu.addSeparator()
    file_menu.addAction(close_action)
    file_menu.addAction(quit_action)

    edit_menu = bar.addMenu("&Edit")
    copy_action = _action(window, "&Copy transcript", "Ctrl+Shift+C")
    copy_action.triggered.connect(window.copyRequested)
    edit_menu.addAction(copy_action)

    view_menu = bar.addMenu("&View")
    sessions_action = _action(window, "&Sessions…", "Ctrl+H")
    sessions_action.triggered.connect(window.sessionsRequested)
    view_menu.addAction(sessions_action)
    window.overlay_action = _action(window, "Caption &overlay", "Ctrl+Shift+O")
    window.overlay_action.setCheckable(True)
    window.overlay_action.setChecked(True)
    window.overlay_action.toggled.connect(window.overlay_check.setChecked)
    window.overlay_check.toggled.connect(window.overlay_action.setChecked)
    view_menu.addAction(window.overlay_action)
    window.lock_action = _action(window, "&Lock overlay (click-through)", "Ctrl+Shift+L")
    window.lock_action.setCheckable(True)
    window.lock_action.toggled.connect(window.lockToggled)
    view_menu.addAction(window.lock_action)
    window.place_action = _action(window, PLACE_OVERLAY)
    window.place_action.triggered.connect(window.placeOverlayRequested)
    view_menu.addAction(window.place_action)
    latest_action = _action(window, "&Jump to latest line", "Ctrl+End")
    latest_action.triggered.connect(window.transcript.jump_to_latest)
    view_menu.addAction(latest_action)
    view_menu.addSeparator()
    size = window.transcript.text_size
    larger_action = _action(window, "La&rger text")
    larger_action.setShortcuts([QKeySequence(key) for key in LARGER_KEYS])
    larger_action.triggered.connect(size.larger)
    smaller_action = _action(window, "S&maller text", SMALLER_KEY)
    smaller_action.triggered.connect(size.smaller)
    actual_action = _action(window, "&Actual text size", ACTUAL_KEY)
    actual_action.triggered.connect(size.actual)
    for action in (larger_action, smaller_action, actual_action):
        view_menu.addAction(action)

    settings_menu = bar.addMenu("&Settings")
    captions_action = _action(window, "&Captions…", "Ctrl+,")
    captions_action.triggered.connect(window.overlaySettingsRequested)
    settings_menu.addAction(captions_action)
    key_action = _action(window, "&AssemblyAI (API key, model, key terms)…")
    key_action.triggered.connect(window.assemblyaiSettingsRequested)
    settings_menu.addAction(key_action)
    # Connected by TranslationUi (the dialog needs the engine choice and settings).
    window.translation_action = _action(window, "&Translation and speakers…")
    settings_menu.addAction(window.translation_action)
    settings_menu.addSeparator()
    window.data_folder_action = _action(window, "Open &sessions folder")
    window.data_folder_action.triggered.connect(window.dataFolderRequested)
    settings_menu.addAction(window.data_folder_action)
    settings_menu.setToolTipsVisible(True)  # the folder's path, on hover

    def show_folder() -> None:
        folder = window.data_dir_provider()
        window.data_folder_action.setToolTip(f"Sessions are kept in {folder}" if folder else "")

    settings_menu.aboutToShow.connect(show_folder)

    help_menu = bar.addMenu("&Help")
    shortcuts_action = _action(window, "&Keyboard shortcuts", "Ctrl+/")
    shortcuts_action.triggered.connect(window.show_shortcuts)
    help_menu.addAction(shortcuts_action)
    about = _action(window, f"&About {APP_NAME}")
    about.triggered.connect(window.show_about)
    help_menu.addAction(about)
