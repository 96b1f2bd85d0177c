"""Every recognition engine, declared once: id, name, factory, key, call mode.

The main window's picker, the command line (``--engine``), ``captioner
transcribe``, the settings file and call mode all ask this module rather
than comparing strings, so adding an engine is one entry in :data:`ENGINES`
and one package beside the others.

The engine packages (:mod:`captioner.engines.offline`,
:mod:`captioner.engines.assemblyai`) never import each other; this module is
the one place that combines them (the cloud engine shows offline captions
while its connection is down, so it is handed an offline factory here).
Packages are imported only when an engine is built, so listing engines (for
``--help`` or a picker) loads neither PocketSphinx nor the SDK.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from captioner.core import lazy_import

if TYPE_CHECKING:
    from captioner.engines.assemblyai.config import AssemblyAIConfig
    from captioner.engines.assemblyai.provisional import OfflineFactory
    from captioner.engines.base import Engine, EngineListener

log = logging.getLogger(__name__)


class EngineId(str, Enum):
    """An engine's id.  The values are what the settings file and journals store."""

    OFFLINE = "offline"
    ASSEMBLYAI = "assemblyai"

    @classmethod
    def parse(cls, value: object) -> EngineId | None:
        """The id for a stored or typed value; None for anything unknown (a hand-edited file)."""
        if isinstance(value, cls):
            return value
        try:
            return cls(value)
        except ValueError:
            return None


@dataclass(frozen=True)
class EngineOptions:
    """What a caller knows when it asks for an engine.

    ``call_names`` set means call mode (side → name, e.g. ``{"mic": "You"}``);
    ``realtime`` paces a file source at real time (the offline engine can go
    faster; the cloud refuses to); ``assemblyai`` is the cloud engine's
    config, which only the cloud engine reads; ``names`` are the user's names,
    which the offline engine writes as typed (the cloud's own are its key terms).
    """

    call_names: Mapping[str, str] | None = None
    realtime: bool = True
    assemblyai: AssemblyAIConfig | None = None
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class EngineSpec:
    """One engine as pickers and factories see it.

    ``requires`` is the third-party module the engine cannot run without:
    when it is not installed the engine is not offered.  ``factory`` builds
    the engine (use :meth:`create`), ``warm_up`` starts loading what it needs
    ahead of a run, ``key_help`` says where to set a missing key.
    """

    id: EngineId
    display_name: str
    hint: str
    needs_key: bool
    call_mode: bool
    requires: str
    factory: Callable[[EngineListener, EngineOptions], Engine]
    warm_up: Callable[[], None] | None = None
    key_help: Callable[[], str] | None = None
    # The engine's own modules, which ``factory`` imports: Start imports them on a
    # worker (:meth:`load`) so that a slow import, or one a preload thread is in
    # the middle of, never holds the GUI thread.  ``call_modules``: what call mode
    # adds (numpy, to mix the sides), which a one-source run does without.
    modules: tuple[str, ...] = ()
    call_modules: tuple[str, ...] = ()
    # What ``factory`` imports instead when sessions run in a host process
    # (:func:`host_cloud_sessions`): the engine's own modules are the host's then.
    hosted_modules: tuple[str, ...] = ()

    def available(self) -> bool:
        return importlib.util.find_spec(self.requires) is not None

    def create(self, listener: EngineListener, options: EngineOptions | None = None) -> Engine:
        """A new, not yet started engine reporting to ``listener``."""
        options = options or EngineOptions()
        if options.call_names is not None and not self.call_mode:
            raise ValueError(f"the {self.display_name} engine has no call mode")
        return self.factory(listener, options)

    def loaded(self, *, call: bool = False) -> bool:
        """Whether :meth:`create` can run without importing anything (not even waiting
        for another thread that is importing the engine right now); ``call``: in call mode."""
        return lazy_import.ready(self._needed(call))

    def load(self, *, call: bool = False) -> None:
        """Import the engine's modules (call it off the GUI thread); raises what they raise."""
        lazy_import.load(self._needed(call))

    def _needed(self, call: bool) -> tuple[str, ...]:
        if _hosting and self.hosted_modules:
            return self.hosted_modules
        return (*self.modules, *self.call_modules) if call else self.modules

    def preload(self) -> None:
        """Start loading what the engine needs (in the background), so Start is instant."""
        if self.warm_up is not None:
            self.warm_up()

    def missing_key_message(self) -> str:
        """What to tell someone who starts an engine that needs a key without one."""
        return self.key_help() if self.key_help is not None else ""


