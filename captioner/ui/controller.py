"""Runs one captioning session at a time and keeps its transcript.

The controller sits between the engines (which report on their own threads,
through :class:`EngineBridge`) and the widgets (which only render).  It owns
the :class:`~captioner.core.transcript.Transcript`, so every view shows the
same state, and it decides what the user is told when a run changes state.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from captioner.core.transcript import Change, ChangeKind, Transcript, Turn, TurnUpdate
from captioner.engines.base import (
    AudioSource,
    Engine,
    EngineError,
    EngineListener,
    EngineNotice,
    EngineState,
    EngineStatus,
    ServiceSession,
)
from captioner.ui.bridge import EngineBridge

log = logging.getLogger(__name__)
ENGINE_NOTE = "engine"  # status notes of what an engine said lasts (a call's side lost)

EngineFactory = Callable[[EngineListener], Engine]

STATE_TEXT = {
    EngineState.LOADING: "Loading offline model…",
    EngineState.CONNECTING: "Connecting…",
    EngineState.LISTENING: "Listening",
    EngineState.STOPPING: "Stopping…",
    EngineState.STOPPED: "Stopped",
}
RECONNECTING = "Reconnecting…"


def split_status(detail: str) -> tuple[str, str]:
    """A state's words as (what the status line says, technical detail for a tooltip).

    "Reconnecting… (lost the connection to 127.0.0.1:40333: Connection closed
    (code=1006))" is said as "Reconnecting…": a drop the engine is already
    handling is not an alarm, and the close code means nothing to a reader.
    """
    if detail.startswith(RECONNECTING) and detail != RECONNECTING:
        return RECONNECTING, detail
    return detail, ""


class CaptionController(QObject):
    """Starts and stops engine runs and folds their events into the transcript.

    Signals:
        partialChanged(Turn): the in-progress line changed (rewrite it in place); a
            turn without text ended with no words: its line goes, other turns' stay.
        partialCleared(): no turn is in progress any more.
        turnFinished(int, Turn): a turn was inserted at this index of the finished list.
        turnRevised(int, Turn): the finished turn at this index got better text.
        statusChanged(str, bool): the status line text, and whether it is an error;
            its technical detail (for a tooltip) is :attr:`status_detail` by then.
        runningChanged(bool): a run started (True) or fully ended (False).
        transcriptReset(): a new session began with an empty transcript.
        serviceChanged(ServiceSession): the model (and mode) the service says this run
            uses, for the status bar and the session's metadata (:attr:`service_session`).
        noticed(str, str): a notice to show quietly (a service warning, another model
            than the one asked for, system audio following a new default output: also
            emitted by :mod:`captioner.ui.input_in_use`) and its detail; never an error.
        engineStateChanged(EngineState): the run's engine moved to this state
            (LISTENING: the session is open and captions can come).
    """

    partialChanged = Signal(object)
    partialCleared = Signal()
    turnFinished = Signal(int, object)
    turnRevised = Signal(int, object)
    statusChanged = Signal(str, bool)
    runningChanged = Signal(bool)
    transcriptReset = Signal()
    serviceChanged = Signal(object)
    noticed = Signal(str, str)
    engineStateChanged = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.transcript = Transcript()
        self.transcript.subscribe(self._on_change)
        self._bridge = EngineBridge(self)
        self._bridge.partial.connect(self._on_update)
        self._bridge.final.connect(self._on_update)
        self._bridge.state.connect(self._on_state)
        self._bridge.error.connect(self._on_error)
        self._bridge.status.connect(self._on_status)
        # A translation or speaker revision changes a finished turn in place:
        # the transcript says so as REVISED, which reaches every view as turnRevised.
        self._bridge.translation.connect(
            lambda k, lang, t: self.transcript.apply_translation(k, lang, t)
        )
        self._bridge.speakerRevision.connect(
            lambda k, label, words: self.transcript.apply_speaker_revision(k, label, words)
        )
        self._bridge.serviceSession.connect(self._on_service_session)
        self._bridge.notice.connect(self._on_notice)
        self.service_session: ServiceSession | None = None  # what the service said it runs
        self._engine: Engine | None = None
        # The last run's, weakly (its model is not kept): its worker may still be unwinding.
        self._ended: weakref.ref[Engine] | None = None
        self._error: EngineError | None = None
        self.status_text = "Ready"
        self.status_detail = ""
        self._notes: dict[str, str] = {}  # said after each state of a run (set_status_note)
        self._state_text = "Ready"  # the last status set, without the note

    # -- commands ------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._engine is not None

    @property
    def engine(self) -> Engine | None:
        """The engine of the run in progress (for live setting changes)."""
        return self._engine

    @property
    def last_error(self) -> EngineError | None:
        return self._error

    def new_transcript(self) -> Transcript:
        """Begin a new session: an empty transcript (the last one lives on in history).

        Each Start is its own session, because every engine run restarts its
        clock at zero and one timeline per session keeps exports coherent.
        """
        if self._engine is not None:
            raise RuntimeError("A captioning run is in progress")
        self.transcript = Transcript()
        self.transcript.subscribe(self._on_change)
        self.transcriptReset.emit()
        return self.transcript

    def start(self, engine_factory: EngineFactory, source: AudioSource) -> None:
        """Start a run into the current transcript (call :meth:`new_transcript` first)."""
        if self._engine is not None:
            raise RuntimeError("A captioning run is already in progress")
        self._error = None
        self.service_session = None
        for key in [k for k in self._notes if k.startswith(f"{ENGINE_NOTE}:")]:
            del self._notes[key]  # the last run's lost side
        self._engine = engine_factory(self._bridge)
        self.runningChanged.emit(True)
        self._set_status(STATE_TEXT[EngineState.CONNECTING], False)
        self._engine.start(source)

    def stop(self) -> None:
        """Ask the engine to finish; ``runningChanged(False)`` follows when it has."""
        if self._engine is not None:
            self._engine.stop()

    def join(self, timeout: float) -> bool:
        """Wait (off the GUI thread) for the engine's worker to end.

        Also after ``runningChanged(False)``: the worker says STOPPED as its last act
        but is still returning from it.  An interpreter finalizing meanwhile (a
        self-test returning from ``main``) crashed in that thread's last lines.
        """
        engine = self._engine or (self._ended() if self._ended is not None else None)
        return engine.join(timeout) if engine is not None else True

    @property
    def status_note(self) -> str:
        """What each state of the run is said with ("Not being saved · microphone lost")."""
        return " · ".join(self._notes.values())

    def set_status_note(self, note: str, key: str = "storage") -> None:
        """Say ``note`` after each state of a run from now on, as a problem ("" stops).

        "Listening · Not being saved" (StorageNotice): the note is part of
        the one status every receiver shows, so the window and the overlay
        never say a state without it, not even for one event-loop turn.  An
        engine error is not noted: it says itself.
        """
        if note == self._notes.get(key, ""):
            return
        if note:
            self._notes[key] = note
        else:
            self._notes.pop(key, None)
        if self.running and self._error is None:
            self._set_status(self._state_text, False, self.status_detail)

    def report_error(self, message: str) -> None:
        """Show a problem found before any engine ran (no key, bad device…)."""
        self._set_status(message, True)

    # -- engine events (GUI thread) ------------------------------------------

    def _on_update(self, update: TurnUpdate) -> None:
        self.transcript.apply(update)

    def _on_change(self, change: Change) -> None:
        turn = change.turn
        if change.kind is ChangeKind.FINISHED and turn is not None and change.index is not None:
            self.turnFinished.emit(change.index, turn)
            self._emit_partial()
        elif change.kind is ChangeKind.REVISED and turn is not None and change.index is not None:
            self.turnRevised.emit(change.index, turn)
        elif change.kind in (ChangeKind.PARTIAL, ChangeKind.DROPPED):
            if change.kind is ChangeKind.DROPPED and turn is not None and self.transcript.partials:
                self.partialChanged.emit(turn)  # its text is empty: views drop its line
            self._emit_partial()

    def _emit_partial(self) -> None:
        latest: Turn | None = self.transcript.latest_partial()
        if latest is None:
            self.partialCleared.emit()
        else:
            self.partialChanged.emit(latest)

    def _on_state(self, state: EngineState, detail: str) -> None:
        self.engineStateChanged.emit(state)
        if state is EngineState.STOPPED:
            self.transcript.finish_partials()
            if self._engine is not None:
                self._ended = weakref.ref(self._engine)
            self._engine = None
            if self._error is None:
                self._set_status(STATE_TEXT[state], False)
            self.runningChanged.emit(False)
            return
        if self._error is None:
            text, technical = split_status(detail or STATE_TEXT[state])
            if technical:
                log.info("%s", technical)
            self._set_status(text, False, technical)

    def _on_status(self, status: EngineStatus) -> None:
        """An engine's state with its technical side: the summary shown, the detail in a tooltip."""
        summary, detail = status.summary, status.detail
        if self._error is not None or not detail or not summary:
            return
        log.info("%s: %s", summary, detail)
        self._set_status(summary, False, detail)

    def _on_service_session(self, session: ServiceSession) -> None:
        self.service_session = session
        self.serviceChanged.emit(session)

    def _on_notice(self, notice: EngineNotice) -> None:
        log.info("Notice: %s %s", notice.message, notice.detail)
        self.noticed.emit(notice.message, notice.detail)
        if notice.lasting and self.running:  # one note each, in the order they came
            self.set_status_note(notice.lasting, f"{ENGINE_NOTE}:{notice.lasting}")
        if notice.ends:
            self.set_status_note("", f"{ENGINE_NOTE}:{notice.ends}")

    def _on_error(self, error: EngineError) -> None:
        detail = error.detail  # the technical cause, when the engine gives one
        log.warning("Engine error (%s): %s %s", error.kind.value, error.message, detail)
        self._error = error
        self._set_status(error.message, True, detail)

    def _set_status(self, text: str, is_error: bool, detail: str = "") -> None:
        self._state_text = text
        if self.status_note and self.running and not is_error:
            text, is_error = f"{text} · {self.status_note}", True
        self.status_text = text
        self.status_detail = detail
        self.statusChanged.emit(text, is_error)
