"""The main window: pick an input and an engine, Start/Stop, read the transcript.

Widgets here render state and forward intent as signals; what happens on
Start (which engine, which source, which key) is decided by the app.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from captioner import APP_NAME, __version__
from captioner.audio.devices import InputDevice
from captioner.core.transcript import Turn
from captioner.engines.registry import EngineId, EngineSpec
from captioner.ui.call_panel import CallPanel
from captioner.ui.recovery_banner import RecoveryBanner
from captioner.ui.transcript_view import TranscriptView


@dataclass(frozen=True)
class InputChoice:
    """One entry of the input picker: a capture device, or a WAV file path."""

    label: str
    device: InputDevice | None = None
    file_path: str | None = None
    system: Any = None  # a SystemAudioDevice: what the speakers play


class MainWindow(QMainWindow):
    """Input and engine pickers, Start/Stop, live transcript, status line.

    Signals:
        startRequested(): the user pressed Start.
        stopRequested(): the user pressed Stop.
        refreshDevicesRequested(): the user asked to re-scan input devices.
        inputChosen(object): the user picked another input (its InputChoice).
        engineChosen(str): the user picked another engine (its EngineId value).
        overlayToggled(bool): show (True) or hide the caption overlay.
        closeRequested(): the window was closed (the app may keep captioning in the tray).
        quitRequested(): File ▸ Quit; the app stops captioning first, then quits.
        overlaySettingsRequested(): Settings ▸ Captions… was chosen.
        assemblyaiSettingsRequested(): Settings ▸ AssemblyAI… was chosen.
        lockToggled(bool): lock (click-through) or unlock the overlay.
        exportRequested(): File ▸ Export… (Ctrl+S).
        importRequested(): File ▸ Import transcript….
        copyRequested(): Edit ▸ Copy transcript.
        sessionsRequested(): View ▸ Sessions….
        recoverRequested(): the banner's Recover button.
        discardRequested(): the banner's Discard button.
    """

    startRequested = Signal()
    stopRequested = Signal()
    refreshDevicesRequested = Signal()
    inputChosen = Signal(object)
    engineChosen = Signal(str)
    overlayToggled = Signal(bool)
    closeRequested = Signal()
    quitRequested = Signal()
    overlaySettingsRequested = Signal()
    assemblyaiSettingsRequested = Signal()
    lockToggled = Signal(bool)
    exportRequested = Signal()
    importRequested = Signal()
    copyRequested = Signal()
    sessionsRequested = Signal()
    recoverRequested = Signal()
    discardRequested = Signal()

    def __init__(self, icon: QIcon | None = None) -> None:
        super().__init__()
        self.setWindowTitle(APP_NAME)
        if icon is not None:
            self.setWindowIcon(icon)
        self._running = False
        self._busy = False
        self._may_close = False
        self._engines: list[EngineSpec] = []
        self._filling = False  # the pickers are being refilled: not the user's choice

        central = QWidget(self)
        layout = QVBoxLayout(central)

        row = QHBoxLayout()
        input_label = QLabel("&Input:")
        self.input_combo = QComboBox()
        self.input_combo.setAccessibleName("Input device")
        self.input_combo.setMinimumContentsLength(28)
        self.input_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        input_label.setBuddy(self.input_combo)
        self.refresh_button = QToolButton()
        self.refresh_button.setText("⟳")
        self.refresh_button.setToolTip("Look for input devices again")
        self.refresh_button.setAccessibleName("Refresh input devices")
        self.refresh_button.clicked.connect(self.refreshDevicesRequested)
        engine_label = QLabel("&Engine:")
        self.engine_combo = QComboBox()
        self.engine_combo.setAccessibleName("Recognition engine")
        engine_label.setBuddy(self.engine_combo)
        self.start_button = QPushButton("Start")
        self.start_button.setAccessibleName("Start or stop captioning")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self._on_start_clicked)
        row.addWidget(input_label)
        row.addWidget(self.input_combo, 1)
        row.addWidget(self.refresh_button)
        row.addSpacing(12)
        row.addWidget(engine_label)
        row.addWidget(self.engine_combo)
        row.addSpacing(12)
        self.level_meter = QProgressBar()
        self.level_meter.setObjectName("levelMeter")
        self.level_meter.setAccessibleName("Input level")
        self.level_meter.setRange(0, 100)
        self.level_meter.setTextVisible(False)
        self.level_meter.setFixedWidth(70)
        self.level_meter.setToolTip("Input level: it moves when the device hears sound")
        row.addWidget(self.level_meter)
        row.addWidget(self.start_button)
        layout.addLayout(row)

        options = QHBoxLayout()
        self.engine_hint = QLabel()
        self.engine_hint.setObjectName("engineHint")
        self.engine_hint.setWordWrap(True)
        self.overlay_check = QCheckBox("Show caption &overlay")
        self.overlay_check.setChecked(True)
        self.overlay_check.toggled.connect(self.overlayToggled)
        options.addWidget(self.engine_hint, 1)
        options.addWidget(self.overlay_check)
        layout.addLayout(options)

        self.call_panel = CallPanel()
        layout.addWidget(self.call_panel)

        self.recovery_banner = RecoveryBanner()
        self.recovery_banner.recoverRequested.connect(self.recoverRequested)
        self.recovery_banner.discardRequested.connect(self.discardRequested)
        self.recovery_label = self.recovery_banner.label
        layout.addWidget(self.recovery_banner)

        self.transcript = TranscriptView()
        layout.addWidget(self.transcript, 1)
        self.setCentralWidget(central)

        self.status_label = QLabel("Ready")
        self.status_label.setObjectName("statusLine")
        self.status_label.setAccessibleName("Status")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label.setWordWrap(True)
        self.statusBar().addWidget(self.status_label, 1)
        self.engine_combo.currentIndexChanged.connect(self._on_engine_changed)
        self.input_combo.currentIndexChanged.connect(self._on_input_changed)

        self._build_menus()
        self.resize(820, 520)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.start_action = QAction("&Start captioning", self)
        self.start_action.setShortcut(QKeySequence("Ctrl+Return"))
        self.start_action.triggered.connect(self._on_start_clicked)
        file_menu.addAction(self.start_action)
        export_action = QAction("&Export transcript…", self)
        export_action.setShortcut(QKeySequence.StandardKey.Save)
        export_action.triggered.connect(self.exportRequested)
        file_menu.addAction(export_action)
        import_action = QAction("&Import transcript (JSON)…", self)
        import_action.triggered.connect(self.importRequested)
        file_menu.addAction(import_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.quitRequested)
        file_menu.addAction(quit_action)

        edit_menu = self.menuBar().addMenu("&Edit")
        copy_action = QAction("&Copy transcript", self)
        copy_action.setShortcut(QKeySequence("Ctrl+Shift+C"))
        copy_action.triggered.connect(self.copyRequested)
        edit_menu.addAction(copy_action)

        view_menu = self.menuBar().addMenu("&View")
        sessions_action = QAction("&Sessions…", self)
        sessions_action.setShortcut(QKeySequence("Ctrl+H"))
        sessions_action.triggered.connect(self.sessionsRequested)
        view_menu.addAction(sessions_action)
        self.overlay_action = QAction("Caption &overlay", self)
        self.overlay_action.setCheckable(True)
        self.overlay_action.setChecked(True)
        self.overlay_action.setShortcut(QKeySequence("Ctrl+Shift+O"))
        self.overlay_action.toggled.connect(self.overlay_check.setChecked)
        self.overlay_check.toggled.connect(self.overlay_action.setChecked)
        view_menu.addAction(self.overlay_action)
        self.lock_action = QAction("&Lock overlay (click-through)", self)
        self.lock_action.setCheckable(True)
        self.lock_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.lock_action.toggled.connect(self.lockToggled)
        view_menu.addAction(self.lock_action)

        settings_menu = self.menuBar().addMenu("&Settings")
        captions_action = QAction("&Captions…", self)
        captions_action.triggered.connect(self.overlaySettingsRequested)
        settings_menu.addAction(captions_action)
        key_action = QAction("&AssemblyAI (API key, model, key terms)…", self)
        key_action.triggered.connect(self.assemblyaiSettingsRequested)
        settings_menu.addAction(key_action)

        help_menu = self.menuBar().addMenu("&Help")
        about = QAction(f"&About {APP_NAME}", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    # -- state from the app --------------------------------------------------

    def set_inputs(self, choices: list[InputChoice], selected: int = 0) -> None:
        self._filling = True
        try:
            self.input_combo.clear()
            for choice in choices:
                self.input_combo.addItem(choice.label, choice)
            if not choices:
                self.input_combo.addItem("No input devices found", None)
            self.input_combo.setCurrentIndex(max(0, min(selected, self.input_combo.count() - 1)))
        finally:
            self._filling = False

    def selected_input(self) -> InputChoice | None:
        return self.input_combo.currentData()

    def set_engines(self, engines: Sequence[EngineSpec], selected: EngineId) -> None:
        self._engines = list(engines)
        self._filling = True
        try:
            self.engine_combo.clear()
            for engine in engines:
                self.engine_combo.addItem(engine.display_name, engine.id.value)
            self.engine_combo.setCurrentIndex(max(0, self.engine_combo.findData(selected.value)))
        finally:
            self._filling = False
        self._show_engine_hint()

    def selected_engine(self) -> EngineId | None:
        return EngineId.parse(self.engine_combo.currentData())

    def set_running(self, running: bool) -> None:
        """Start becomes Stop while a run is live; pickers lock until it ends."""
        self._running = running
        self._busy = False
        self.start_button.setEnabled(True)
        self.start_button.setText("Stop" if running else "Start")
        self.start_action.setText("&Stop captioning" if running else "&Start captioning")
        self.input_combo.setEnabled(not running)
        self.call_panel.set_running(running)
        self.refresh_button.setEnabled(not running)
        self.engine_combo.setEnabled(not running)

    def show_status(self, text: str, is_error: bool = False) -> None:
        self.status_label.setText(text)
        self.status_label.setProperty("error", is_error)
        self.status_label.setStyleSheet("color: #c0392b; font-weight: bold;" if is_error else "")

    def show_no_sound(self, name: str) -> None:
        """The input has given only digital silence for a while: likely muted or the wrong one."""
        self.show_status(
            f"No sound from “{name}” for 5 seconds. Is it muted, or the wrong input?", True
        )

    def overlay_shown(self) -> bool:
        """Whether the user wants the caption overlay on screen (View ▸ Caption overlay)."""
        return self.overlay_check.isChecked()

    def set_overlay_shown(self, shown: bool) -> None:
        self.overlay_check.setChecked(shown)

    def set_level(self, level: float | None) -> None:
        """Show the input level (0..1 RMS, shown on a dB scale); None hides the meter."""
        self.level_meter.setVisible(level is not None)
        if level is None:
            return
        db = 20 * math.log10(level) if level > 1e-5 else -100.0
        self.level_meter.setValue(int(max(0.0, min(1.0, (db + 60) / 60)) * 100))

    def set_locked(self, locked: bool) -> None:
        self.lock_action.blockSignals(True)
        self.lock_action.setChecked(locked)
        self.lock_action.blockSignals(False)

    def status_text(self) -> str:
        return self.status_label.text()

    def add_turn(self, index: int, turn: Turn) -> None:
        self.transcript.insert_turn(index, turn)

    def revise_turn(self, index: int, turn: Turn) -> None:
        self.transcript.revise_turn(index, turn)

    def set_partial(self, turn: Turn | None) -> None:
        self.transcript.show_partial(turn)

    def clear_transcript(self) -> None:
        self.transcript.clear_transcript()

    def set_mask_profanity(self, mask: bool) -> None:
        self.transcript.set_mask_profanity(mask)

    def show_recovery(self, text: str) -> None:
        self.recovery_banner.show_text(text)

    def hide_recovery(self) -> None:
        self.recovery_banner.hide()

    def bring_to_front(self) -> None:
        """Show the window over the others (tray, a second launch)."""
        self.show()
        self.raise_()
        self.activateWindow()

    def allow_close(self) -> None:
        """The app has stopped captioning; the next close really closes."""
        self._may_close = True

    # -- user intent -----------------------------------------------------------

    def _on_start_clicked(self) -> None:
        if self._busy:
            return
        if self._running:
            self._busy = True
            self.start_button.setEnabled(False)  # until the session has ended
            self.stopRequested.emit()
        else:
            self.startRequested.emit()

    def _on_engine_changed(self) -> None:
        self._show_engine_hint()
        engine = self.selected_engine()
        if not self._filling and engine is not None:
            self.engineChosen.emit(engine.value)

    def _on_input_changed(self) -> None:
        choice = self.selected_input()
        if not self._filling and choice is not None:
            self.inputChosen.emit(choice)

    def _show_engine_hint(self) -> None:
        index = self.engine_combo.currentIndex()
        if 0 <= index < len(self._engines):
            self.engine_hint.setText(self._engines[index].hint)

    def _about(self) -> None:
        QMessageBox.about(
            self,
            f"About {APP_NAME}",
            f"<b>{APP_NAME}</b> {__version__}<br>Live captions for calls, meetings and videos.",
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._may_close:
            event.accept()
            return
        # The app decides: hide to the tray and keep captioning, or stop the
        # session properly first (cloud sessions are billed while open), then quit.
        event.ignore()
        self.closeRequested.emit()
