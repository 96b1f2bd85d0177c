"""The one interface every recognition engine implements.

An engine consumes 50 ms chunks of 16 kHz mono s16le PCM from an
:class:`~captioner.audio.source.AudioSource` on a worker thread of its own and
reports what it hears through an :class:`EngineListener`.  Listener methods are
called on engine threads (the AssemblyAI SDK's read thread, a decoder thread);
the UI layer re-emits them as Qt signals.  Nothing here knows about widgets,
and no SDK type ever crosses this boundary.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol, runtime_checkable

from captioner.core.transcript import TurnUpdate


class EngineState(Enum):
    """Life cycle of one captioning run, as the status line shows it."""

    LOADING = "loading"  # preparing a model (offline engine)
    CONNECTING = "connecting"
    LISTENING = "listening"
    STOPPING = "stopping"
    STOPPED = "stopped"


class ErrorKind(Enum):
    """Why a run failed; decides what the UI offers (retry, settings, …)."""

    NO_API_KEY = "no_api_key"
    AUTH = "auth"  # key rejected, account problem
    NETWORK = "network"  # host unreachable, connection dropped
    SERVER = "server"  # the service reported an error
    AUDIO = "audio"  # device could not be opened or vanished, bad file
    LIMIT = "limit"  # too many sessions, insufficient funds
    INTERNAL = "internal"  # a bug of ours (e.g. bad chunk sizes)
    SETTINGS = "settings"  # the engine's settings are invalid (the message lists why)
    # The run went on but speech was lost for good (a session died and the
    # audio could not be transcribed again); reported once, at the end of the
    # run, so a transcript with gaps is never mistaken for a complete one.
    INCOMPLETE = "incomplete"


@dataclass(frozen=True, slots=True)
class EngineError:
    kind: ErrorKind
    message: str  # plain words, shown to the user as they are
    code: int | None = None
    # The technical cause (close code, socket error, host:port) for a tooltip
    # or the log; never needed to understand ``message``.  May be empty.
    detail: str = ""


@dataclass(frozen=True, slots=True)
class EngineStatus:
    """A state change told twice: briefly for the user, fully for a tooltip or the log.

    ``summary`` is what ``on_state`` also carries ("Reconnecting…");
    ``detail`` is the technical why ("lost the connection to
    127.0.0.1:40333: Connection closed (code=1006); next try in 1.2 s").
    """

    state: EngineState
    summary: str
    detail: str = ""


class EngineListener(Protocol):
    """Receives engine events; every method may be called from any thread."""

    def on_partial(self, update: TurnUpdate) -> None: ...

    def on_final(self, update: TurnUpdate) -> None: ...

    def on_state(self, state: EngineState, detail: str) -> None: ...

    def on_error(self, error: EngineError) -> None: ...


class StatusListener(Protocol):
    """Optional extra a listener may implement: the technical side of a state change.

    Engines call ``on_state(state, summary)`` on every listener, then
    ``on_status(EngineStatus(state, summary, detail))`` on listeners that
    have ``on_status`` (see :func:`report_state`).  A UI shows the summary and
    puts the detail in a tooltip and the log.
    """

    def on_status(self, status: EngineStatus) -> None: ...


def report_state(
    listener: EngineListener, state: EngineState, summary: str, detail: str = ""
) -> None:
    """Tell ``listener`` about a state change, and its detail if it takes one.

    ``on_state`` keeps its two-argument form so that every existing listener
    works unchanged; only listeners with ``on_status`` receive the detail.
    """
    listener.on_state(state, summary)
    on_status = getattr(listener, "on_status", None)
    if on_status is not None:
        on_status(EngineStatus(state, summary, detail))


class TranslationListener(Protocol):
    """Optional extra: a finished turn's translation (AssemblyAI's LLM Gateway).

    ``turn_id`` is the ``TurnUpdate.key`` of a turn already reported with
    ``on_final``; ``language`` the target the user chose; ``text`` the
    translation (never empty).  Arrives late (seconds after the final) and
    out of order; engines call it only on listeners that have it (see
    :func:`report_translation`).
    """

    def on_translation(self, turn_id: str, language: str, text: str) -> None: ...


class SpeakerRevisionListener(Protocol):
    """Optional extra: the service re-clustered speakers and relabels a finished turn.

    ``speaker`` is the turn's new label, ``None`` for "no label yet"
    (AssemblyAI's ``PENDING``); ``word_speakers`` the new label of each of
    the turn's words, in order (empty when the service sent none: every word
    takes ``speaker``).
    """

    def on_speaker_revision(
        self, turn_id: str, speaker: str | None, word_speakers: tuple[str | None, ...]
    ) -> None: ...


def report_translation(listener: EngineListener, turn_id: str, language: str, text: str) -> None:
    """Tell ``listener`` a turn's translation, if it takes translations."""
    on_translation = getattr(listener, "on_translation", None)
    if on_translation is not None:
        on_translation(turn_id, language, text)


def report_speaker_revision(
    listener: EngineListener,
    turn_id: str,
    speaker: str | None,
    word_speakers: tuple[str | None, ...] = (),
) -> None:
    """Tell ``listener`` a turn's revised speaker labels, if it takes them."""
    on_revision = getattr(listener, "on_speaker_revision", None)
    if on_revision is not None:
        on_revision(turn_id, speaker, word_speakers)


@dataclass(frozen=True, slots=True)
class ServiceSession:
    """What the service says it runs for a session, next to what was asked.

    AssemblyAI answers every connection with ``Begin.configuration`` (the
    speech model and mode actually in use); a service that does not know a
    parameter ignores it rather than refusing the session, so the model in
    use may not be the one asked for.  ``None``: the service did not say.
    A UI shows ``model`` in its status bar and keeps it in the session's
    metadata, so nobody takes captions from one model for another's.
    """

    model: str | None
    mode: str | None = None
    requested_model: str | None = None
    requested_mode: str | None = None

    @property
    def model_differs(self) -> bool:
        """The service named a model, and not the one asked for."""
        return bool(self.model and self.requested_model and self.model != self.requested_model)


