"""Builds the objects, wires their signals and runs the Qt loop through qasync.

This is the one place that knows every layer: it turns the user's picks
(input, engine) into an audio source and an engine, hands them to the
:class:`CaptionController`, and guarantees that quitting — window close,
Quit, Ctrl+C, SIGTERM — first ends the captioning run (for AssemblyAI:
``Terminate`` sent and ``Termination`` awaited, since open sessions are
billed).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from captioner import APP_NAME, keystore
from captioner.audio.call import MIC, SYSTEM, CallSources
from captioner.audio.devices import InputDevice, find_device, list_input_devices, rescan
from captioner.audio.errors import AudioError
from captioner.audio.source import DeviceSource, WavFileSource
from captioner.audio.system import SystemAudioDevice, help_text, list_system_sources
from captioner.core.settings import Key, Settings
from captioner.core.transcript import Turn
from captioner.engines.assemblyai import AssemblyAIConfig, AssemblyAIEngine
from captioner.engines.base import AudioSource, Engine, EngineListener
from captioner.engines.call import make_call_engine
from captioner.ui.assemblyai_settings import AssemblyAISettingsDialog, config_from_settings
from captioner.ui.controller import CaptionController, EngineFactory
from captioner.ui.global_hotkey import GlobalHotkey
from captioner.ui.level_monitor import LevelMonitor
from captioner.ui.main_window import EngineChoice, InputChoice, MainWindow
from captioner.ui.overlay import CaptionOverlay
from captioner.ui.overlay_captions import OverlayCaptions
from captioner.ui.overlay_settings import OverlaySettingsDialog
from captioner.ui.profanity_filter import ProfanityFilter
from captioner.ui.resources import app_icon, read_text
from captioner.ui.session_actions import SessionActions
from captioner.ui.session_manager import SessionManager
from captioner.ui.single_instance import SingleInstance, server_name
from captioner.ui.tray import CaptionerTray
from captioner.ui.unix_signals import install_signal_handlers, restore_signal_handlers

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT_S = 10.0  # Terminate → Termination wait is 5 s; leave room for the flush

ENGINE_CHOICES = {
    "offline": EngineChoice(
        "offline",
        "Offline (on this computer)",
        "Offline: private, free, works without internet; lower accuracy.",
    ),
    "assemblyai": EngineChoice(
        "assemblyai",
        "AssemblyAI (cloud)",
        "AssemblyAI: much higher accuracy with punctuation; needs internet and an API key.",
    ),
}

NO_KEY_MESSAGE = (
    "No AssemblyAI API key. Choose Settings ▸ AssemblyAI… (or set "
    "ASSEMBLYAI_API_KEY), or pick the offline engine."
)


def offline_engine_available() -> bool:
    try:
        import captioner.engines.offline  # noqa: F401
    except ImportError:
        return False
    return True


class CallEvents(QObject):
    """Call-mode notices from capture threads, re-emitted on the GUI thread.

    Signals:
        echo(str): the microphone hears the speakers (suggest headphones).
        sourceLost(str, str): one side's device vanished (side, message); the other goes on.
    """

    echo = Signal(str)
    sourceLost = Signal(str, str)


class CaptionerApp(QObject):
    """The running application: one main window, one overlay, one controller.

    Signals:
        quitFinished(): captioning has ended and the windows are closed.
    """

    quitFinished = Signal()

    def __init__(
        self,
        args: argparse.Namespace,
        settings: QSettings,
        *,
        list_devices: Callable[[], list[InputDevice]] = list_input_devices,
        open_device: Callable[[InputDevice], AudioSource] = DeviceSource,
        rescan_devices: Callable[[], None] = rescan,
        list_system_sources: Callable[[], list[SystemAudioDevice]] = list_system_sources,
        use_tray: bool | None = None,
    ) -> None:
        super().__init__()
        self.args = args
        self.settings = settings
        self.prefs = Settings(settings)
        self._list_devices = list_devices
        self._open_device = open_device
        self._rescan_devices = rescan_devices
        self._list_system_sources = list_system_sources
        self.call_events = CallEvents(self)
        self._call_sources: CallSources | None = None
        self._call_levels = QTimer(self)
        self._call_levels.setInterval(50)
        self._call_levels.timeout.connect(self._show_call_levels)
        self.controller = CaptionController(self)
        self.window = MainWindow(app_icon())
        self.overlay = CaptionOverlay(self.prefs)
        self.profanity = ProfanityFilter(self.prefs, self)
        self.window.transcript.set_mask_profanity(self.profanity.enabled)
        self.levels = LevelMonitor(self)
        self.sessions = SessionManager(Path(args.data_dir) if args.data_dir else None, self)
        self.tray: CaptionerTray | None = None
        if use_tray if use_tray is not None else CaptionerTray.available():
            self.tray = CaptionerTray(app_icon(), self)
        self._quitting = False
        self.finished = False
        self._wire()
        self._load_engines()
        self.refresh_inputs()
        if not self.prefs.get(Key.OVERLAY_VISIBLE):
            self.window.overlay_check.setChecked(False)
        self.window.set_locked(self.overlay.locked)
        self.session_actions = SessionActions(
            self.window, self.controller, self.sessions, self, profanity=self.profanity
        )
        self.session_actions.check_for_crashed_sessions()
        self.window.set_level(None)
        if self.tray is not None:
            self.tray.set_overlay_visible(self.window.overlay_check.isChecked())
            self.tray.set_locked(self.overlay.locked)
            self.tray.show()

    # -- wiring --------------------------------------------------------------

    def _wire(self) -> None:
        c, w = self.controller, self.window
        w.startRequested.connect(self.start_captioning)
        w.stopRequested.connect(c.stop)
        w.refreshDevicesRequested.connect(self.rescan_inputs)
        w.engine_combo.currentIndexChanged.connect(self._preload_engine)
        w.apiKeyEntered.connect(self._store_api_key)
        w.overlayToggled.connect(self._on_overlay_toggled)
        w.closeRequested.connect(self._on_window_closed)
        w.quitRequested.connect(self.request_quit)
        w.overlaySettingsRequested.connect(self.edit_overlay_settings)
        w.assemblyaiSettingsRequested.connect(self.edit_assemblyai_settings)
        w.lockToggled.connect(self.overlay.set_locked)
        self.overlay.lockedChanged.connect(w.set_locked)
        self.levels.levelChanged.connect(w.set_level)
        self.levels.silenceDetected.connect(self._on_silence)
        c.turnFinished.connect(self._announce)
        c.transcriptReset.connect(w.transcript.clear_transcript)
        self.profanity.changed.connect(w.transcript.set_mask_profanity)
        self.sessions.problem.connect(lambda message: w.show_status(message, True))
        if self.tray is not None:
            t = self.tray
            t.startStopRequested.connect(self.toggle_captioning)
            t.overlayToggled.connect(w.overlay_check.setChecked)
            w.overlay_check.toggled.connect(t.set_overlay_visible)
            t.lockToggled.connect(self.overlay.set_locked)
            self.overlay.lockedChanged.connect(t.set_locked)
            t.showWindowRequested.connect(self.show_window)
            t.quitRequested.connect(self.request_quit)
            c.runningChanged.connect(t.set_running)
        c.turnFinished.connect(w.add_turn)
        c.turnRevised.connect(w.revise_turn)
        c.partialChanged.connect(w.set_partial)
        c.partialCleared.connect(partial(w.set_partial, None))
        self.overlay_captions = OverlayCaptions(c, self.overlay, self.profanity, self)
        w.call_panel.muteToggled.connect(self._on_call_mute)
        self.call_events.echo.connect(w.call_panel.show_echo_hint)
        self.call_events.sourceLost.connect(lambda _side, message: w.show_status(message, True))
        c.statusChanged.connect(w.show_status)
        c.statusChanged.connect(self._on_status)
        c.runningChanged.connect(w.set_running)
        c.runningChanged.connect(self._on_running)

    def _load_engines(self) -> None:
        engines = [ENGINE_CHOICES["assemblyai"]]
        if offline_engine_available():
            engines.insert(0, ENGINE_CHOICES["offline"])
        ids = [e.engine_id for e in engines]
        has_key = bool(keystore.load_api_key())
        remembered = self.prefs.get(Key.ENGINE)
        if self.args.engine:
            chosen = self.args.engine
        elif remembered in ids and (remembered != "assemblyai" or has_key):
            chosen = remembered
        else:
            chosen = "assemblyai" if has_key or "offline" not in ids else "offline"
        self.window.set_engines(engines, chosen)
        self._preload_engine()

    def rescan_inputs(self) -> None:
        """The ⟳ button: ask PortAudio for devices again (a headset plugged in since)."""
        try:
            self._rescan_devices()
        except AudioError as exc:
            self.window.show_status(str(exc), True)
        self.refresh_inputs()

    def _preload_engine(self) -> None:
        # The offline model takes a moment to load: start now, in the
        # background, so Start is instant when the user gets there.
        if self.window.selected_engine() == "offline":
            from captioner.engines.offline import preload

            preload()

    def refresh_inputs(self) -> None:
        choices: list[InputChoice] = []
        selected = 0
        if self.args.input_file:
            path = Path(self.args.input_file)
            choices.append(InputChoice(f"File: {path.name}", file_path=str(path)))
        try:
            devices = self._list_devices()
        except AudioError as exc:
            devices = []
            self.window.show_status(str(exc), True)
        wanted = self._preferred_device(devices)
        for device in devices:
            if device == wanted and not self.args.input_file:
                selected = len(choices)
            choices.append(InputChoice(device.label, device=device))
        systems = self._list_system_sources()
        choices += [InputChoice(system.label, system=system) for system in systems]
        self.window.set_inputs(choices, selected)
        self.window.call_panel.set_sources(devices, systems)
        self.window.call_panel.set_help("" if systems else help_text())

    def _preferred_device(self, devices: list[InputDevice]) -> InputDevice | None:
        if self.args.device is not None:
            try:
                return find_device(self.args.device, devices)
            except AudioError as exc:
                self.window.show_status(str(exc), True)
                return None
        remembered = self.prefs.get(Key.DEVICE_NAME)
        for device in devices:
            if remembered and device.name == remembered:
                return device
        return next((d for d in devices if d.is_default), None)

    # -- starting and stopping -------------------------------------------------

    def start_captioning(self) -> None:
        if self.controller.running:
            return
        choice = self.window.selected_input()
        if choice is None:
            self.controller.report_error("No input device. Connect a microphone and press ⟳.")
            return
        engine_id = self.window.selected_engine()
        call = self.window.call_panel.call_mode()
        factory = self._engine_factory(engine_id, call_names=call)
        if factory is None:
            return
        source = self._make_call_sources() if call else self._make_source(choice)
        if source is None:
            return
        self.prefs.set(Key.ENGINE, engine_id)
        if choice.device is not None:
            self.prefs.set(Key.DEVICE_NAME, choice.device.name)
        self.overlay.set_placeholder("")
        if self.window.overlay_check.isChecked():
            self.overlay.show()
        transcript = self.controller.new_transcript()
        self.sessions.begin(
            transcript,
            engine=engine_id,
            source=getattr(source, "name", ""),
            settings=self._text_settings(engine_id),
        )
        self.controller.start(factory, source)
        self.levels.watch(source)

    def _engine_factory(self, engine_id: str, *, call_names: bool = False) -> EngineFactory | None:
        names = self.window.call_panel.names()
        if engine_id == "assemblyai":
            key = keystore.load_api_key()
            if not key:
                self.controller.report_error(NO_KEY_MESSAGE)
                return None
            config = config_from_settings(self.prefs, key, self.args.api_host)

            def make_cloud(listener: EngineListener) -> Engine:
                if call_names:
                    return make_call_engine("assemblyai", listener, config=config, names=names)
                return AssemblyAIEngine(listener, config)

            return make_cloud
        if engine_id == "offline":
            from captioner.engines.offline import OfflineEngine

            def make_offline(listener: EngineListener) -> Engine:
                if call_names:
                    return make_call_engine("offline", listener, names=names)
                return OfflineEngine(listener)

            return make_offline
        self.controller.report_error(f"Unknown engine “{engine_id}”.")
        return None

    def _make_call_sources(self) -> AudioSource | None:
        """Microphone and system audio side by side, for call mode."""
        panel = self.window.call_panel
        mic, system = panel.selected(MIC), panel.selected(SYSTEM)
        if mic is None or system is None:
            self.controller.report_error(
                "Call mode needs a microphone and a system audio source. " + help_text()
            )
            return None
        sources = CallSources(
            self._open_device(mic),
            system.make_source(),
            on_source_lost=self.call_events.sourceLost.emit,
            on_echo=self.call_events.echo.emit,
        )
        for side in (MIC, SYSTEM):
            sources.set_muted(side, panel.muted(side))
        self._call_sources = sources
        self._call_levels.start()
        return sources

    def _show_call_levels(self) -> None:
        sources = self._call_sources
        if sources is not None:
            self.window.call_panel.set_levels(sources.level(MIC), sources.level(SYSTEM))

    def _on_call_mute(self, side: str, muted: bool) -> None:
        if self._call_sources is not None:
            self._call_sources.set_muted(side, muted)

    def _make_source(self, choice: InputChoice) -> AudioSource | None:
        if choice.file_path is not None:
            return WavFileSource(choice.file_path, realtime=True)
        if choice.system is not None:
            return choice.system.make_source()
        if choice.device is None:
            self.controller.report_error("No input device. Connect a microphone and press ⟳.")
            return None
        return self._open_device(choice.device)

    # -- reactions -------------------------------------------------------------

    def _on_status(self, text: str, is_error: bool) -> None:
        listening = text == "Listening"
        self.overlay.set_placeholder("Listening…" if listening else text)
        # Over captions, interruptions show as a small badge: readers must know
        # when text stops because the link is down, not because nobody speaks.
        interrupted = is_error or text.startswith("Reconnecting")
        self.overlay.set_badge(text if interrupted and self.controller.running else "")

    def _text_settings(self, engine_id: str) -> dict[str, object]:
        """What shaped the text, for the session record (never the key)."""
        if engine_id != "assemblyai":
            return {}
        return {
            "speech_model": self.prefs.get(Key.AAI_SPEECH_MODEL),
            "format_turns": self.prefs.get(Key.AAI_FORMAT_TURNS),
            "speaker_labels": self.prefs.get(Key.AAI_SPEAKER_LABELS),
            # The server's filter masks before the journal sees the words (ours does not).
            "filter_profanity": self.prefs.get(Key.AAI_FILTER_PROFANITY),
        }

    def _on_running(self, running: bool) -> None:
        if not running:
            self.levels.watch(None)
            self.overlay.set_badge("")
            self._call_levels.stop()
            self._call_sources = None
            self.sessions.finish()
            if self.sessions.problem_text and self.controller.last_error is None:
                # "Stopped" must not hide that this session was not saved.
                self.window.show_status(f"Stopped. {self.sessions.problem_text}", True)
        if not running and self._quitting:
            self._finish_quit()

    def _on_silence(self, name: str) -> None:
        self.window.show_status(
            f"No sound from “{name}” for 5 seconds. Is it muted, or the wrong input?", True
        )

    def _announce(self, _index: int, turn: Turn) -> None:
        """Optionally hand finished lines to screen readers (off by default: noisy)."""
        if self.prefs.get(Key.ANNOUNCE_CAPTIONS):
            turn = self.profanity.turn(turn)  # heard as the overlay shows it
            text = f"{turn.speaker}: {turn.text}" if turn.speaker else turn.text
            QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(self.overlay, text))

    def toggle_captioning(self) -> None:
        if self.controller.running:
            self.controller.stop()
        else:
            self.start_captioning()

    def toggle_overlay_lock(self) -> None:
        """The global shortcut: the way back from a click-through overlay, from anywhere."""
        self.overlay.set_locked(not self.overlay.locked)
        if self.window.overlay_check.isChecked() and self.controller.running:
            self.overlay.show()

    def show_window(self) -> None:
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()

    def edit_assemblyai_settings(self) -> None:
        dialog = AssemblyAISettingsDialog(self.prefs, self.args.api_host, self.window)
        dialog.liveUpdate.connect(self._update_running_session)
        dialog.accepted.connect(self._load_engines)  # a new key may change the default
        dialog.setModal(True)
        dialog.open()

    def _update_running_session(self, config: AssemblyAIConfig) -> None:
        """Key terms and turn silences reach a live cloud session without a restart."""
        engine = self.controller.engine
        if isinstance(engine, AssemblyAIEngine):
            engine.update_configuration(
                keyterms=config.keyterms,
                min_turn_silence=config.min_turn_silence_ms,
                max_turn_silence=config.max_turn_silence_ms,
            )

    def edit_overlay_settings(self) -> None:
        dialog = OverlaySettingsDialog(self.overlay, self.prefs, self.window, self.profanity)
        dialog.setModal(True)
        dialog.open()

    def _on_window_closed(self) -> None:
        """Closing the window keeps captioning in the tray, where there is one."""
        if self.tray is None or not self.controller.running:
            self.request_quit()
            return
        self.window.hide()
        if not self.prefs.get(Key.TRAY_NOTICE_SHOWN):
            self.prefs.set(Key.TRAY_NOTICE_SHOWN, True)
            self.tray.notify(
                "Captioner is still captioning",
                "Captions continue in the overlay. Use the tray icon to stop, "
                "show the window or quit.",
            )

    def _on_overlay_toggled(self, visible: bool) -> None:
        self.prefs.set(Key.OVERLAY_VISIBLE, visible)
        if visible and self.controller.running:
            self.overlay.show()
        elif not visible:
            self.overlay.hide()

    def _store_api_key(self, key: str) -> None:
        try:
            keystore.save_api_key(key)
        except keystore.KeyStoreError as exc:
            QMessageBox.warning(self.window, "API key not saved", str(exc))
            return
        if key:
            self.window.show_status(f"API key saved in the system keyring ({keystore.mask(key)}).")
        else:
            self.window.show_status("API key removed from the system keyring.")

    # -- quitting ----------------------------------------------------------------

    def request_quit(self) -> None:
        """Stop captioning (bounded wait for the session to end), then quit."""
        if self._quitting:
            return
        self._quitting = True
        if not self.controller.running:
            self._finish_quit()
            return
        self.window.show_status("Stopping…")
        self.controller.stop()
        QTimer.singleShot(int(SHUTDOWN_TIMEOUT_S * 1000), self._quit_after_timeout)

    def _quit_after_timeout(self) -> None:
        if not self.finished:
            log.warning("The engine did not stop in %.0f s; quitting anyway", SHUTDOWN_TIMEOUT_S)
            self._finish_quit()

    def _finish_quit(self) -> None:
        if self.finished:
            return
        self.finished = True
        if self.tray is not None:
            self.tray.hide()
        self.overlay.close()
        self.window.allow_close()
        self.window.close()
        self.quitFinished.emit()


def make_settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, APP_NAME, APP_NAME)


def run_gui(args: argparse.Namespace) -> int:
    import qasync

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setDesktopFileName("captioner")
    app.setWindowIcon(app_icon())
    app.setQuitOnLastWindowClosed(False)  # we quit ourselves, after stopping the engine
    app.setStyleSheet(read_text("main.qss"))
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    settings = make_settings()
    instance = SingleInstance(server_name(settings.fileName()))
    if instance.notify_running_instance():
        print("Captioner is already running; showing its window.", file=sys.stderr)
        return 0
    instance.listen()
    captioner = CaptionerApp(args, settings)
    instance.activationRequested.connect(captioner.show_window)
    hotkey = GlobalHotkey()
    if app.platformName() == "xcb" and hotkey.start():
        hotkey.activated.connect(captioner.toggle_overlay_lock)
    else:
        log.info("No global shortcut: %s", hotkey.problem or app.platformName())
    notifier = install_signal_handlers(captioner.request_quit)
    captioner.window.show()
    if args.start:
        QTimer.singleShot(0, captioner.start_captioning)
    done: asyncio.Future[None] = loop.create_future()
    captioner.quitFinished.connect(lambda: done.done() or done.set_result(None))
    with loop:
        loop.run_until_complete(done)
    del notifier
    hotkey.stop()
    instance.close()
    restore_signal_handlers()
    return 0
