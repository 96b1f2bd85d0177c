"""Recognition engines: audio chunks in, turn updates out (no Qt).

``offline/`` and ``assemblyai/`` are one package per engine and never import
each other; ``base`` (the interface), ``call_labels`` (call-mode naming) and
``registry`` (every engine declared once) sit beside them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, home: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's PEP 562 ``__getattr__`` and ``__dir__`` for names loaded on first use.

    ``home`` maps each exported name to the module that defines it;
    ``namespace`` is the package's ``globals()``.  The engine packages export
    their classes this way so that importing a package (for its settings or
    constants) does not import its heavy libraries (issue 14).  A name, once
    looked up, is stored in the package: the next lookup is a plain attribute.
    """

    def __getattr__(name: str) -> Any:
        module = home.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *home})

    return __getattr__, __dir__
