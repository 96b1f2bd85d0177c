"""The cloud engine: AssemblyAI Universal Streaming (v3) through the official SDK.

``engine`` is the run (``session`` its loop, ``link`` one connection,
``backfill`` the gap after a drop, ``provisional`` offline captions
meanwhile, ``errors`` the service's errors in plain words); ``call`` streams
both sides of a call in one session; ``config`` holds the settings.  Nothing
here imports the offline engine: provisional captions come from a factory
the registry (:mod:`captioner.engines.registry`) injects.
"""

from captioner.engines.assemblyai.call import AssemblyAICallEngine
from captioner.engines.assemblyai.config import NO_KEY_MESSAGE
from captioner.engines.assemblyai.engine import (
    DEFAULT_HOST,
    DEFAULT_MODEL,
    MAX_AHEAD_MS,
    MAX_BACKLOG_AT_STOP,
    SAMPLE_RATE,
    SPEECH_MODELS,
    AssemblyAIConfig,
    AssemblyAIEngine,
    ClientFactory,
    TolerantStreamingClient,
    test_api_key,
)

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
