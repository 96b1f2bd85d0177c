"""Carries engine events from engine threads onto the GUI thread as Qt signals.

Engines call listener methods on their own threads (the AssemblyAI SDK's
read thread, a decoder thread).  This object lives on the GUI thread and
emits its signals only there, so widgets only ever see events on the GUI
thread and never an SDK type.  An event from another thread crosses on
:func:`~captioner.ui.gui_relay.to_gui` rather than as a signal emitted on
this object from that thread: a late SDK callback must not race the
bridge's deletion (an app dropped or quitting), which is a use-after-free.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject, Signal

from captioner.core.transcript import TurnUpdate
from captioner.engines.base import (
    EngineError,
    EngineNotice,
    EngineState,
    EngineStatus,
    ServiceSession,
)
from captioner.ui.gui_relay import to_gui


class EngineBridge(QObject):
    """An ``EngineListener`` that re-emits every event as a signal.

    Signals:
        partial(TurnUpdate): an in-progress turn grew or changed.
        final(TurnUpdate): a turn finished (or was re-sent formatted).
        state(EngineState, str): the run changed state; the string is a detail.
        error(EngineError): the run failed; the message is for the user.
        status(EngineStatus): a state's summary with its technical detail (tooltip, log).
        translation(str, str, str): turn key, language, text of a finished turn's translation.
        speakerRevision(str, object, object): turn key, new label (``None``: no label
            yet), tuple of the new label of each word (may be empty).
        serviceSession(ServiceSession): the model and mode the service says it runs.
        notice(EngineNotice): a service warning or the like: shown quietly, not an error.
    """

    partial = Signal(object)
    final = Signal(object)
    state = Signal(object, str)
    error = Signal(object)
    status = Signal(object)
    translation = Signal(str, str, str)
    speakerRevision = Signal(str, object, object)
    serviceSession = Signal(object)
    notice = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._gui_thread = threading.get_ident()
        self._cross = to_gui(self, lambda bridge, event: bridge._emit(*event))

    def _emit(self, name: str, *args: Any) -> None:
        """Emit signal ``name`` now if on the GUI thread, else from the GUI thread, in order."""
        if threading.get_ident() == self._gui_thread:
            getattr(self, name).emit(*args)
        else:
            self._cross((name, *args))

    def on_partial(self, update: TurnUpdate) -> None:
        self._emit("partial", update)

    def on_final(self, update: TurnUpdate) -> None:
        self._emit("final", update)

    def on_state(self, state: EngineState, detail: str) -> None:
        self._emit("state", state, detail)

    def on_error(self, error: EngineError) -> None:
        self._emit("error", error)

    def on_status(self, status: EngineStatus) -> None:
        self._emit("status", status)

    def on_translation(self, turn_id: str, language: str, text: str) -> None:
        self._emit("translation", turn_id, language, text)

    def on_speaker_revision(
        self, turn_id: str, speaker: str | None, word_speakers: tuple[str | None, ...]
    ) -> None:
        self._emit("speakerRevision", turn_id, speaker, word_speakers)

    def on_service_session(self, session: ServiceSession) -> None:
        self._emit("serviceSession", session)

    def on_notice(self, notice: EngineNotice) -> None:
        self._emit("notice", notice)
