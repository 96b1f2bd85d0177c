"""The cloud engine: AssemblyAI Universal Streaming (v3) through the official SDK.

``engine`` is the run (``session`` its loop, ``link`` one connection,
``backfill`` the gap after a drop, ``provisional`` offline captions
meanwhile, ``errors`` the service's errors in plain words); ``call`` streams
both sides of a call in one session; ``config`` holds the settings.  Nothing
here imports the offline engine: provisional captions come from a factory
the registry (:mod:`captioner.engines.registry`) injects.

The names below are loaded on first use (PEP 562): importing the SDK and its
pydantic models takes ~0.4 s, which must not delay the main window (issue
14).  Settings and constants come from ``config``, which does not import the
SDK; the engine classes load it when a run or a key check needs them, and
then only its streaming client (:mod:`.sdk_import`: 0.1 s and 5 MB less).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from captioner.engines import lazy_exports
from captioner.engines.assemblyai import sdk_import

if TYPE_CHECKING:  # for type checkers, and for PyInstaller, which finds modules by import
    from captioner.engines.assemblyai.call import AssemblyAICallEngine
    from captioner.engines.assemblyai.config import (
        DEFAULT_MODEL,
        NO_KEY_MESSAGE,
        SAMPLE_RATE,
        SPEECH_MODELS,
        AssemblyAIConfig,
    )
    from captioner.engines.assemblyai.engine import (
        MAX_AHEAD_MS,
        MAX_BACKLOG_AT_STOP,
        AssemblyAIEngine,
        ClientFactory,
        TolerantStreamingClient,
        test_api_key,
    )
    from captioner.engines.assemblyai.limits import DEFAULT_HOST

_CONFIG = "captioner.engines.assemblyai.config"
_ENGINE = "captioner.engines.assemblyai.engine"
# name → the module that defines it (engine re-exports the link and session names)
_HOME: dict[str, str] = {
    "AssemblyAICallEngine": "captioner.engines.assemblyai.call",
    "AssemblyAIConfig": _CONFIG,
    "AssemblyAIEngine": _ENGINE,
    "ClientFactory": _ENGINE,
    "DEFAULT_HOST": "captioner.engines.assemblyai.limits",
    "DEFAULT_MODEL": _CONFIG,
    "MAX_AHEAD_MS": _ENGINE,
    "MAX_BACKLOG_AT_STOP": _ENGINE,
    "NO_KEY_MESSAGE": _CONFIG,
    "SAMPLE_RATE": _CONFIG,
    "SPEECH_MODELS": _CONFIG,
    "TolerantStreamingClient": _ENGINE,
    "test_api_key": _ENGINE,
}

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_MODEL",
    "MAX_AHEAD_MS",
    "MAX_BACKLOG_AT_STOP",
    "NO_KEY_MESSAGE",
    "SAMPLE_RATE",
    "SPEECH_MODELS",
    "AssemblyAICallEngine",
    "AssemblyAIConfig",
    "AssemblyAIEngine",
    "ClientFactory",
    "TolerantStreamingClient",
    "test_api_key",
]


__getattr__, __dir__ = lazy_exports(__name__, _HOME, globals())

# When a run first needs it, the SDK is imported without its other clients (sdk_import).
sdk_import.install()