@dataclass(frozen=True, slots=True)
class EngineNotice:
    """Something the user may want to know that is neither a state change nor an error.

    A service warning, or the service using another model than the one
    asked for: shown unobtrusively (a status-bar message, the log), never
    as an error dialog, and the run goes on.  ``message`` is plain words;
    ``detail`` the technical side (warning code, connection) for a tooltip.
    ``lasting`` is a few words that hold for the rest of the run (a call's
    side lost: "microphone lost"), said after each of its states, until a
    notice ``ends`` them (the headset is back: ``ends="microphone lost"``).
    """

    message: str
    detail: str = ""
    lasting: str = ""
    ends: str = ""


class ServiceListener(Protocol):
    """Optional extras: what the service says it does, and notices (see :func:`report_notice`).

    ``on_service_session`` comes when a connection begins and the model or
    mode in use differs from what was last reported (so once per run in the
    usual case, again only if a reconnect lands on another model).
    """

    def on_service_session(self, session: ServiceSession) -> None: ...

    def on_notice(self, notice: EngineNotice) -> None: ...


def report_service_session(listener: EngineListener, session: ServiceSession) -> None:
    """Tell ``listener`` the model and mode in use, if it takes them."""
    on_service_session = getattr(listener, "on_service_session", None)
    if on_service_session is not None:
        on_service_session(session)


def report_notice(listener: EngineListener, notice: EngineNotice) -> None:
    """Tell ``listener`` a notice, if it takes them (the engine logs it either way)."""
    on_notice = getattr(listener, "on_notice", None)
    if on_notice is not None:
        on_notice(notice)


class Engine(Protocol):
    """A recognition engine.  ``start`` and ``stop`` never block the caller.

    ``start`` spawns the worker; ``stop`` asks it to finish (for the cloud
    engine: send ``Terminate`` and wait for ``Termination``); the worker
    reports ``EngineState.STOPPED`` last, after which ``join`` returns.
    """

    name: str

    def start(self, source: AudioSource) -> None: ...

    def stop(self) -> None: ...

    def join(self, timeout: float | None = None) -> bool: ...

    @property
    def running(self) -> bool: ...


@runtime_checkable
class LiveConfigurable(Protocol):
    """An engine whose running session takes setting changes: the cloud engines
    (in-process, hosted, call mode), which send them as ``UpdateConfiguration``.

    What the UI asks of a run ("is it a cloud run, does it take key terms
    now?") is this, named once, not a method name looked up in two places.
    """

    def update_configuration(self, **changes: Any) -> None: ...


@runtime_checkable
class TakesNames(Protocol):
    """An engine that writes the user's names as typed (the offline ones), and takes a
    new list while it runs (Settings ▸ Captions… ▸ Names, OK)."""

    def set_names(self, names: Sequence[str]) -> None: ...


class AudioSource(Protocol):
    """What engines need from an audio source (see :mod:`captioner.audio`)."""

    name: str

    def open(self) -> None: ...

    def read(self, timeout: float) -> bytes | None:
        """Return the next 50 ms chunk, ``b""`` at end of stream, ``None`` on timeout.

        Raises :class:`~captioner.audio.errors.AudioError` when the device fails.
        """
        ...

    def close(self) -> None: ...


class NullListener:
    """Listener that drops everything (for headless use and tests)."""

    def on_partial(self, update: TurnUpdate) -> None:
        pass

    def on_final(self, update: TurnUpdate) -> None:
        pass

    def on_state(self, state: EngineState, detail: str) -> None:
        pass

    def on_error(self, error: EngineError) -> None:
        pass

    def on_status(self, status: EngineStatus) -> None:
        pass

    def on_translation(self, turn_id: str, language: str, text: str) -> None:
        pass

    def on_speaker_revision(
        self, turn_id: str, speaker: str | None, word_speakers: tuple[str | None, ...]
    ) -> None:
        pass

    def on_service_session(self, session: ServiceSession) -> None:
        pass

    def on_notice(self, notice: EngineNotice) -> None:
        pass


class WorkerEngine:
    """Shared thread plumbing: one worker thread per run, cooperative stop.

    Subclasses implement :meth:`_run`, which must return once
    ``self._stop_requested`` is set and must not raise for expected failures
    (they are reported through ``listener.on_error``).
    """

    name = "engine"

    def __init__(self, listener: EngineListener) -> None:
        self._listener = listener
        self._thread: threading.Thread | None = None
        self._stop_requested = threading.Event()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, source: AudioSource) -> None:
        if self.running:
            raise RuntimeError(f"{self.name} engine is already running")
        self._stop_requested.clear()
        self._thread = threading.Thread(
            target=self._guarded_run, args=(source,), name=f"{self.name}-engine", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop_requested.set()

    def join(self, timeout: float | None = None) -> bool:
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def _guarded_run(self, source: AudioSource) -> None:
        try:
            self._run(source)
        except Exception as exc:  # a bug must still end the run visibly
            import logging

            logging.getLogger(__name__).exception("%s engine crashed", self.name)
            self._listener.on_error(
                EngineError(ErrorKind.INTERNAL, f"Internal error in the {self.name} engine: {exc}")
            )
        finally:
            self._listener.on_state(EngineState.STOPPED, "")

    def _run(self, source: AudioSource) -> None:  # pragma: no cover - abstract
        raise NotImplementedError
