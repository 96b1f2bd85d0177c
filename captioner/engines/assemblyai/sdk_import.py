"""Import the SDK's streaming client without the rest of the SDK (issue 14).

``assemblyai/__init__.py`` imports every client the SDK has (transcripts,
LeMUR, the LLM gateway, dictation, text to speech) with their pydantic models.
Captioner uses only ``assemblyai.streaming.v3``, which needs nothing of the
package itself but ``__version__``.  Measured after the app's own imports: the
whole package 0.29 s of CPU and 23.4 MB, the streaming client alone 0.18 s
and 18.6 MB (load ~5).  That import is on the way to the first session (and
the background preload's memory counts in the idle figure).  The same holds
one level down: ``assemblyai.streaming.v3``'s ``__init__`` imports the asyncio
client (websockets' asyncio side) and the extras besides the thread-based
client and the models the app uses (~25 ms of CPU more), so the app imports
``assemblyai.streaming.v3.client`` and ``.models`` by name and that
``__init__`` is deferred too.

:func:`install` puts a finder first on ``sys.meta_path`` that, the first time
anything imports one of :data:`DEFERRED`, makes the package module without
running its ``__init__`` (for ``assemblyai`` only ``__version__`` is set), so
submodules import as usual.  The first lookup of any other name on the
package (``assemblyai.Transcriber``, ``from assemblyai.streaming.v3 import
TurnEvent``, ``from assemblyai import *``) runs the real ``__init__`` then,
once, under a lock: code that wants the whole SDK still gets it, a moment later.

The streaming client imports httpx at the top for one thing, ``_HTTPClient``
(temporary tokens, a REST call), which :mod:`.client` builds only if it is
used (``LazyHTTPClient``): the app never does, it fetches tokens from a token
URL itself.  So httpx imported by the streaming client is a lazy module
(``importlib.util.LazyLoader``): its code (http.cookiejar, email, urllib; 40-75 ms
of CPU on the way to the first session) runs at its first attribute lookup, if
ever.  When httpx is imported the usual way first (by other code), the finder
says ``httpx._main`` is missing while httpx's own ``__init__`` runs, so its
command-line client (rich, click and pygments where installed: 40-70 ms) is
not imported and httpx keeps its stub ``httpx.main`` (which names
``httpx[cli]``); ``import httpx._main`` still works.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import threading
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

from captioner.core.lazy_import import add_finder

if TYPE_CHECKING:
    from importlib.machinery import ModuleSpec

# The finder and loader follow importlib's protocols without subclassing
# importlib.abc, whose import pulls in importlib.resources, tempfile and shutil
# (~10 ms) for every command, --help included.

PACKAGE = "assemblyai"
STREAMING = "assemblyai.streaming.v3"
DEFERRED = (PACKAGE, STREAMING)  # packages whose __init__ waits for a name lookup
# httpx's command-line client, which its __init__ imports when rich, click and pygments
# are installed (as in a developer's environment or a desktop's system Python).
HTTPX_CLI = "httpx._main"
HTTPX = "httpx"
STREAMING_CLIENT = "assemblyai.streaming.v3.client"  # imports httpx for its REST helper only


class _DeferredInit:
    """The package's own loader, with its ``__init__`` run on first attribute lookup."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self._lock = threading.RLock()
        self._loading = False

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self._real.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        if module.__name__ == PACKAGE:  # what the streaming client reads of its package
            module.__version__ = importlib.import_module(f"{PACKAGE}.__version__").__version__  # type: ignore[attr-defined]

        def complete(name: str) -> Any:
            return self._complete(module, complete, name)

        def listing() -> list[str]:
            with contextlib.suppress(AttributeError):
                complete("__all__")
            return sorted(module.__dict__)

        module.__getattr__ = complete  # type: ignore[method-assign]  (PEP 562)
        module.__dir__ = listing  # type: ignore[method-assign]

    def _complete(self, module: ModuleType, hook: object, name: str) -> Any:
        missing = f"module {module.__name__!r} has no attribute {name!r}"
        # Dunder probes (pytest, inspect, copy) must not cost the whole SDK; __all__ does.
        if name.startswith("__") and name != "__all__":
            raise AttributeError(missing)
        with self._lock:  # another thread asking meanwhile waits for the whole package
            if self._loading:  # the package's own __init__ asking (same thread)
                raise AttributeError(missing)
            if module.__dict__.get("__getattr__") is hook:
                self._loading = True
                try:
                    self._real.exec_module(module)  # defines the SDK's own __getattr__
                finally:
                    self._loading = False
                if module.__dict__.get("__getattr__") is hook:
                    del module.__dict__["__getattr__"]
                module.__dict__.pop("__dir__", None)
        if name in module.__dict__:
            return module.__dict__[name]
        theirs = module.__dict__.get("__getattr__")
        if theirs is not None and theirs is not hook:
            return theirs(name)
        raise AttributeError(missing)

    def __getattr__(self, name: str) -> Any:  # get_source, get_filename, is_package, …
        return getattr(self._real, name)


class _StreamingFirst:
    """Finds the :data:`DEFERRED` packages with the other finders and defers their ``__init__``."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname == HTTPX_CLI and _initializing(HTTPX):
            # httpx's __init__ falls back to a stub that names httpx[cli] when it is missing.
            raise ModuleNotFoundError("httpx's command-line client is not used", name=fullname)
        if fullname == HTTPX and _initializing(STREAMING_CLIENT):
            spec = self._others(fullname, path, target)
            if spec is not None and hasattr(spec.loader, "exec_module"):
                from importlib.util import LazyLoader

                spec.loader = LazyLoader(spec.loader)  # runs on first attribute lookup
            return spec
        if fullname not in DEFERRED:
            return None
        spec = self._others(fullname, path, target)
        if spec is None or spec.loader is None or spec.submodule_search_locations is None:
            return spec  # not the package we know: import it as it is
        spec.loader = _DeferredInit(spec.loader)
        return spec

    def _others(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None
    ) -> ModuleSpec | None:
        """What the other finders on ``sys.meta_path`` find for ``fullname``."""
        for finder in sys.meta_path:
            if finder is not self and hasattr(finder, "find_spec"):
                spec = finder.find_spec(fullname, path, target)
                if spec is not None:
                    return spec
        return None


def _initializing(name: str) -> bool:
    """Whether module ``name`` is being imported right now (its own code running)."""
    spec = getattr(sys.modules.get(name), "__spec__", None)
    return bool(getattr(spec, "_initializing", False))


_FINDER = _StreamingFirst()


def install() -> None:
    """Defer the SDK packages' ``__init__`` for their next import (idempotent).

    Nothing happens when the SDK is already imported.
    """
    if PACKAGE not in sys.modules:
        add_finder(_FINDER)