# -- the offline engine --------------------------------------------------------


# Imports inside the factories keep listing engines cheap; they are plain import
# statements (not importlib) so that PyInstaller sees and bundles the packages.


def _offline(listener: EngineListener, options: EngineOptions) -> Engine:
    from captioner.engines import offline
    from captioner.engines.offline.casing import Spellings

    typed = Spellings(options.names)
    if options.call_names is not None:
        return offline.OfflineCallEngine(
            listener, names=options.call_names, realtime=options.realtime, spellings=typed
        )
    return offline.OfflineEngine(listener, realtime=options.realtime, spellings=typed)


# Whether the offline engine is the one chosen (its recogniser should be pre-started).
# Guarded by _offline_lock, which also orders a preload thread's start of the
# recogniser against a release from the GUI thread.
_offline_lock = threading.Lock()
_OFFLINE_MODEL = "captioner.engines.offline.model"
_offline_wanted = False


def _offline_preload() -> None:
    """Import the offline engine and pre-start its recogniser, on a worker thread.

    Importing the package and its process plumbing (the child-process and
    final-decode process modules) took 45-76 ms on the GUI thread right after
    the first paint (benchmarks/gui_stalls.py, start-up with 500 sessions),
    long enough to freeze the window it had just shown.  Start never waits
    on this import's lock: it checks :meth:`EngineSpec.loaded` first.
    """
    global _offline_wanted
    with _offline_lock:
        _offline_wanted = True
    host = sys.modules.get("captioner.engines.cloud_host")
    if host is not None:
        host.drop_spare()  # a cloud host kept ready for a Start that will not come

    def load() -> None:
        try:
            from captioner.engines.offline import model
        except Exception:  # Start reports it properly; a preload only saves time
            log.debug("Preloading the offline engine failed", exc_info=True)
            return
        with _offline_lock:
            if _offline_wanted:  # not released while importing
                model.preload()

    threading.Thread(target=load, name="offline-preload", daemon=True).start()


def _release_offline() -> None:
    """Another engine was chosen: end the offline recogniser pre-started for Start.

    Looked up in ``sys.modules`` so that choosing the cloud engine imports
    nothing; a module still being imported by the preload thread has started
    nothing yet, and that thread sees the flag cleared here.
    """
    global _offline_wanted
    with _offline_lock:
        _offline_wanted = False
        if lazy_import.ready([_OFFLINE_MODEL]):
            sys.modules[_OFFLINE_MODEL].release_preloaded()


# -- the cloud engine ----------------------------------------------------------


def _provisional_factory(call_names: Mapping[str, str] | None) -> OfflineFactory | None:
    """Offline captions for the cloud engine's outages, labelled like the cloud's."""
    if not ENGINES[EngineId.OFFLINE].available():
        return None
    provisional = EngineOptions(call_names=call_names, realtime=True)

    def make(listener: EngineListener) -> Engine:
        return _offline(listener, provisional)

    return make


_hosting = False  # see host_cloud_sessions


def host_cloud_sessions(on: bool = True) -> None:
    """Run cloud sessions in a host process of their own (the app's choice; see cloud_host).

    The GUI turns it on: its interpreter lock is the window's, and the SDK
    imports on the other core while the window builds.  ``captioner
    transcribe`` keeps the engine in its own process.
    """
    global _hosting
    _hosting = on


def _assemblyai(listener: EngineListener, options: EngineOptions) -> Engine:
    if options.assemblyai is None:
        raise ValueError("the AssemblyAI engine needs its config (EngineOptions.assemblyai)")
    if _hosting:
        from captioner.engines.cloud_host import HostedCloudEngine

        return HostedCloudEngine(listener, options)  # type: ignore[return-value]
    return in_process_assemblyai(listener, options)


def in_process_assemblyai(listener: EngineListener, options: EngineOptions) -> Engine:
    """The AssemblyAI engine in this process (in the host, or without hosting)."""
    if options.assemblyai is None:
        raise ValueError("the AssemblyAI engine needs its config (EngineOptions.assemblyai)")
    from captioner.engines import assemblyai as cloud

    offline_factory = _provisional_factory(options.call_names)
    if options.call_names is not None:
        return cloud.AssemblyAICallEngine(
            listener,
            options.assemblyai,
            names=options.call_names,
            offline_factory=offline_factory,
        )
    return cloud.AssemblyAIEngine(listener, options.assemblyai, offline_factory=offline_factory)


