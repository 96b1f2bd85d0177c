"""The composition root: builds the objects, connects them, runs the Qt loop through qasync.

Behaviour lives in small objects in :mod:`captioner.ui` with one job each (starting
a run, presenting captions on the overlay, the quit sequence, call mode, …); this
module only decides which objects exist and which signals reach which slots.

Start-up is progressive (issue 14): what the first paint shows (the main window,
its engine and input pickers, the call panel) is built first; everything else
(the controller, overlay, sessions, run starter, dialogs, quit sequence, …) is
imported and built on the GUI thread once the window has painted
(:meth:`CaptionerApp.complete`; its modules are :data:`LATER_MODULES`), and
what those need without Qt is imported on a worker meanwhile (see later_modules).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QApplication
from shiboken6 import isValid

from captioner import APP_NAME
from captioner.audio.devices import InputDevice, open_device_source
from captioner.audio.system import SystemAudioDevice
from captioner.core import lazy_import
from captioner.core.settings import Settings
from captioner.engines import registry
from captioner.ui import unix_signals
from captioner.ui.app_look import apply_look
from captioner.ui.call_mode import CallMode
from captioner.ui.display_server import prefer_xwayland
from captioner.ui.early_requests import EARLY_REQUESTS, ask_again, request_signal
from captioner.ui.engine_picker import EnginePicker
from captioner.ui.first_paint import FirstPaint, wait_until
from captioner.ui.gui_collector import GuiThreadCollector
from captioner.ui.input_picker import InputPicker
from captioner.ui.keyring_access import off_gui_thread
from captioner.ui.later_modules import LATER_MODULES, load_core
from captioner.ui.launch_requests import LaunchRequests, launch_options, tell_handover
from captioner.ui.light_asyncio import import_asyncio
from captioner.ui.loop_outcome import LoopOutcome
from captioner.ui.main_window import MainWindow
from captioner.ui.resources import app_icon
from captioner.ui.settings_store import WriteBehindSettings, user_settings
from captioner.ui.single_instance import LaunchRequest, SingleInstance, server_name
from captioner.ui.window_memory import WindowMemory

if TYPE_CHECKING:
    import asyncio  # with qasync, after the window's first paint (run_gui)

    from captioner.engines.base import AudioSource
    from captioner.ui.global_hotkey import GlobalHotkey

# With --start, how long the event loop's asyncio may wait for the session to open.
SESSION_WAIT_MS = 5000
# The GIL's switch interval while the worker imports LATER_CORE_MODULES (default: 5 ms).
START_UP_SWITCH_S = 0.001


class CaptionerApp(QObject):
    """The running application: one main window, one overlay, one controller.

    Built in two steps: the constructor makes what the window's first paint
    shows; :meth:`complete` makes the rest (at once unless ``complete=False``,
    which ``run_gui`` passes so the window shows first).

    Signals:
        quitFinished(): captioning has ended and the windows are closed.
    """

    quitFinished = Signal()

    def __init__(
        self,
        args: argparse.Namespace,
        settings: QSettings | WriteBehindSettings,
        *,
        list_devices: Callable[[], list[InputDevice]] | None = None,
        open_device: Callable[[InputDevice], AudioSource] = open_device_source,
        rescan_devices: Callable[[], None] | None = None,
        list_system_sources: Callable[[], list[SystemAudioDevice]] | None = None,
        use_tray: bool | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
        complete: bool = True,
        loop_later: bool = False,
        look_now: bool = True,
    ) -> None:
        super().__init__()
        self.args, self._open_device, self._use_tray = args, open_device, use_tray
        self.settings, self.prefs = settings, (prefs := Settings(settings))
        self.window = w = MainWindow(app_icon())
        if isinstance(settings, WriteBehindSettings):  # said once, in the status line
            settings.saveFailed.connect(self._settings_not_saved)
        self.window_memory = WindowMemory(w, prefs, self)
        w.transcript.text_size.remember_in(prefs)
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
            loop_later=loop_later,
            parent=self,
        )
        self.call = CallMode(
            w.call_panel,
            prefs,
            open_device,
            self,
            start_on=args.call_mode,
            file_given=bool(getattr(args, "input_file", None)),
        )
        self.engines.load(ask_now=look_now)
        if look_now:  # else the caller calls start_looking (run_gui: once the window shows)
            self.inputs.refresh()
        w.set_level(None)
        self.is_complete = False
        self._early: list[str] = []  # the window's requests made before complete()
        self._after: list[Callable[[], None]] = []
        # The recorders hold the list, not self: no reference cycle through this QObject,
        # which Python's cycle collector could then free on whichever thread it runs
        # (an engine's), taking its Qt children with it.
        self._recorders = [
            (request_signal(w, name), lambda *_a, name=name, early=self._early: early.append(name))
            for name in EARLY_REQUESTS
        ]
        for signal, record in self._recorders:
            signal.connect(record)
        if complete:
            self.complete()

    def complete(self) -> None:
        """Build and wire the rest; replay what the window asked for meanwhile.

        Imports :data:`LATER_MODULES` (already loaded when ``run_gui`` calls this).
        """
        if self.is_complete:
            return
        from captioner.ui.announcer import CaptionAnnouncer
        from captioner.ui.controller import CaptionController
        from captioner.ui.input_in_use import InputInUse
        from captioner.ui.level_monitor import LevelMonitor
        from captioner.ui.meter_pace import MeterPace
        from captioner.ui.overlay import CaptionOverlay
        from captioner.ui.overlay_captions import OverlayCaptions
        from captioner.ui.overlay_visibility import OverlayVisibility
        from captioner.ui.profanity_filter import ProfanityFilter
        from captioner.ui.quit_sequence import QuitSequence
        from captioner.ui.run_starter import RunStarter
        from captioner.ui.service_status import ServiceStatus
        from captioner.ui.session_actions import SessionActions
        from captioner.ui.session_manager import SessionManager
        from captioner.ui.settings_dialogs import SettingsDialogs
        from captioner.ui.storage_notice import StorageNotice
        from captioner.ui.tray import CaptionerTray
        from captioner.ui.tray_alerts import TrayAlerts

        args, prefs, w = self.args, self.prefs, self.window
        self.controller = c = CaptionController(self)
        self.overlay = CaptionOverlay(prefs)
        self.profanity = ProfanityFilter(prefs, self)
        self.levels = LevelMonitor(self)
        self.meter_pace = MeterPace(
            w, (self.levels.timer, self.levels.poll), (self.call.level_timer, self.call.show_levels)
        )
        self.meter_pace.ride(c.partialChanged, c.partialCleared)
        self.sessions = SessionManager(args.data_dir, self, prefs=prefs)
        use_tray = CaptionerTray.available() if self._use_tray is None else self._use_tray
        self.tray = CaptionerTray(app_icon(), self) if use_tray else None
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
            open_device=self._open_device,
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
        self.quit_sequence.quitting.connect(self.runs.cancel)
        runs = self.runs  # not self: no reference cycle through the app
        self.quit_sequence.starting = lambda: runs.pending
        self._wire()
        self.input_in_use = InputInUse(w, c, self.runs, self.inputs, prefs, self)  # see its module
        self.session_actions = SessionActions(w, c, self.sessions, prefs, self.profanity, self)
        self.storage = StorageNotice(w, c, self.sessions, self)
        self.service_status = ServiceStatus(w, c, self)
        self.service_status.noticeShown.connect(self.overlay_visibility.make_way)
        c.serviceChanged.connect(self.sessions.note_service)  # the model in use, journaled
        if self.tray is not None:
            self.tray.showWindowRequested.connect(w.bring_to_front)
            self.tray.show()
            self.tray_alerts = TrayAlerts(w, c, self.tray, self)
            self.quit_sequence.quitting.connect(self.tray_alerts.hush)
        self.is_complete = True
        for signal, record in self._recorders:
            signal.disconnect(record)
        self._recorders = []
        early, self._early = self._early, []
        for name in dict.fromkeys(early):  # each once, in the order first asked
            ask_again(w, name)
        after, self._after = self._after, []
        for call in after:
            call()

    def start_looking(self) -> None:
        """The first look for inputs, the keyring's answer, the device watch: on threads.

        With ``look_now=False`` run_gui calls this once the window shows: the threads'
        imports would slow its start-up (one GIL).
        """
        self.inputs.refresh()
        self.engines.ask_keyring()
        self.inputs.watch_devices()

    def after_complete(self, call: Callable[[], None]) -> None:
        """Run ``call`` now if the app is complete, else as soon as it is."""
        if self.is_complete:
            call()
        else:
            self._after.append(call)

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

    def _settings_not_saved(self, text: str, detail: str) -> None:
        if isValid(self.window):
            self.window.show_status(text, True, detail)

    def start_captioning(self) -> None:
        self.after_complete(lambda: self.runs.start())

    def request_quit(self) -> None:
        self.after_complete(lambda: self.quit_sequence.request())

    def request_unattended_quit(self) -> None:
        """SIGINT, SIGTERM, SIGHUP: quit without questions (saved sessions stay saved)."""
        self.after_complete(lambda: self.quit_sequence.request_unattended())


def _after_opening(captioner: CaptionerApp, call: Callable[[], None]) -> None:
    from captioner.ui.after_opening import after_opening  # loaded by now (LATER_MODULES)

    after_opening(captioner.controller, call, opening=True, parent=captioner)


def run_gui(args: argparse.Namespace) -> int:
    registry.host_cloud_sessions()  # cloud sessions off the window's interpreter lock
    prefer_xwayland(os.environ)  # the overlay's on-top, place and fade (see display_server)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setDesktopFileName("captioner")
    app.setQuitOnLastWindowClosed(False)  # we quit ourselves, after stopping the engine
    apply_look(app)  # icon, text-sized check boxes, main.qss
    (collector := GuiThreadCollector(app)).start()  # Qt wrappers die on the GUI thread only
    settings = user_settings(APP_NAME)  # written off the GUI thread
    instance = SingleInstance(server_name(settings.fileName()))
    # --input-file … --start is not lost; a claimed name is served once the window painted.
    reply = instance.hand_over_or_claim(launch_options(args))
    if reply is not None:
        return tell_handover(reply)
    # The window first; the rest loads while it paints (the inputs are looked for meanwhile).
    captioner = CaptionerApp(args, settings, complete=False, loop_later=True, look_now=False)
    instance.activationRequested.connect(captioner.window.bring_to_front)
    requests: list[LaunchRequest] = []  # a second launch's, until the app can apply them

    def keep(request: LaunchRequest) -> None:
        request.take()  # answered once applied, not "cannot apply options" now
        requests.append(request)

    instance.launchRequested.connect(keep)
    ended_by = unix_signals.QuitBySignal(captioner.request_unattended_quit)  # exit status
    notifier = unix_signals.install_signal_handlers(ended_by)
    hotkey: list[GlobalHotkey] = []  # once complete
    outcome = LoopOutcome()  # how the loop ends, though it starts after the first paint

    def finish_start_up(_: object) -> None:
        from captioner.ui.after_opening import after_opening
        from captioner.ui.global_hotkey import GlobalHotkey, grab_for

        captioner.complete()
        instance.serve()
        collector.freeze_start_up()
        handle = LaunchRequests.of(captioner, args).handle
        instance.launchRequested.disconnect(keep)
        instance.launchRequested.connect(handle)
        for request in requests:
            handle(request)
        hotkey.append(GlobalHotkey())
        # A turn of its own (an X connection and the grab), and with --start only
        # once the session has opened: it would delay the first caption (issue 14).
        after_opening(
            captioner.controller,
            lambda: grab_for(
                hotkey[0],
                app.platformName(),
                captioner.overlay_visibility.toggle_lock,
                captioner.overlay.set_global_shortcut,
            ),
            opening=bool(args.start),
            parent=captioner,
        )

    # With --start: whether the session has opened (or failed, or the app quit), and
    # what waits for that (see below: asyncio's import).
    settled: list[bool] = []
    waiting: list[Callable[[], None]] = []

    def session_settled() -> None:
        settled.append(True)
        for end in waiting:
            end()

    def start_up_failed(exc: Exception) -> None:  # a module that does not import: as before
        sys.setswitchinterval(switch_interval)
        outcome.fail(exc)
        session_settled()

    captioner.quitFinished.connect(outcome.finish)
    first_paint = FirstPaint(captioner.window)
    captioner.window.show()  # before any thread starts: they would slow it down
    app.processEvents()  # sends the map request now (xcb buffers it until the loop turns)
    captioner.start_looking()
    # While the workers import, the GUI thread must get the GIL back quickly to paint
    # and react: Python hands it over every 5 ms by default, every 1 ms until then.
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(min(switch_interval, START_UP_SWITCH_S))
    if args.start:  # the session is what was asked for: its engine loads with the window
        captioner.engines.preload_now()
        captioner.quitFinished.connect(session_settled)
        captioner.after_complete(lambda: _after_opening(captioner, session_settled))
        captioner.start_captioning()  # once complete

    def imported(result: object) -> None:
        sys.setswitchinterval(switch_interval)
        try:  # here, on the GUI thread: they make Qt types (see later_modules)
            lazy_import.load(LATER_MODULES)
        except Exception as exc:
            start_up_failed(exc)
            return
        finish_start_up(result)

    off_gui_thread(load_core, imported, captioner, on_error=start_up_failed, name="start-up-import")
    # asyncio and qasync (~30 ms) only once the window has painted: nothing before
    # needs the loop (the input scan, the one user of it, starts right after).
    first_paint.wait()
    if args.start and not settled:
        # Nothing but the input picker uses the loop, and its first scan fills it
        # without one: asyncio's import (~30 ms of CPU) waits until the session is open.
        wait_until(waiting.append, SESSION_WAIT_MS)
    asyncio = import_asyncio()  # without OpenSSL, which its loop never needs (light_asyncio)
    import qasync

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    captioner.inputs.use_loop(loop)  # the scan starts
    try:
        with loop:
            loop.run_until_complete(outcome.future(loop))
    finally:  # a start-up import that failed too: what was changed is still written
        del notifier
        if hotkey:
            hotkey[0].stop()
        instance.close()
        unix_signals.restore_signal_handlers()
        collector.stop()
        settings.close()  # now (bounded): the entry point then ends the process at once
    return ended_by.exit_status()
