"""The offline engine: PocketSphinx on this computer, no network and no account.

``engine`` runs one source (utterances cut by ``utterances``, decoders from
the shared pool in ``model``); ``call`` runs one recogniser per side of a
call.  Nothing here imports the cloud engine: the registry
(:mod:`captioner.engines.registry`) is what puts the two together.
"""

from captioner.engines.offline.call import OfflineCallEngine
from captioner.engines.offline.engine import (
    DEFAULT_DECODER_PARAMS,
    LOADING_DETAIL,
    OfflineEngine,
    clean_word,
    words_from_segments,
)
from captioner.engines.offline.model import OfflineModel, default_model, preload

__all__ = [
    "DEFAULT_DECODER_PARAMS",
    "LOADING_DETAIL",
    "OfflineCallEngine",
    "OfflineEngine",
    "OfflineModel",
    "clean_word",
    "default_model",
    "preload",
    "words_from_segments",
]
