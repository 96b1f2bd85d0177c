"""Reading a Captioner JSON transcript back (what :func:`~captioner.core.export.to_json` writes).

Anything that is not such a file, or is damaged, raises
:class:`TranscriptFileError` with a message naming the file and why; nothing
is half-imported.
"""

from __future__ import annotations

import json
from pathlib import Path

from captioner.core.export_base import JSON_SCHEMA, JSON_VERSION
from captioner.core.session import SessionInfo, turn_from_dict
from captioner.core.transcript import Turn


class TranscriptFileError(Exception):
    """A file could not be imported as a Captioner JSON transcript."""


def import_json(path: str | Path) -> tuple[SessionInfo | None, list[Turn]]:
    """Read a JSON export back (what :func:`to_json` wrote); raises :class:`TranscriptFileError`."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TranscriptFileError(f"Could not read “{path}”: {exc.strerror or exc}.") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TranscriptFileError(f"“{path}” is not valid JSON: {exc}.") from exc
    except RecursionError as exc:  # "[[[[…" thousands deep: the parser's stack, not ours
        raise TranscriptFileError(
            f"“{path}” is damaged: it is nested too deeply to be a Captioner transcript."
        ) from exc
    if not isinstance(document, dict) or document.get("schema") != JSON_SCHEMA:
        raise TranscriptFileError(f"“{path}” is not a Captioner transcript.")
    version = document.get("version")
    if not isinstance(version, int) or version > JSON_VERSION:
        raise TranscriptFileError(f"“{path}” was written by a newer Captioner (v{version}).")
    try:
        session = document.get("session")
        info = SessionInfo.from_dict(session) if session is not None else None
        turns = [turn_from_dict(turn) for turn in document.get("turns") or []]
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
        raise TranscriptFileError(f"“{path}” is damaged: {exc!r}.") from exc
    return info, turns
