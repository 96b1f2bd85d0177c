"""The tray icon: captioning keeps running when the main window is closed.

It is also the way back from a click-through (locked) overlay, which by
design ignores the mouse.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon


class CaptionerTray(QObject):
    """Tray icon with Start/Stop, Show/Hide overlay, Lock/Unlock overlay, Quit.

    Signals:
        startStopRequested(), overlayToggled(bool), lockToggled(bool),
        showWindowRequested(), quitRequested()
    """

    startStopRequested = Signal()
    overlayToggled = Signal(bool)
    lockToggled = Signal(bool)
    showWindowRequested = Signal()
    quitRequested = Signal()

    def __init__(self, icon: QIcon, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.menu = QMenu()
        self.start_action = QAction("Start captioning", self.menu)
        self.start_action.triggered.connect(self.startStopRequested)
        self.overlay_action = QAction("Show overlay", self.menu, checkable=True)
        self.overlay_action.toggled.connect(self.overlayToggled)
        self.lock_action = QAction("Lock overlay (click-through)", self.menu, checkable=True)
        self.lock_action.toggled.connect(self.lockToggled)
        window_action = QAction("Show main window", self.menu)
        window_action.triggered.connect(self.showWindowRequested)
        quit_action = QAction("Quit", self.menu)
        quit_action.triggered.connect(self.quitRequested)
        for action in (self.start_action, self.overlay_action, self.lock_action):
            self.menu.addAction(action)
        self.menu.addSeparator()
        self.menu.addAction(window_action)
        self.menu.addAction(quit_action)
        self.icon = QSystemTrayIcon(icon, self)
        self.icon.setToolTip("Captioner")
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._on_activated)
        self._running = False
        self._starting = False

    @staticmethod
    def available() -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable()

    def show(self) -> None:
        self.icon.show()

    def hide(self) -> None:
        self.icon.hide()

    def set_running(self, running: bool) -> None:
        self._running = running
        self._show_run_state()

    def set_starting(self, starting: bool) -> None:
        """A Start waits (the keyring, imports): the item cancels it."""
        self._starting = starting
        self._show_run_state()

    def _show_run_state(self) -> None:
        if self._running:
            self.start_action.setText("Stop captioning")
            self.icon.setToolTip("Captioner — captioning")
        elif self._starting:
            self.start_action.setText("Cancel start")
            self.icon.setToolTip("Captioner — starting")
        else:
            self.start_action.setText("Start captioning")
            self.icon.setToolTip("Captioner")

    def set_overlay_visible(self, visible: bool) -> None:
        self.overlay_action.blockSignals(True)
        self.overlay_action.setChecked(visible)
        self.overlay_action.blockSignals(False)

    def set_locked(self, locked: bool) -> None:
        self.lock_action.blockSignals(True)
        self.lock_action.setChecked(locked)
        self.lock_action.blockSignals(False)

    def notify(self, title: str, message: str, *, warning: bool = False) -> None:
        kind = (
            QSystemTrayIcon.MessageIcon.Warning
            if warning
            else QSystemTrayIcon.MessageIcon.Information
        )
        self.icon.showMessage(title, message, kind, 8000)

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.showWindowRequested.emit()
