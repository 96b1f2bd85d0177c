"""The offline engine: PocketSphinx on this computer, no network and no account.

``engine`` runs one source: its thread moves PCM to a recogniser process
(``live_process``: utterances cut by ``utterances``, the live decoder) and
finished utterances to the shared final-decode process (``final_process``),
both started by ``model``, so the app's process never loads PocketSphinx;
``call`` runs one recogniser per side of a call.  Nothing here imports the
cloud engine: the registry (:mod:`captioner.engines.registry`) is what puts
the two together.

The names below are loaded on first use (PEP 562), so that asking the
registry about engines, or preloading the model (which only starts a child
process), pulls in neither the engine's code nor the decoder before an
offline run needs them (issue 14).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from captioner.engines import lazy_exports

if TYPE_CHECKING:  # for type checkers, and for PyInstaller, which finds modules by import
    from captioner.engines.offline.call import OfflineCallEngine
    from captioner.engines.offline.engine import (
        DEFAULT_DECODER_PARAMS,
        LOADING_DETAIL,
        OfflineEngine,
        clean_word,
        words_from_segments,
    )
    from captioner.engines.offline.model import OfflineModel, default_model, preload

_ENGINE = "captioner.engines.offline.engine"
_MODEL = "captioner.engines.offline.model"
# name → the module that defines it
_HOME: dict[str, str] = {
    "DEFAULT_DECODER_PARAMS": _ENGINE,
    "LOADING_DETAIL": _ENGINE,
    "OfflineCallEngine": "captioner.engines.offline.call",
    "OfflineEngine": _ENGINE,
    "OfflineModel": _MODEL,
    "clean_word": _ENGINE,
    "default_model": _MODEL,
    "preload": _MODEL,
    "words_from_segments": _ENGINE,
}

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


__getattr__, __dir__ = lazy_exports(__name__, _HOME, globals())
