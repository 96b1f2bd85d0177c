"""What the main window may ask for before the app is complete, to be asked again once it is.

The window shows (and its menus work) before the app builds the handlers:
settings dialogs, session actions, the run starter (CaptionerApp.complete).
A menu item chosen in that moment, by a fast user or a screen reader's
activate, was lost; CaptionerApp records these requests until complete()
and replays each once, in the order first asked.
"""

from __future__ import annotations

from PySide6.QtCore import SignalInstance

from captioner.ui.main_window import MainWindow

TRANSLATION_REQUEST = "translation_action"  # a QAction's triggered(bool), not a window signal
EARLY_REQUESTS = (
    "startRequested",
    "stopRequested",
    "closeRequested",
    "quitRequested",
    "overlaySettingsRequested",
    "assemblyaiSettingsRequested",
    "placeOverlayRequested",
    "exportRequested",
    "importRequested",
    "copyRequested",
    "sessionsRequested",
    "dataFolderRequested",
    "recoverRequested",
    "discardRequested",
    TRANSLATION_REQUEST,
)


def request_signal(window: MainWindow, name: str) -> SignalInstance:
    """The signal that says the window asked for ``name`` (see EARLY_REQUESTS)."""
    if name == TRANSLATION_REQUEST:
        return window.translation_action.triggered
    return getattr(window, name)


def ask_again(window: MainWindow, name: str) -> None:
    """Make the request ``name`` once more (complete() has built what answers it)."""
    if name == TRANSLATION_REQUEST:
        window.translation_action.trigger()
    else:
        getattr(window, name).emit()
