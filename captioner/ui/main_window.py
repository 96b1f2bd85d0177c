"""The main window: pick an input and an engine, Start/Stop, read the transcript.

Widgets here render state and forward intent as signals; what happens on Start
(which engine, which source, which key) is decided by the app."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QSize, Signal
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QVBoxLayout,
    QWidget,
)

from captioner import APP_NAME
from captioner.engines.registry import EngineId, EngineSpec
from captioner.ui.call_panel import CallPanel
from captioner.ui.contrast import muted, readable_placeholders
from captioner.ui.dialog_slots import DialogSlots
from captioner.ui.focus_ring import FocusRing
from captioner.ui.input_choice import InputChoice
from captioner.ui.main_menus import build_menus
from captioner.ui.recovery_banner import RecoveryBanner
from captioner.ui.screen_fit import FittingScroll, GrowWithText, KeepOnScreen, fit_size, for_text
from captioner.ui.status_line import StatusLine
from captioner.ui.top_row import TopRow
from captioner.ui.transcript_view import IDLE_PLACEHOLDER, TranscriptView

if TYPE_CHECKING:  # the help dialogs load when first opened, the transcript with a run
    from captioner.core.transcript import Turn
    from captioner.ui.help_dialogs import AboutDialog, ShortcutsWindow

RUNNING_PLACEHOLDER = "Listening. Captions appear here as soon as someone speaks."
CALL_MODE_INPUT_TIP = (
    "Call mode captions the Microphone and System audio chosen below. "
    "Switch call mode off to caption a single input."
)


class MainWindow(QMainWindow):
    """Input and engine pickers, Start/Stop, live transcript, status line.

    Signals:
        startRequested(): the user pressed Start.
        stopRequested(): the user pressed Stop (or Cancel, while a Start waits).
        refreshDevicesRequested(): the user asked to re-scan input devices.
        inputsLocked(bool): the pickers were locked (a run starts) or unlocked.
        inputChosen(object): the user picked another input (its InputChoice).
        engineChosen(str): the user picked another engine (its EngineId value).
        overlayToggled(bool): show (True) or hide the caption overlay.
        closeRequested(): the window was closed (the app may keep captioning in the tray).
        quitRequested(): File ▸ Quit; the app stops captioning first, then quits.
        overlaySettingsRequested(): Settings ▸ Captions… was chosen.
        assemblyaiSettingsRequested(): Settings ▸ AssemblyAI… was chosen.
        lockToggled(bool): lock (click-through) or unlock the overlay.
        placeOverlayRequested(): View ▸ Place caption overlay… (sample captions, before a run),
            or, while they are shown, its Done placing caption overlay.
        exportRequested(): File ▸ Export… (Ctrl+S).
        importRequested(): File ▸ Import transcript….
        copyRequested(): Edit ▸ Copy transcript.
        sessionsRequested(): View ▸ Sessions….
        dataFolderRequested(): Settings ▸ Open sessions folder.
        recoverRequested(): the banner's Recover button.
        discardRequested(): the banner's Discard button.
    """

    startRequested = Signal()
    stopRequested = Signal()
    refreshDevicesRequested = Signal()
    inputsLocked = Signal(bool)
    inputChosen = Signal(object)
    engineChosen = Signal(str)
    overlayToggled = Signal(bool)
    closeRequested = Signal()
    quitRequested = Signal()
    overlaySettingsRequested = Signal()
    assemblyaiSettingsRequested = Signal()
    lockToggled = Signal(bool)
    placeOverlayRequested = Signal()
    exportRequested = Signal()
    importRequested = Signal()
    copyRequested = Signal()
    sessionsRequested = Signal()
    dataFolderRequested = Signal()
    recoverRequested = Signal()
    discardRequested = Signal()

    def __init__(self, icon: QIcon | None = None) -> None:
        super().__init__()
        self.setWindowTitle(APP_NAME)
        if icon is not None:
            self.setWindowIcon(icon)
        self._running = False
        self._starting = False  # a Start waits (the keyring, imports): Start is Cancel
        self._busy = False
        self.inputs_locked = False  # while a run is live or a Start waits
        self._may_close = False
        self._engines: list[EngineSpec] = []
        self._filling = False  # the pickers are being refilled: not the user's choice
        # Where sessions are kept, asked when shown (About, the folder action's tip):
        # the folder can be changed while the app runs.
        self.data_dir_provider: Callable[[], Path | None] = lambda: None
        self._dialogs = DialogSlots()

        central = QWidget(self)
        layout = QVBoxLayout(central)

        top = TopRow()  # Input ⟳ Engine, level, Start
        self.input_combo, self.refresh_button = top.input_combo, top.refresh_button
        self.engine_combo, self.level_meter = top.engine_combo, top.level_meter
        self.start_button = top.start_button
        self.refresh_button.clicked.connect(self.refreshDevicesRequested)
        self.start_button.clicked.connect(self._on_start_clicked)
        layout.addLayout(top)

        # What lies between the top row and the transcript scrolls on a short screen
        # (call mode's rows, a banner): Start and the transcript stay in the window.
        controls = QWidget()
        below = QVBoxLayout(controls)
        below.setContentsMargins(0, 0, 0, 0)
        options = QHBoxLayout()
        self.engine_hint = QLabel()
        self.engine_hint.setObjectName("engineHint")
        self.engine_hint.setWordWrap(True)
        self.overlay_check = QCheckBox("Show caption &overlay")
        self.overlay_check.setChecked(True)
        self.overlay_check.toggled.connect(self.overlayToggled)
        options.addWidget(self.engine_hint, 1)
        options.addWidget(self.overlay_check)
        below.addLayout(options)

        self.call_panel = CallPanel()
        self.call_panel.toggle.toggled.connect(self._update_input_enabled)
        below.addWidget(self.call_panel)

        self.recovery_banner = RecoveryBanner()
        self.recovery_banner.recoverRequested.connect(self.recoverRequested)
        self.recovery_banner.discardRequested.connect(self.discardRequested)
        self.recovery_label = self.recovery_banner.label
        below.addWidget(self.recovery_banner)
        self.controls_scroll = FittingScroll(controls, "Options")
        layout.addWidget(self.controls_scroll)

        self.transcript = TranscriptView()
        layout.addWidget(self.transcript, 1)
        self.setCentralWidget(central)

        self.status_line = StatusLine()
        self.status_label = self.status_line.label
        self.statusBar().addWidget(self.status_line, 1)
        self.engine_combo.currentIndexChanged.connect(self._on_engine_changed)
        self.input_combo.currentIndexChanged.connect(self._on_input_changed)

        self.start_action: QAction
        self.overlay_action: QAction
        self.lock_action: QAction
        self.place_action: QAction
        self.data_folder_action: QAction
        build_menus(self)
        self.focus_ring = FocusRing(self)
        self._apply_palette()
        fit_size(self, for_text(self, QSize(820, 520)))  # roomy, or as much as a small screen holds
        self.grow_with_text = GrowWithText(self, QSize(820, 520))  # a font grown later
        self.keep_on_screen = KeepOnScreen(self)

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
        self.set_starting(self._starting)
        # The empty transcript must not say "press Start" while captioning.
        self.transcript.setPlaceholderText(RUNNING_PLACEHOLDER if running else IDLE_PLACEHOLDER)

    def set_starting(self, starting: bool) -> None:
        """While a Start waits (maybe for good, on a keyring) Start is Cancel; pickers lock."""
        self._starting = starting
        busy = self._running or starting
        word = "Stop" if self._running else "Cancel" if starting else "Start"
        name = "Cancel start" if word == "Cancel" else "Start or stop captioning"
        self.start_button.setText(word)
        self.start_button.setAccessibleName(name)  # what a screen reader says it does now
        self.start_action.setText("&Cancel start" if word == "Cancel" else f"&{word} captioning")
        self.call_panel.set_running(busy)
        self.refresh_button.setEnabled(not busy)
        self.engine_combo.setEnabled(not busy)
        self._update_input_enabled()
        if busy != self.inputs_locked:
            self.inputs_locked = busy
            self.inputsLocked.emit(busy)

    def _update_input_enabled(self) -> None:
        """The single-input picker is off during a run and in call mode (say why)."""
        call_mode = self.call_panel.call_mode()
        self.input_combo.setEnabled(not (self._running or self._starting) and not call_mode)
        self.input_combo.setToolTip(CALL_MODE_INPUT_TIP if call_mode else "")
        self.input_combo.setAccessibleDescription(CALL_MODE_INPUT_TIP if call_mode else "")

    def show_status(self, text: str, is_error: bool = False, detail: str = "") -> None:
        """The status line: a short sentence; technical ``detail`` goes in its tooltip."""
        self.status_line.show_status(text, is_error, detail)

    def show_saved(self, text: str, path: str | Path) -> None:
        """An export was written: say where and offer "Open folder"."""
        self.status_line.show_saved(text, path)

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
        self.level_meter.set_level(level)

    def set_locked(self, locked: bool) -> None:
        self.lock_action.blockSignals(True)
        self.lock_action.setChecked(locked)
        self.lock_action.blockSignals(False)

    def status_text(self) -> str:
        return self.status_line.text()

    def status_detail(self) -> str:
        return self.status_line.detail()

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
            self._busy = True  # until the session has ended; not disabled: the focus would
            self.start_button.setText("Stopping…")  # move on, and Space then hid the overlay
            self.stopRequested.emit()
        else:  # Start; or Cancel while a Start waits (at once: there is nothing to wait for)
            (self.stopRequested if self._starting else self.startRequested).emit()

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

    def show_about(self) -> AboutDialog:
        from captioner.ui import help_dialogs  # on first use (issue 14)

        return self._dialogs.show("about", help_dialogs.AboutDialog(self.data_dir_provider(), self))

    def show_shortcuts(self) -> ShortcutsWindow:
        from captioner.ui import help_dialogs

        return self._dialogs.show("shortcuts", help_dialogs.ShortcutsWindow(self.menuBar(), self))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()

    def _apply_palette(self) -> None:
        """The engine hint is secondary text: quieter, but at AA contrast on any theme."""
        hint = self.engine_hint.palette()
        window = self.palette().color(QPalette.ColorRole.Window)
        text = self.palette().color(QPalette.ColorRole.WindowText)
        hint.setColor(QPalette.ColorRole.WindowText, muted(text, window))
        self.engine_hint.setPalette(hint)
        readable_placeholders(self)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._may_close:
            event.accept()
            return
        # The app decides: hide to the tray and keep captioning, or stop the
        # session properly first (cloud sessions are billed while open), then quit.
        event.ignore()
        self.closeRequested.emit()