_cloud_import: threading.Thread | None = None


def _assemblyai_preload() -> None:
    """Import the SDK (its pydantic models, ~0.4-0.7 s) on a worker thread, once.

    Not in the app, which hosts cloud sessions in a process of their own
    (:mod:`captioner.engines.cloud_host`): Start starts that process, and no
    SDK is held while idle.  Without hosting, called once the window has been
    painted: the first session then opens without that import.  The import
    holds the GIL in stretches, which benchmarks/sdk_import_stall.py measured
    as the GUI thread's longest gap: 22-28 ms typically, 249 ms once with a
    cold disk cache under load 7 (the floor is 13-15 ms); a price paid once,
    while the user has only just seen the window, instead of on every first
    Start.  Kept after measuring it against the idle-memory target (issue 14,
    load ~7, 4-6 rounds each): with it idle RSS is 125.7 MB, without 106.8 MB
    (target 130, met either way since only the SDK's streaming client is
    imported); launch → session open with ``--device pulse --start`` 1.71 vs
    1.65 s (within the rounds' spread); without it the first Start would
    import the SDK on the GUI thread (0.2-0.4 s frozen).
    """
    global _cloud_import
    _release_offline()
    if _hosting:  # Start's host imports the SDK, on the other core; none waits idle
        return
    if _cloud_import is not None:
        return

    def load() -> None:
        try:
            import captioner.engines.assemblyai.engine  # noqa: F401 (what Start needs)
        except Exception:  # Start reports it properly; a preload only saves time
            log.debug("Preloading the AssemblyAI SDK failed", exc_info=True)

    _cloud_import = threading.Thread(target=load, name="assemblyai-preload", daemon=True)
    _cloud_import.start()


def _assemblyai_missing_key() -> str:
    # The engine reports the same words when it is started without a key.
    from captioner.engines.assemblyai.config import NO_KEY_MESSAGE

    return NO_KEY_MESSAGE


# Picker order: the engine that works without a key or a network first.
ENGINES: dict[EngineId, EngineSpec] = {
    EngineId.OFFLINE: EngineSpec(
        EngineId.OFFLINE,
        "Offline (on this computer)",
        "Offline: private, free, works without internet; lower accuracy.",
        needs_key=False,
        call_mode=True,
        requires="pocketsphinx",
        factory=_offline,
        warm_up=_offline_preload,
        modules=("captioner.engines.offline.engine",),
        call_modules=("captioner.engines.offline.call",),
    ),
    EngineId.ASSEMBLYAI: EngineSpec(
        EngineId.ASSEMBLYAI,
        "AssemblyAI (cloud)",
        "AssemblyAI: much higher accuracy with punctuation; needs internet and an API key.",
        needs_key=True,
        call_mode=True,
        requires="assemblyai",
        factory=_assemblyai,
        warm_up=_assemblyai_preload,
        key_help=_assemblyai_missing_key,
        modules=("captioner.engines.assemblyai.engine",),
        call_modules=("captioner.engines.assemblyai.call",),
        hosted_modules=("captioner.engines.cloud_host",),
    ),
}


def spec(engine_id: EngineId | str) -> EngineSpec:
    """The spec for an id (a stored string works too); KeyError for an unknown one."""
    parsed = EngineId.parse(engine_id)
    if parsed is None:
        raise KeyError(engine_id)
    return ENGINES[parsed]


def available_engines() -> list[EngineSpec]:
    """The engines that can run here, in picker order."""
    return [engine for engine in ENGINES.values() if engine.available()]


def engine_ids() -> list[str]:
    """Every id as text (the command line's ``--engine`` choices)."""
    return [engine_id.value for engine_id in EngineId]


def choose_engine(
    *,
    requested: str | None = None,
    remembered: object = None,
    has_key: bool,
    available: Sequence[EngineSpec] | None = None,
) -> EngineId:
    """Which engine to use: the one asked for, else the one used last, else the best one.

    The remembered engine is skipped when it needs a key that is not there
    (the key was removed since).  Without a usable memory, an engine that
    needs a key (more accurate) wins when there is a key, else one that needs
    none (works for everyone).
    """
    if requested:
        return EngineId(requested)
    engines = list(available if available is not None else available_engines())
    last = EngineId.parse(remembered)
    for engine in engines:
        if engine.id is last and (has_key or not engine.needs_key):
            return engine.id
    for engine in engines:
        if engine.needs_key == has_key:
            return engine.id
    return engines[0].id if engines else EngineId.OFFLINE
