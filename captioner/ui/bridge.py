"""Carries engine events from engine threads onto the GUI thread as Qt signals.

Engines call listener methods on their own threads (the AssemblyAI SDK's
read thread, a decoder thread).  This object lives on the GUI thread; a
signal emitted from another thread is delivered to GUI-thread receivers
through a queued connection, so widgets only ever see events on the GUI
thread and never an SDK type.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from captioner.core.transcript import TurnUpdate
from captioner.engines.base import (
    EngineError,
    EngineNotice,
    EngineState,
    EngineStatus,
    ServiceSession,
)


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

    def on_partial(self, update: TurnUpdate) -> None:
        self.partial.emit(update)

    def on_final(self, update: TurnUpdate) -> None:
        self.final.emit(update)

    def on_state(self, state: EngineState, detail: str) -> None:
        self.state.emit(state, detail)

    def on_error(self, error: EngineError) -> None:
        self.error.emit(error)

    def on_status(self, status: EngineStatus) -> None:
        self.status.emit(status)

    def on_translation(self, turn_id: str, language: str, text: str) -> None:
        self.translation.emit(turn_id, language, text)

    def on_speaker_revision(
        self, turn_id: str, speaker: str | None, word_speakers: tuple[str | None, ...]
    ) -> None:
        self.speakerRevision.emit(turn_id, speaker, word_speakers)

    def on_service_session(self, session: ServiceSession) -> None:
        self.serviceSession.emit(session)

    def on_notice(self, notice: EngineNotice) -> None:
        self.notice.emit(notice)
