"""Opens the Settings menu's dialogs and applies what they change to the running app.

Captions… restyles the overlay (the dialog previews on it live);
AssemblyAI… may bring a key (so the default engine may change) and
changes key terms, turn silences, languages, prompt and mode, which reach a
running cloud session without a restart.  Its other options, and the
translation language, model and speaker options, wait for the next Start:
after OK during a cloud run the status line names those that changed, so a
switch that seems to do nothing ("Tell speakers apart" unticked, labels
still coming) says why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

from captioner.core.settings import Key, Settings
from captioner.engines.base import LiveConfigurable, TakesNames
from captioner.engines.registry import EngineId

if TYPE_CHECKING:
    # The dialogs are imported when first opened (a few ms of bytecode then), not
    # before the main window shows: issue 14's launch time.
    from captioner.ui.assemblyai_settings import AssemblyAISettingsDialog
    from captioner.ui.controller import CaptionController
    from captioner.ui.engine_picker import EnginePicker
    from captioner.ui.main_window import MainWindow
    from captioner.ui.overlay import CaptionOverlay
    from captioner.ui.overlay_settings import OverlaySettingsDialog
    from captioner.ui.profanity_filter import ProfanityFilter
    from captioner.ui.translation_settings import TranslationSettingsDialog


class SettingsDialogs(QObject):
    """Settings ▸ Captions… and Settings ▸ AssemblyAI…, both window-modal."""

    def __init__(
        self,
        window: MainWindow,
        overlay: CaptionOverlay,
        controller: CaptionController,
        engines: EnginePicker,
        profanity: ProfanityFilter,
        prefs: Settings,
        api_host: str,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._overlay = overlay
        self._controller = controller
        self._engines = engines
        self._profanity = profanity
        self._prefs = prefs
        self._api_host = api_host
        window.overlaySettingsRequested.connect(self.edit_captions)
        window.assemblyaiSettingsRequested.connect(self.edit_assemblyai)
        window.translation_action.triggered.connect(self.edit_translation)

    def edit_captions(self) -> OverlaySettingsDialog:
        from captioner.ui.overlay_settings import OverlaySettingsDialog

        dialog = OverlaySettingsDialog(self._overlay, self._prefs, self._window, self._profanity)
        dialog.accepted.connect(self._names_to_run)
        dialog.setModal(True)
        dialog.open()
        return dialog

    def _names_to_run(self) -> None:
        """The names reach a running offline run at once (its next words)."""
        engine = self._controller.engine
        if isinstance(engine, TakesNames):
            engine.set_names(self._prefs.get(Key.CAPTION_NAMES).splitlines())

    def edit_assemblyai(self) -> AssemblyAISettingsDialog:
        from captioner.ui.assemblyai_settings import AssemblyAISettingsDialog

        dialog = AssemblyAISettingsDialog(self._prefs, self._api_host, self._window)
        dialog.liveUpdate.connect(self.update_running_session)
        dialog.accepted.connect(self._engines.load)  # a new key may change the default
        dialog.accepted.connect(
            lambda: self._said(dialog.said_on_close, self._waiting(dialog.next_start))
        )
        dialog.setModal(True)
        dialog.open()
        return dialog

    def _waiting(self, changed: list[str]) -> str:
        """What OK changed that the running cloud session goes on without ("" if none)."""
        from captioner.ui.assemblyai_help import next_start_message  # loaded with the dialogs

        # Only a cloud run has these settings (the hosted and in-process engines alike).
        cloud = self._cloud_run() is not None
        return next_start_message(changed) if self._controller.running and cloud else ""

    def _cloud_run(self) -> LiveConfigurable | None:
        """The running engine if it is a cloud one (it takes setting changes), else None."""
        engine = self._controller.engine
        return engine if isinstance(engine, LiveConfigurable) else None

    def _said(self, *texts: str) -> None:
        text = " ".join(t for t in texts if t)
        if text:
            self._window.show_status(text)

    def edit_translation(self) -> TranslationSettingsDialog:
        """Translation and speaker options; offline selected: shown unavailable, with why."""
        from captioner.ui.translation_settings import TranslationSettingsDialog

        selected = self._engines.selected()
        offline = selected is not None and selected.id is EngineId.OFFLINE
        dialog = TranslationSettingsDialog(self._prefs, offline, self._window)
        dialog.accepted.connect(
            lambda: self._overlay.set_translation_display(
                self._prefs.get(Key.TRANSLATION_DISPLAY), bool(self._prefs.get(Key.TRANSLATE_TO))
            )
        )
        dialog.accepted.connect(lambda: self._said(self._waiting(dialog.next_start)))
        dialog.setModal(True)
        dialog.open()
        return dialog

    def update_running_session(self, changes: dict[str, Any]) -> None:
        """Key terms, turn silences, languages, prompt and mode reach a live cloud session.

        ``changes`` are connect parameter names and values
        (``session_options.live_changes``); the engine sends them as one
        ``UpdateConfiguration`` without blocking (the SDK queues it).
        """
        # Only the cloud engines (in-process or hosted) take changes mid-session.
        engine = self._cloud_run()
        if engine is not None:
            engine.update_configuration(**changes)
