"""The composition root: builds the objects, connects them, runs the Qt loop through qasync.

Behaviour lives in small objects in :mod:`captioner.ui` with one job each (starting
a run, presenting captions on the overlay, the quit sequence, call mode, …); this
module only decides which objects exist and which signals reach which slots.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable

from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from PySide6.QtWidgets import QApplication

from captioner import APP_NAME
from captioner.audio.devices import InputDevice, open_device_source
from captioner.audio.system import SystemAudioDevice
from captioner.core.settings import Settings
from captioner.engines.base import AudioSource
from captioner.ui.announcer import CaptionAnnouncer
from captioner.ui.call_mode import CallMode
from captioner.ui.controller import CaptionController
from captioner.ui.engine_picker import EnginePicker
from captioner.ui.global_hotkey import GlobalHotkey, grab_for
from captioner.ui.input_picker import InputPicker
from captioner.ui.launch_requests import LaunchRequests, launch_options, tell_handover
from captioner.ui.level_monitor import LevelMonitor
from captioner.ui.main_window import MainWindow
from captioner.ui.overlay import CaptionOverlay
from captioner.ui.overlay_captions import OverlayCaptions
from captioner.ui.overlay_visibility import OverlayVisibility
from captioner.ui.profanity_filter import ProfanityFilter
from captioner.ui.quit_sequence import QuitSequence
from captioner.ui.resources import app_icon, read_text
from captioner.ui.run_starter import RunStarter
from captioner.ui.service_status import ServiceStatus
from captioner.ui.session_actions import SessionActions
from captioner.ui.session_manager import SessionManager
from captioner.ui.settings_dialogs import SettingsDialogs
from captioner.ui.single_instance import SingleInstance, server_name
from captioner.ui.storage_notice import StorageNotice
from captioner.ui.tray import CaptionerTray
from captioner.ui.unix_signals import install_signal_handlers, restore_signal_handlers
from captioner.ui.window_memory import WindowMemory


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
        list_devices: Callable[[], list[InputDevice]] | None = None,
        open_device: Callable[[InputDevice], AudioSource] = open_device_source,
        rescan_devices: Callable[[], None] | None = None,
        list_system_sources: Callable[[], list[SystemAudioDevice]] | None = None,
        use_tray: bool | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__()
        self.settings, self.prefs = settings, (prefs := Settings(settings))
        self.controller = c = CaptionController(self)
        self.window = w = MainWindow(app_icon())
        self.window_memory = WindowMemory(w, prefs, self)
        self.overlay = CaptionOverlay(prefs)
        self.profanity = ProfanityFilter(prefs, self)
        self.levels = LevelMonitor(self)
        self.sessions = SessionManager(args.data_dir, self, prefs=prefs)
        use_tray = CaptionerTray.available() if use_tray is None else use_tray
        self.tray = CaptionerTray(app_icon(), self) if use_tray else None
        self.engines = EnginePicker(w, prefs, requested=args.engine, parent=self)
        self.inputs = InputPicker(
            w,
            w.call_panel,
            prefs,
            list_devices=list_devices,
            rescan_devices=rescan_devices,
            list_system_sources=list_system_sources,
            args=args,
            loop=loop,
            parent=self,
        )
        self.call = CallMode(w.call_panel, prefs, open_device, self, start_on=args.call_mode)
        self.runs = RunStarter(
            w,
            c,
            engines=self.engines,
            inputs=self.inputs,
            call=self.call,
            sessions=self.sessions,
            levels=self.levels,
            prefs=prefs,
            api_host=args.api_host,
            open_device=open_device,
            tray=self.tray,
            parent=self,
        )
        self.overlay_captions = OverlayCaptions(c, self.overlay, self.profanity, self)
        self.overlay_visibility = OverlayVisibility(w, self.overlay, c, prefs, self.tray, self)
        self.announcer = CaptionAnnouncer(c, self.overlay, self.profanity, prefs, self)
        self.dialogs = SettingsDialogs(
            w, self.overlay, c, self.engines, self.profanity, prefs, args.api_host, self
        )
        self.quit_sequence = QuitSequence(w, self.overlay, c, prefs, self.sessions, self.tray, self)
        self.quit_sequence.finished.connect(self.quitFinished)
        self._wire()
        self.engines.load()
        self.inputs.refresh()
        self.session_actions = SessionActions(w, c, self.sessions, prefs, self.profanity, self)
        self.storage = StorageNotice(w, c, self.sessions, self)
        self.service_status = ServiceStatus(w, c, self)
        c.serviceChanged.connect(self.sessions.note_service)  # the model in use, journaled
        w.set_level(None)
        if self.tray is not None:
            self.tray.showWindowRequested.connect(w.bring_to_front)
            self.tray.show()

    def _wire(self) -> None:
        c, w = self.controller, self.window
        self.levels.levelChanged.connect(w.set_level)
        c.transcriptReset.connect(w.clear_transcript)
        c.turnFinished.connect(w.add_turn)
        c.turnRevised.connect(w.revise_turn)
        c.partialChanged.connect(w.set_partial)
        c.partialCleared.connect(lambda: w.set_partial(None))
        c.statusChanged.connect(lambda text, error: w.show_status(text, error, c.status_detail))
        c.runningChanged.connect(w.set_running)
        w.set_mask_profanity(self.profanity.enabled)
        self.profanity.changed.connect(w.set_mask_profanity)
        self.call.sourceLost.connect(lambda _side, message: w.show_status(message, True))

    def start_captioning(self) -> None:
        self.runs.start()

    def request_quit(self) -> None:
        self.quit_sequence.request()


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
    reply = instance.hand_over(launch_options(args))  # --input-file … --start is not lost
    if reply is not None:
        return tell_handover(reply)
    instance.listen()
    captioner = CaptionerApp(args, settings, loop=loop)  # inputs are looked for on the loop
    instance.activationRequested.connect(captioner.window.bring_to_front)
    instance.launchRequested.connect(LaunchRequests.of(captioner, args).handle)
    hotkey = GlobalHotkey()
    notifier = install_signal_handlers(captioner.quit_sequence.request_unattended)
    if args.start:  # the session is what was asked for: its engine loads with the window
        captioner.engines.preload_now()
    captioner.window.show()
    QTimer.singleShot(  # after the first paint (issue 14)
        0,
        lambda: grab_for(
            hotkey,
            app.platformName(),
            captioner.overlay_visibility.toggle_lock,
            captioner.overlay.set_global_shortcut,
        ),
    )
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
    settings.sync()  # now: the entry point then ends the process without Python's teardown
    return 0
