"""Importing asyncio for the Qt loop without OpenSSL, which it loads and this loop never uses.

asyncio imports :mod:`ssl` at once (for ``create_connection(ssl=...)``), which
maps OpenSSL into the process: ~5 MB resident (issue 14), all day, in an app
whose loop only runs GUI coroutines (the input scan, the sessions list) and
never opens a socket.  The cloud engine's TLS is the SDK's own websocket on
its own thread, which imports ssl itself when a run starts.

So the GUI thread imports asyncio with ``import ssl`` refused *for that thread
only* (another thread importing ssl meanwhile, such as the SDK preload, gets
the real module, and asyncio then simply has it too).  asyncio's modules keep
``ssl = None`` until something imports ssl; from then on they hold the real
module (and what :mod:`asyncio.sslproto` derives from it at import time), so
TLS through asyncio works as usual once OpenSSL is loaded anyway.
tests/ui/test_light_asyncio.py proves that with a TLS echo on every Python CI
runs: a Python whose asyncio derives more from ssl at import time fails there.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any

from captioner.core.lazy_import import add_finder, drop_finder

if TYPE_CHECKING:
    from importlib.machinery import ModuleSpec

# The finder and loader follow importlib's protocols without subclassing importlib.abc,
# whose import pulls in importlib.resources, tempfile and shutil (see sdk_import).


def import_asyncio() -> ModuleType:
    """``import asyncio``, leaving OpenSSL unloaded when nothing has loaded it yet."""
    if "asyncio" in sys.modules or "ssl" in sys.modules:
        import asyncio

        return asyncio
    finder = _SslLater(threading.get_ident())
    add_finder(finder)
    try:
        import asyncio
    finally:
        finder.refusing = False
    if "ssl" in sys.modules:  # another thread imported it meanwhile
        finder.leave()
        _give_asyncio(sys.modules["ssl"])
    return asyncio


class _SslLater:
    """Refuses ``ssl`` to one thread while asyncio imports; hands it to asyncio when it comes."""

    def __init__(self, thread: int) -> None:
        self.thread = thread
        self.refusing = True

    def leave(self) -> None:
        drop_finder(self)

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname != "ssl":
            return None
        if self.refusing and threading.get_ident() == self.thread:
            raise ModuleNotFoundError("ssl is imported when first needed", name="ssl")
        self.leave()  # the real import, found by the other finders
        for finder in list(sys.meta_path):
            spec = (
                finder.find_spec(fullname, path, target) if hasattr(finder, "find_spec") else None
            )
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _ThenGiveAsyncio(spec.loader)
                return spec
        return None


class _ThenGiveAsyncio:
    """ssl's own loader, then asyncio's modules get the module."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        _give_asyncio(module)

    def __getattr__(self, name: str) -> Any:  # get_source, get_filename, …
        return getattr(self._loader, name)


def _give_asyncio(ssl: ModuleType) -> None:
    for name, module in list(sys.modules.items()):
        if name.startswith("asyncio.") and getattr(module, "ssl", False) is None:
            module.ssl = ssl  # type: ignore[attr-defined]
    # asyncio.sslproto (3.11+) derives this tuple from ssl when it is imported with it.
    sslproto = sys.modules.get("asyncio.sslproto")
    if sys.version_info >= (3, 11) and sslproto is not None:
        if not hasattr(sslproto, "SSLAgainErrors"):
            sslproto.SSLAgainErrors = (ssl.SSLWantReadError, ssl.SSLSyscallError)  # type: ignore[attr-defined]
