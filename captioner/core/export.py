"""Export a transcript as TXT, SRT, WebVTT, JSON or Markdown, written atomically.

Every format uses ``Turn.text``, which is the engine's formatted text
(casing, punctuation) whenever it sent one.  Subtitle cues come from
:mod:`captioner.core.cues`.  With ``ExportOptions.mask_profanity`` every
format (JSON included: text and words) shows profanity masked, as the
screen does; word count and timings are unchanged.

JSON schema (``"schema": "captioner.transcript"``, ``"version": 1``)::

    {
      "schema": "captioner.transcript",
      "version": 1,
      "session": {                      # or null when exported without one
        "id": "32 hex digits", "title": str|null,
        "started_at": ISO 8601 UTC, "ended_at": ISO 8601 UTC|null,
        "duration_ms": int|null, "engine": str, "source": str,
        "settings": {str: JSON value}   # what shaped the text; never a secret
      },
      "turns": [                         # display order
        {"key": str, "order": int, "text": str, "formatted": bool,
         "source": str, "speaker": str|null,
         "start_ms": int|null, "end_ms": int|null,      # derived from words
         "words": [{"text": str, "start_ms": int, "end_ms": int, "confidence": float,
                    "speaker": str}],    # a word's speaker: only present when known
         "provisional": true,          # only present (and true) for a stand-in caption
         "recovered": true,            # only present (and true) for a line filled in
                                       # after a reconnect (real cloud text, shown late)
         "translation": {"language": str, "text": str}}  # only present when translated
      ]
    }

Times are milliseconds on the session clock.  Readers must ignore keys they
do not know; a change that old readers would misread bumps ``version``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from captioner.core.bilingual import (
    SubtitleTranslation,
    language_path,
    languages,
    translated_turns,
)
from captioner.core.disk import disk_reason
from captioner.core.export_base import (
    DEFAULT_OPTIONS,
    JSON_SCHEMA,
    JSON_VERSION,
    ExportError,
    ExportFormat,
    ExportOptions,
    LabelMode,
    clock,
    duration_text,
    format_for_path,
    session_duration,
    shown_turns,
    turn_labels,
)
from captioner.core.export_import import TranscriptFileError, import_json
from captioner.core.export_subtitles import to_srt, to_vtt
from captioner.core.export_text import to_json, to_markdown, to_txt
from captioner.core.safe_write import check_target, write_text
from captioner.core.session import SessionInfo
from captioner.core.transcript import Turn

# The public names, wherever they live now (callers import them from here).
__all__ = [
    "DEFAULT_OPTIONS",
    "JSON_SCHEMA",
    "JSON_VERSION",
    "ExportError",
    "ExportFormat",
    "ExportOptions",
    "LabelMode",
    "SubtitleTranslation",
    "TranscriptFileError",
    "check_writable",
    "clock",
    "duration_text",
    "export",
    "format_for_path",
    "import_json",
    "render",
    "session_duration",
    "shown_turns",
    "to_json",
    "to_markdown",
    "to_srt",
    "to_txt",
    "to_vtt",
    "translation_exports",
    "turn_labels",
    "write_atomic",
]


def render(
    fmt: ExportFormat | str,
    turns: Sequence[Turn],
    info: SessionInfo | None = None,
    options: ExportOptions = DEFAULT_OPTIONS,
) -> str:
    """The text of an export, without writing it (the GUI can preview it)."""
    fmt = ExportFormat(fmt)
    if fmt is ExportFormat.TXT:
        return to_txt(turns, options)
    if fmt is ExportFormat.SRT:
        return to_srt(turns, options)
    if fmt is ExportFormat.VTT:
        return to_vtt(turns, options)
    if fmt is ExportFormat.JSON:
        return to_json(turns, info, options)
    return to_markdown(turns, info, options)


def _write_message(path: Path, exc: OSError) -> str:
    return f"Could not write “{path}”: {disk_reason(exc)}."


def check_writable(
    path: str | Path, *, overwrite: bool = True, inputs: Sequence[str | Path] = ()
) -> None:
    """Prove ``path`` can be written (create and remove a temp file beside it).

    Call before a long job, so nobody waits a minute to learn the folder is
    read-only, or that ``path`` is the input, a symlink, a device or (without
    ``overwrite``) an existing file: see :mod:`captioner.core.safe_write`.
    Raises :class:`ExportError`.
    """
    path = Path(path)
    check_target(path, overwrite=overwrite, inputs=inputs)
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise ExportError(_write_message(path, exc)) from exc
    os.close(fd)
    os.unlink(temp)


def write_atomic(
    path: str | Path, text: str, *, overwrite: bool = True, inputs: Sequence[str | Path] = ()
) -> None:
    """Write ``text`` (UTF-8) so ``path`` is either the old file or the whole new one.

    Through :func:`captioner.core.safe_write.write_text`: temp file in the
    same folder, fsync, rename; never onto the input, a symlink or a device.
    """
    write_text(path, text, overwrite=overwrite, inputs=inputs)


def export(
    path: str | Path,
    turns: Sequence[Turn],
    info: SessionInfo | None = None,
    *,
    fmt: ExportFormat | str | None = None,
    options: ExportOptions = DEFAULT_OPTIONS,
    overwrite: bool = True,
    inputs: Sequence[str | Path] = (),
) -> ExportFormat:
    """Render and atomically write an export; returns the format used.

    With ``subtitle_translation="separate"`` an SRT/VTT export also writes
    each translation's track beside it (see :func:`translation_exports`).
    Every file obeys the same rules (``overwrite``, ``inputs``: see
    :mod:`captioner.core.safe_write`), all checked before any is written.
    """
    chosen = format_for_path(path, fmt)
    extras = translation_exports(path, turns, chosen, options)
    for target in [Path(path), *(extra for extra, _language in extras)]:
        check_target(target, overwrite=overwrite, inputs=inputs)
    write_atomic(path, render(chosen, turns, info, options), overwrite=overwrite, inputs=inputs)
    for extra, language in extras:
        text = render(chosen, translated_turns(turns, language), info, options)
        write_atomic(extra, text, overwrite=overwrite, inputs=inputs)
    return chosen


def translation_exports(
    path: str | Path,
    turns: Sequence[Turn],
    fmt: ExportFormat | str,
    options: ExportOptions = DEFAULT_OPTIONS,
) -> list[tuple[Path, str]]:
    """The extra files (and their languages) an export writes: ``talk.fr.srt`` …

    Only subtitles exported with ``subtitle_translation="separate"`` have
    them; a caller can show the list before writing or after.
    """
    fmt = ExportFormat(fmt)
    if fmt not in (ExportFormat.SRT, ExportFormat.VTT) or not options.translations:
        return []
    if options.subtitle_translation != "separate":
        return []
    return [(language_path(path, language), language) for language in languages(turns)]
