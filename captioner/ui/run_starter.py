"""Start: turn the user's picks into an audio source and an engine, and begin a run.

Everything a run needs is checked before the engine starts (an input, both
sources in call mode, a key for an engine that needs one), so a problem is
reported at once and nothing half-starts.  The key is read on a worker thread
(the keyring may wait for an unlock prompt) while the source already captures;
a missing or malformed key closes the source again and says why.  A live input starts capturing the
moment Start is pressed (:class:`~captioner.audio.early_capture.EarlyCapture`),
while the engine loads or connects, so the first words are not lost.  Start
pressed while the inputs are still being looked for waits for them.  A Start
that waits can be cancelled (:mod:`captioner.ui.pending_start`).  When the
run ends, what it held is let go and its session record is closed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal

from captioner import keystore
from captioner.audio.devices import (
    CALL_CAPTURE_MODULES,
    CAPTURE_MODULES,
    FILE_CAPTURE_MODULES,
    InputDevice,
)
from captioner.audio.errors import AudioError
from captioner.core import lazy_import
from captioner.core.settings import Key, Settings
from captioner.engines.base import AudioSource, Engine, EngineListener
from captioner.engines.registry import EngineId, EngineOptions, EngineSpec
from captioner.ui.assemblyai_config import config_from_settings
from captioner.ui.call_mode import CallMode
from captioner.ui.controller import CaptionController, EngineFactory
from captioner.ui.engine_picker import EnginePicker
from captioner.ui.input_picker import LOOKING, InputPicker
from captioner.ui.keyring_access import off_gui_thread
from captioner.ui.level_monitor import LevelMonitor
from captioner.ui.main_window import InputChoice, MainWindow
from captioner.ui.pending_start import PendingStart, close_off_gui_thread
from captioner.ui.session_manager import SessionManager
from captioner.ui.tray import CaptionerTray

NO_INPUT_MESSAGE = "No input device. Connect a microphone and press ⟳."
READING_KEY = "Reading the API key from the system keyring…"
STARTING = "Starting…"
CANCELLED = "Start cancelled."


def _ignore(_: object) -> None:
    """A warm-up's answer: nothing to do (a failure is reported when Start needs it)."""


