"""Call mode offline: one PocketSphinx recogniser per side of a call.

:class:`OfflineCallEngine` reads *call frames* from a
:class:`~captioner.audio.call.CallSources` (50 ms of each side per frame),
feeds each side to its own :class:`~captioner.engines.offline.engine.OfflineEngine`
(each with its own decoder from the shared model's pool, so a side's words
can only come from that side's audio) and labels every turn with
``source="mic"|"system"`` and the side's name (see
:class:`~captioner.engines.call_labels.CallLabels`).  A side whose device
vanishes is reported through ``listener.on_error`` (kind ``AUDIO``) while the
other side goes on; suspected echo is reported once as
``on_state(LISTENING, hint)``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace

from captioner.audio.call import CallSources
from captioner.audio.call_frames import split_frame
from captioner.audio.errors import AudioError
from captioner.audio.memory import PushSource
from captioner.audio.sides import MIC, SIDES, SYSTEM
from captioner.core.transcript import TurnUpdate
from captioner.engines.base import (
    AudioSource,
    Engine,
    EngineError,
    EngineListener,
    EngineState,
    ErrorKind,
    WorkerEngine,
)
from captioner.engines.call_labels import CallLabels, watch_call_source
from captioner.engines.offline.casing import Spellings
from captioner.engines.offline.engine import OfflineEngine
from captioner.engines.offline.model import OfflineModel

log = logging.getLogger(__name__)


class _SideListener:
    """Labels one side's turns and keeps its life-cycle events out of the run's."""

    def __init__(self, owner: OfflineCallEngine, side: str) -> None:
        self._owner = owner
        self._side = side

    def on_partial(self, update: TurnUpdate) -> None:
        self._owner._listener.on_partial(self._label(update))

    def on_final(self, update: TurnUpdate) -> None:
        self._owner._listener.on_final(self._label(update))

    def on_state(self, state: EngineState, detail: str) -> None:
        if state is EngineState.LOADING:
            self._owner._side_loading(detail)
        elif state is EngineState.LISTENING:
            self._owner._side_listening(self._side)

    def on_error(self, error: EngineError) -> None:
        # A side's recogniser died: the run ends, as a single input's does. Going on
        # with one side left the other silent for the rest of the call, while the
        # error said to press Start.
        self._owner._listener.on_error(error)
        self._owner._side_failed.set()

    def _label(self, update: TurnUpdate) -> TurnUpdate:
        labels = self._owner.labels
        return replace(update, source=self._side, speaker=labels.speaker(self._side))


class OfflineCallEngine(WorkerEngine):
    """One offline recogniser per side of a call, fed from call frames.

    ``start(source)`` takes a :class:`CallSources` (or any source of call
    frames, e.g. the cloud engine's provisional feed).  When a side is lost
    its recogniser finishes its current utterance and stops; the other goes on.
    """

    name = "offline-call"

    def __init__(
        self,
        listener: EngineListener,
        *,
        names: Mapping[str, str] | None = None,
        realtime: bool = True,
        model: OfflineModel | None = None,
        spellings: Spellings | None = None,
    ) -> None:
        super().__init__(listener)
        self._spellings = spellings or Spellings()  # the user's names, both sides
        self.labels = CallLabels(names)
        self._realtime = realtime
        self._model = model
        # The run is "Listening" once its input is open and every side's
        # recogniser has begun; the sides start on their own threads, before or
        # after the input opens, so either event may be the one that completes
        # it.  (Said when the input opened with no side heard from yet, it was
        # followed by "Loading offline model…" and "Listening" again.)
        self._state_lock = threading.Lock()
        self._ready: set[str] = set()
        self._listening_said = False
        self._loading_said = False
        self._opened = False
        self._side_failed = threading.Event()

    def set_names(self, names: Sequence[str]) -> None:
        self._spellings.set(names)  # see TakesNames; the sides share it

    def _side_loading(self, detail: str) -> None:
        with self._state_lock:
            say = not self._loading_said
            self._loading_said = True
        if say:
            self._listener.on_state(EngineState.LOADING, detail)

    def _side_listening(self, side: str) -> None:
        with self._state_lock:
            self._ready.add(side)
        self._listen_if_due()

    def _input_opened(self) -> None:
        with self._state_lock:
            self._opened = True
        self._listen_if_due()

    def _listen_if_due(self) -> None:
        """Say "Listening", once a run, when the input is open and every side has begun."""
        with self._state_lock:
            due = not self._listening_said and self._opened and self._ready.issuperset(SIDES)
            self._listening_said = self._listening_said or due
        if due:
            self._listener.on_state(EngineState.LISTENING, "")

    def _run(self, source: AudioSource) -> None:
        with self._state_lock:
            self._ready.clear()
            self._loading_said = False
            self._listening_said = False
            self._opened = False
        self._side_failed.clear()
        watch_call_source(source, self._listener)
        feeds = {side: PushSource(f"call {side}") for side in SIDES}
        engines: dict[str, Engine] = {}
        for side in SIDES:
            engine = OfflineEngine(
                _SideListener(self, side),
                source_label=side,
                realtime=self._realtime,
                model=self._model,
                spellings=self._spellings,
            )
            engine.start(feeds[side])
            engines[side] = engine
        ended: set[str] = set()
        try:
            try:
                source.open()
            except AudioError as exc:
                self._listener.on_error(EngineError(ErrorKind.AUDIO, str(exc)))
                return
            try:
                self._input_opened()
                self._pump(source, feeds, ended)
            finally:
                source.close()
        finally:
            for feed in feeds.values():
                feed.end()
            for engine in engines.values():
                # Let each finish the utterance it is in (its final is wanted),
                # but do not wait forever for a recogniser far behind.
                if not engine.join(10):
                    engine.stop()
                    engine.join(10)

    def _pump(self, source: AudioSource, feeds: dict[str, PushSource], ended: set[str]) -> None:
        call = source if isinstance(source, CallSources) else None
        while not self._stop_requested.is_set() and not self._side_failed.is_set():
            try:
                frame = source.read(0.1)
            except AudioError as exc:
                self._listener.on_error(EngineError(ErrorKind.AUDIO, str(exc)))
                return
            if frame is None:
                continue
            if frame == b"":
                return
            mic, system = split_frame(frame)
            for side, chunk in ((MIC, mic), (SYSTEM, system)):
                if side in ended:
                    continue
                # A side that ended (its file) is finished; a lost one gets the frames'
                # silence meanwhile, to be captioned again once its device is back.
                if call is not None and not call.active(side) and not call.lost_message(side):
                    ended.add(side)
                    feeds[side].end()
                    continue
                feeds[side].push(chunk)
        self._listener.on_state(EngineState.STOPPING, "")
