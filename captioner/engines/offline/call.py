"""Call mode engines: caption the microphone ("You") and system audio ("Them") at once.

Both engines read *call frames* from a
:class:`~captioner.audio.call.CallSources` (50 ms of each side per frame)
and label every turn with ``source="mic"|"system"`` and a speaker name
(``names``, editable by the user: ``{"mic": "You", "system": "Them"}``).

* :class:`OfflineCallEngine` runs one :class:`~captioner.engines.offline.OfflineEngine`
  per side, each with its own decoder from the shared model's pool, so a
  side's words can only come from that side's audio.
* :class:`~captioner.engines.assemblyai_call.AssemblyAICallEngine` streams
  both sides in one cloud session through the SDK's ``ChannelStreamer``.

:func:`make_call_engine` picks one by engine id.  A side whose device
vanishes is reported through ``listener.on_error`` (kind ``AUDIO``, the
message names the device and says which side goes on) while the run goes
on; suspected echo is reported once as ``on_state(LISTENING, hint)``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from captioner.audio.call import MIC, SIDES, SYSTEM, CallSources, split_frame
from captioner.audio.errors import AudioError
from captioner.audio.memory import PushSource
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
from captioner.engines.offline import OfflineEngine, OfflineModel

log = logging.getLogger(__name__)

DEFAULT_NAMES: dict[str, str] = {MIC: "You", SYSTEM: "Them"}
# AssemblyAI labels words it cannot place with a speaker this way.
_NO_SPEAKER = {"", "UNKNOWN", "unknown", None}


class CallLabels:
    """Side → speaker name, with remote speakers told apart: ``"Them (A)"``."""

    def __init__(self, names: Mapping[str, str] | None = None) -> None:
        merged = dict(DEFAULT_NAMES)
        for side, name in (names or {}).items():
            if side not in SIDES:
                raise ValueError(f"unknown call side {side!r}; use {MIC!r} or {SYSTEM!r}")
            if name and name.strip():
                merged[side] = name.strip()
        self.names = merged

    def speaker(self, side: str, diarized: str | None = None) -> str | None:
        """The label for a turn of ``side``; ``diarized`` is the service's speaker label.

        Only the system side is split by speaker: everyone at the microphone is "You".
        """
        name = self.names.get(side)
        if name is None:
            return None
        if side == SYSTEM and diarized not in _NO_SPEAKER:
            return f"{name} ({diarized})"
        return name


def watch_call_source(source: AudioSource, listener: EngineListener) -> None:
    """Report a :class:`CallSources`' lost side and echo hint through ``listener``."""
    if not isinstance(source, CallSources):
        return

    def lost(side: str, message: str) -> None:
        listener.on_error(EngineError(ErrorKind.AUDIO, message))

    def echo(message: str) -> None:
        listener.on_state(EngineState.LISTENING, message)

    source.watch(on_source_lost=lost, on_echo=echo)


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
            self._owner._report_loading(detail)

    def on_error(self, error: EngineError) -> None:
        self._owner._listener.on_error(error)

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
    ) -> None:
        super().__init__(listener)
        self.labels = CallLabels(names)
        self._realtime = realtime
        self._model = model
        self._loading_reported = threading.Event()

    def _report_loading(self, detail: str) -> None:
        if not self._loading_reported.is_set():
            self._loading_reported.set()
            self._listener.on_state(EngineState.LOADING, detail)

    def _run(self, source: AudioSource) -> None:
        self._loading_reported.clear()
        watch_call_source(source, self._listener)
        feeds = {side: PushSource(f"call {side}") for side in SIDES}
        engines: dict[str, Engine] = {}
        for side in SIDES:
            engine = OfflineEngine(
                _SideListener(self, side),
                source_label=side,
                realtime=self._realtime,
                model=self._model,
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
                self._listener.on_state(EngineState.LISTENING, "")
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
        is_call = isinstance(source, CallSources)
        while not self._stop_requested.is_set():
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
                if is_call and not source.active(side):  # type: ignore[attr-defined]
                    ended.add(side)
                    feeds[side].end()
                    continue
                feeds[side].push(chunk)
        self._listener.on_state(EngineState.STOPPING, "")


def make_call_engine(
    engine_id: str,
    listener: EngineListener,
    *,
    config: Any = None,
    names: Mapping[str, str] | None = None,
    **options: Any,
) -> Engine:
    """The call-mode engine for ``engine_id`` (``"offline"`` or ``"assemblyai"``).

    ``config`` is the :class:`~captioner.engines.assemblyai_config.AssemblyAIConfig`
    for the cloud engine; ``options`` go to the engine's constructor.  Start
    the result with a :class:`~captioner.audio.call.CallSources`.
    """
    if engine_id == "offline":
        return OfflineCallEngine(listener, names=names, **options)
    if engine_id == "assemblyai":
        if config is None:
            raise ValueError("the AssemblyAI call engine needs its config")
        from captioner.engines.assemblyai_call import AssemblyAICallEngine

        return AssemblyAICallEngine(listener, config, names=names, **options)
    raise ValueError(f"unknown engine {engine_id!r}")