class RunStarter(QObject):
    """Starts a captioning run from the window's picks; tidies up when it ends.

    It answers the window's Start and Stop and the tray's one Start/Stop item,
    whose label follows whether a run is in progress; while a Start waits, the
    same control cancels it.

    Signals:
        captureOverflowed(str): the engine fell so far behind that captured audio
            was dropped (emitted on the capture thread, shown on the GUI thread).
    """

    captureOverflowed = Signal(str)
    fileWarning = Signal(str)  # a file input read despite a damaged header (reader thread)

    def __init__(
        self,
        window: MainWindow,
        controller: CaptionController,
        *,
        engines: EnginePicker,
        inputs: InputPicker,
        call: CallMode,
        sessions: SessionManager,
        levels: LevelMonitor,
        prefs: Settings,
        api_host: str,
        open_device: Callable[[InputDevice], AudioSource],
        tray: CaptionerTray | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._controller = controller
        self._engines = engines
        self._inputs = inputs
        self._call = call
        self._sessions = sessions
        self._levels = levels
        self._prefs = prefs
        self._api_host = api_host
        self._open_device = open_device
        self._source: AudioSource | None = None
        self._pending = PendingStart(self)
        self._start_when_filled: int | None = None  # the attempt waiting for the inputs
        controller.runningChanged.connect(self._on_running)
        levels.show_hints_in(window, controller)
        inputs.filled.connect(self._on_inputs_filled)
        self.captureOverflowed.connect(self._on_overflow)
        self._file_warning: str | None = None
        self.fileWarning.connect(self._on_file_warning)
        # Queued: after the window has shown the engine's status, so "Listening" keeps it.
        controller.statusChanged.connect(
            self._keep_file_warning, Qt.ConnectionType.QueuedConnection
        )
        window.startRequested.connect(self.start)
        window.stopRequested.connect(self.stop)
        self._pending.changed.connect(window.set_starting)
        if tray is not None:
            tray.startStopRequested.connect(self.toggle)
            controller.runningChanged.connect(tray.set_running)
            self._pending.changed.connect(tray.set_starting)

    @property
    def source(self) -> AudioSource | None:
        """The audio source of the run in progress (capturing since Start), or None."""
        return self._source

    def _capture_modules(self, choice: InputChoice | None) -> tuple[str, ...]:
        """What opening the run's source will import (loaded on a worker first)."""
        if self._call.enabled:
            return CALL_CAPTURE_MODULES
        if choice is not None and choice.file_path is not None:
            return FILE_CAPTURE_MODULES
        return CAPTURE_MODULES

    @property
    def pending(self) -> bool:
        """Whether a Start is waiting (inputs, imports, the keyring) for its run to begin."""
        return self._pending.active

    def start(self) -> None:
        """Start pressed: begin a run, or wait for what it needs (cancellable meanwhile)."""
        if self._controller.running or self._pending.active:
            return
        self._proceed()

    def stop(self) -> None:
        """Stop pressed: end the run, or cancel a Start that is still waiting."""
        if self._controller.running:
            self._controller.stop()
        else:
            self.cancel()

    def cancel(self) -> None:
        """Cancel a waiting Start: what it waits for begins nothing when it answers, the
        input it opened is closed off the GUI thread, and a new Start works at once."""
        if not self._pending.cancel():
            return
        self._start_when_filled = None
        self._window.show_status(CANCELLED, False)

    def _wait(self, status: str, source: AudioSource | None = None) -> int:
        """Start waits for something (say what): the attempt its answer must belong to."""
        attempt = self._pending.wait(source)
        self._window.show_status(status, False)
        return attempt

    def _fail(self, message: str, source: AudioSource | None = None) -> None:
        """Start cannot go on: close what it opened (off the GUI thread) and say why."""
        self._pending.settle()
        if source is not None:
            close_off_gui_thread(source)
            self._call.run_ended()  # a call's meters and its lost-side attempts end too
        self._controller.report_error(message)

    def _proceed(self) -> None:
        """Start's steps; each wait goes on here, or in ``_with_key``/``_begin``, on its answer."""
        choice = self._window.selected_input()
        needs_devices = self._call.enabled or choice is None or choice.file_path is None
        if self._inputs.loading and needs_devices:
            # The picker still says "Looking for inputs…": start when it has them
            # (a file given with --input-file needs no devices and starts now).
            self._start_when_filled = self._wait(LOOKING)
            modules = self._capture_modules(choice)
            if not lazy_import.ready(modules):  # meanwhile: what opening will need
                off_gui_thread(
                    lambda: lazy_import.load(modules), _ignore, self, name="capture-import"
                )
            return
        if self._inputs.device_problem:  # --device picked none: never caption another instead
            self._fail(f"Not started: {self._inputs.device_problem} Choose one, then press Start.")
            return
        engine = self._engines.selected()
        if choice is None or engine is None:
            self._fail(NO_INPUT_MESSAGE)
            return
        modules = self._capture_modules(choice)
        if not lazy_import.ready(modules):
            self._load_then_start(lambda: lazy_import.load(modules), "Audio capture")
            return
        try:
            if self._call.enabled:
                source: AudioSource = self._call.open_sources(self.captureOverflowed.emit)
            else:
                source = self._open_source(choice)
        except AudioError as exc:
            self._fail(str(exc))
            return
        if not engine.needs_key:
            self._begin(engine, choice, source, None)
            return
        if self._prefs.get(Key.AAI_TOKEN_URL).strip():
            # A token URL instead of a key: the engine fetches a token before each
            # connection (on its own threads), so no keyring is asked.
            self._begin(engine, choice, source, "")
            return
        if keystore.env_key():  # the environment answers at once: no keyring call
            self._with_key(engine, choice, source, keystore.key_for_run())
            return
        # The key comes from the keyring, which may wait for an unlock prompt: ask it
        # on a worker while the source already captures, and begin when it answers
        # (unless this Start was cancelled by then).
        attempt = self._wait(READING_KEY, source)
        off_gui_thread(
            keystore.key_for_run,
            self._pending.answer(
                attempt, lambda answer: self._with_key(engine, choice, source, answer)
            ),
            self,
            on_error=self._pending.answer(
                attempt,
                lambda exc: self._fail(
                    f"Could not read the API key from the system keyring ({type(exc).__name__}).",
                    source,
                ),
            ),
            name="keyring-start",
        )

    def _load_then_start(self, load: Callable[[], None], what: str) -> None:
        """Import what Start needs on a worker ("Starting…"), then start again.

        numpy and soxr (capture) took 110-130 ms to import on the GUI thread at
        the first Start, freezing the window just as captions were to begin.
        """
        attempt = self._wait(STARTING)

        def failed(exc: Exception) -> None:
            self._fail(f"{what} could not load ({type(exc).__name__}: {exc}).")

        off_gui_thread(
            load,
            self._pending.answer(attempt, lambda _: self._proceed()),
            self,
            on_error=self._pending.answer(attempt, failed),
            name="start-import",
        )

    def _with_key(
        self,
        engine: EngineSpec,
        choice: InputChoice,
        source: AudioSource,
        answer: tuple[str | None, str | None],
    ) -> None:
        key, problem = answer
        if not key or problem:  # name the key, never echo it, and don't send it anywhere
            self._fail(problem or engine.missing_key_message(), source)
            return
        self._begin(engine, choice, source, key)

    def _begin(
        self, engine: EngineSpec, choice: InputChoice, source: AudioSource, key: str | None
    ) -> None:
        call = self._call.enabled
        if engine.loaded(call=call):
            self._begin_loaded(engine, choice, source, key)
            return
        # The engine's code is not imported yet, or the background preload is in the
        # middle of importing it (the SDK's models take ~0.5 s): import it on a worker
        # while the source already captures, so the GUI thread never waits on it.
        attempt = self._wait(STARTING, source)

        def failed(exc: Exception) -> None:
            self._fail(
                f"The {engine.display_name} engine could not load ({type(exc).__name__}: {exc}).",
                source,
            )

        off_gui_thread(
            lambda: engine.load(call=call),
            self._pending.answer(
                attempt, lambda _: self._begin_loaded(engine, choice, source, key)
            ),
            self,
            on_error=self._pending.answer(attempt, failed),
            name="engine-import",
        )

    def _begin_loaded(
        self, engine: EngineSpec, choice: InputChoice, source: AudioSource, key: str | None
    ) -> None:
        self._pending.settle()  # the run owns the source from here
        self._source = source
        self._engines.remember(engine.id)
        self._inputs.remember(choice)
        transcript = self._controller.new_transcript()
        self._sessions.begin(
            transcript,
            engine=engine.id.value,
            source=getattr(source, "name", ""),
            settings=self._text_settings(engine.id),
        )
        self._controller.start(self._engine_factory(engine, key), source)
        self._levels.watch(source)

    def toggle(self) -> None:
        """Start, or stop the run in progress or cancel a waiting Start (the tray's one item)."""
        if self._controller.running or self._pending.active:
            self.stop()
        else:
            self.start()

    def _engine_factory(self, engine: EngineSpec, key: str | None) -> EngineFactory:
        """How to build the engine (``key`` is the API key of one that needs it)."""
        cloud = None if key is None else config_from_settings(self._prefs, key, self._api_host)
        options = EngineOptions(
            call_names=self._call.names() if self._call.enabled else None,
            assemblyai=cloud,
            names=tuple(self._prefs.get(Key.CAPTION_NAMES).splitlines()),
        )

        def make(listener: EngineListener) -> Engine:
            return engine.create(listener, options)

        return make

    def _open_source(self, choice: InputChoice) -> AudioSource:
        """The run's source; a live one is already capturing when this returns."""
        if choice.file_path is not None:
            from captioner.audio.file_source import WavFileSource  # numpy, soxr: on Start

            name = Path(choice.file_path).name
            return WavFileSource(  # realtime: a file loses nothing
                choice.file_path,
                realtime=True,
                on_warning=lambda warning: self.fileWarning.emit(f"{name}: {warning}"),
            )
        from captioner.audio.returning_capture import live_capture  # see CAPTURE_MODULES

        overflow = self.captureOverflowed.emit  # a headset away a moment: the run waits
        if choice.system is not None:
            return live_capture(choice.system, lambda system: system.make_source(), overflow)
        if choice.device is None:
            raise AudioError(NO_INPUT_MESSAGE)
        return live_capture(choice.device, self._open_device, overflow)

    def _on_inputs_filled(self) -> None:
        attempt, self._start_when_filled = self._start_when_filled, None
        if attempt is not None and self._pending.current(attempt):
            if self._window.status_text() == LOOKING:
                self._window.show_status(self._controller.status_text, False)
            self._proceed()

    def _on_file_warning(self, warning: str) -> None:
        self._file_warning = warning
        self._window.show_status(self._file_warning, False)

    def _keep_file_warning(self, text: str, is_error: bool) -> None:
        """The engine's "Listening" would hide the file's warning: show both, once."""
        if self._file_warning and not is_error and text == "Listening":
            self._window.show_status(f"Listening. {self._file_warning}", False)
            self._file_warning = None

    def _on_overflow(self, message: str) -> None:
        self._window.show_status(message, True)

    def _text_settings(self, engine_id: EngineId) -> dict[str, object]:
        """What shaped the text, for the session record (never the key)."""
        if engine_id is not EngineId.ASSEMBLYAI:
            return {}
        return {
            "speech_model": self._prefs.get(Key.AAI_SPEECH_MODEL),
            "format_turns": self._prefs.get(Key.AAI_FORMAT_TURNS),
            "speaker_labels": self._prefs.get(Key.AAI_SPEAKER_LABELS),
            # The server's filter masks before the journal sees the words (ours does not).
            "filter_profanity": self._prefs.get(Key.AAI_FILTER_PROFANITY),
            # Likewise redaction: the record never held the words it hid.
            "redact_pii": self._prefs.get(Key.AAI_REDACT_PII),
        }

    def _on_running(self, running: bool) -> None:
        if running:
            return
        source, self._source = self._source, None
        if source is not None:
            # An engine that never opened it (a failed start) did not close it.
            close_off_gui_thread(source)
        self._levels.watch(None)
        self._call.run_ended()
        self._sessions.finish()
        if self._sessions.problem_text and self._controller.last_error is None:
            # "Stopped" must not hide that this session was not saved.
            self._window.show_status(f"Stopped. {self._sessions.problem_text}", True)
