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
         "translation": {"language": str, "text": str}}  # only present when translated
      ]
    }

Times are milliseconds on the session clock.  Readers must ignore keys they
do not know; a change that old readers would misread bumps ``version``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from captioner.core.bilingual import (
    SubtitleTranslation,
    bilingual_cues,
    language_path,
    languages,
    translated_turns,
    translation_line,
)
from captioner.core.cues import Cue, CueLimits, build_cues, label_prefix
from captioner.core.disk import disk_reason
from captioner.core.profanity import mask_turns
from captioner.core.session import SessionInfo, turn_from_dict, turn_to_dict
from captioner.core.transcript import Turn

JSON_SCHEMA = "captioner.transcript"
JSON_VERSION = 1

LabelMode = Literal["auto", "speaker", "source", "none"]


class ExportError(Exception):
    """A transcript could not be written; ``str()`` names the path and says why."""


class TranscriptFileError(Exception):
    """A file could not be imported as a Captioner JSON transcript."""


class ExportFormat(str, Enum):
    TXT = "txt"
    SRT = "srt"
    VTT = "vtt"
    JSON = "json"
    MD = "md"

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    ExportFormat.TXT: "Plain text",
    ExportFormat.SRT: "SubRip subtitles",
    ExportFormat.VTT: "WebVTT subtitles",
    ExportFormat.JSON: "Captioner JSON (full detail, re-importable)",
    ExportFormat.MD: "Markdown",
}
_EXTENSIONS = {".txt": ExportFormat.TXT, ".srt": ExportFormat.SRT, ".vtt": ExportFormat.VTT}
_EXTENSIONS |= {".json": ExportFormat.JSON, ".md": ExportFormat.MD, ".markdown": ExportFormat.MD}


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """Choices the user makes in the export dialog.

    ``labels``: ``"auto"`` labels a turn with its speaker when the engine gave
    one, else with its source when the transcript has several sources (a
    single source's name on every line is noise); ``"speaker"``/``"source"``
    force one; ``"none"`` drops them.  ``timestamps`` applies to TXT (Markdown
    always has them; subtitles are all timing).  ``mask_profanity``: the
    user's profanity filter (see :mod:`captioner.core.profanity`); off by
    default at this level (the text as recognised), the app and the CLI pass
    the user's choice.  ``translations``: show turns' translations (TXT and
    Markdown: a line under each turn; SRT/VTT as ``subtitle_translation``
    says, see :mod:`captioner.core.bilingual`); JSON always carries them.
    """

    timestamps: bool = True
    labels: LabelMode = "auto"
    cue_limits: CueLimits = field(default_factory=CueLimits)
    mask_profanity: bool = False
    translations: bool = True
    subtitle_translation: SubtitleTranslation = "bilingual"


def format_for_path(path: str | Path, explicit: str | ExportFormat | None = None) -> ExportFormat:
    """The format asked for, or the one the extension names; ``ExportError`` if neither."""
    if explicit is not None:
        if isinstance(explicit, ExportFormat):
            return explicit
        try:
            return ExportFormat(explicit.lower().lstrip("."))
        except ValueError:
            raise ExportError(
                f"Unknown export format “{explicit}” (use txt, srt, vtt, json or md)."
            ) from None
    suffix = Path(path).suffix.lower()
    if suffix not in _EXTENSIONS:
        raise ExportError(
            f"Cannot tell the export format of “{path}” from its extension: "
            "use .txt, .srt, .vtt, .json or .md (or choose a format)."
        )
    return _EXTENSIONS[suffix]


def turn_labels(turns: Sequence[Turn], mode: LabelMode = "auto") -> list[str | None]:
    """The label of each turn under ``mode`` (see :class:`ExportOptions`)."""
    if mode == "none":
        return [None] * len(turns)
    several_sources = len({t.source for t in turns if t.source}) > 1
    labels: list[str | None] = []
    for turn in turns:
        if mode == "speaker":
            labels.append(turn.speaker or None)
        elif mode == "source":
            labels.append(turn.source or None)
        else:
            labels.append(turn.speaker or (turn.source if several_sources else None) or None)
    return labels


def clock(ms: int | None, *, sep: str = ".", millis: bool = True) -> str:
    """``HH:MM:SS.mmm`` (``sep`` is ``,`` in SRT); without millis, ``HH:MM:SS``."""
    ms = max(0, ms or 0)
    seconds, rest = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    text = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    return f"{text}{sep}{rest:03d}" if millis else text


def duration_text(ms: int | None) -> str:
    """A duration for people: ``42 s``, ``3 min 05 s``, ``1 h 02 min``."""
    seconds = round((ms or 0) / 1000)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def session_duration(info: SessionInfo | None, turns: Sequence[Turn]) -> int | None:
    """The session's own duration, else how far its turns reach on the session clock."""
    if info is not None and info.duration_ms is not None:
        return info.duration_ms
    ends = [t.end_ms for t in turns if t.end_ms is not None]
    return max(ends) if ends else None


def shown_turns(turns: Sequence[Turn], options: ExportOptions) -> Sequence[Turn]:
    """The turns as the export shows them: masked when the profanity filter is on."""
    return mask_turns(turns) if options.mask_profanity else turns


def to_txt(turns: Sequence[Turn], options: ExportOptions = ExportOptions()) -> str:
    """One paragraph per turn: ``[00:01:05] A: text`` (stamp and label optional)."""
    turns = shown_turns(turns, options)
    labels = turn_labels(turns, options.labels)
    paragraphs = []
    for turn, label in zip(turns, labels, strict=True):
        parts = []
        if options.timestamps and turn.start_ms is not None:
            parts.append(f"[{clock(turn.start_ms, millis=False)}]")
        if label:
            parts.append(f"{label}:")
        parts.append(" ".join(turn.text.split()))
        translated = translation_line(turn) if options.translations else None
        paragraphs.append(" ".join(parts) + (f"\n{translated}" if translated else ""))
    return "\n\n".join(paragraphs) + "\n" if paragraphs else ""


def _cues(turns: Sequence[Turn], options: ExportOptions) -> list[Cue]:
    """Subtitle cues: bilingual when asked and there is a translation to show."""
    labels = turn_labels(turns, options.labels)
    bilingual = options.translations and options.subtitle_translation == "bilingual"
    if bilingual and any(turn.translation is not None for turn in turns):
        return bilingual_cues(turns, labels, options.cue_limits)
    return build_cues(turns, labels, options.cue_limits)


def to_srt(turns: Sequence[Turn], options: ExportOptions = ExportOptions()) -> str:
    """SubRip: numbered cues; ``>> A:`` opens the first cue of each labelled turn."""
    turns = shown_turns(turns, options)
    blocks = []
    cues = _cues(turns, options)
    for number, cue in enumerate(cues, start=1):
        lines = list(cue.lines)
        if cue.opens_turn and cue.label:
            lines[0] = label_prefix(cue.label) + lines[0]
        timing = f"{clock(cue.start_ms, sep=',')} --> {clock(cue.end_ms, sep=',')}"
        blocks.append("\n".join([str(number), timing, *lines]))
    return "\n\n".join(blocks) + "\n" if blocks else ""


def _vtt_escape(text: str) -> str:
    # "<" and "&" start tags and entities; ">" is escaped so "-->" never appears.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(turns: Sequence[Turn], options: ExportOptions = ExportOptions()) -> str:
    """WebVTT: every cue of a labelled turn carries its voice, ``<v A>``."""
    turns = shown_turns(turns, options)
    blocks = ["WEBVTT"]
    cues = _cues(turns, options)
    for cue in cues:
        lines = [_vtt_escape(line) for line in cue.lines]
        if cue.label:
            lines[0] = f"<v {_vtt_escape(cue.label)}>{lines[0]}"
        blocks.append("\n".join([f"{clock(cue.start_ms)} --> {clock(cue.end_ms)}", *lines]))
    return "\n\n".join(blocks) + "\n"


def to_json(
    turns: Sequence[Turn],
    info: SessionInfo | None = None,
    options: ExportOptions = ExportOptions(),
) -> str:
    """Everything, in the documented schema (see the module docstring)."""
    turns = shown_turns(turns, options)
    document: dict[str, Any] = {
        "schema": JSON_SCHEMA,
        "version": JSON_VERSION,
        "session": info.to_dict() if info is not None else None,
        "turns": [turn_to_dict(turn) for turn in turns],
    }
    text = json.dumps(document, ensure_ascii=False, indent=2)
    # One word per line rather than six: the file stays readable and diffable.
    return _WORD_OBJECT.sub(_one_line, text) + "\n"


def _one_line(match: re.Match[str]) -> str:
    text, start, end, confidence, speaker = match.groups()
    tail = f', "speaker": {speaker}' if speaker is not None else ""
    timing = f'"start_ms": {start}, "end_ms": {end}, "confidence": {confidence}'
    return f'{{"text": {text}, {timing}{tail}}}'


_WORD_OBJECT = re.compile(
    r'\{\n\s+"text": (".*"),\n\s+"start_ms": (-?\d+),\n\s+"end_ms": (-?\d+),'
    r'\n\s+"confidence": ([^\n,]+)(?:,\n\s+"speaker": (".*"))?\n\s+\}'
)


_MD_SPECIAL = re.compile(r"[\\`*\[\]<>#|~]|(?<!\w)_|_(?!\w)")


def _md(text: str) -> str:
    """Escape Markdown syntax; ``_`` inside a word (file_name.wav) is not emphasis."""
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), text)


def to_markdown(
    turns: Sequence[Turn],
    info: SessionInfo | None = None,
    options: ExportOptions = ExportOptions(),
) -> str:
    """A heading with date and duration, then ``**[00:01:05] A:** text`` paragraphs."""
    turns = shown_turns(turns, options)
    title = info.title if info is not None and info.title else "Transcript"
    lines = [f"# {_md(title)}", ""]
    facts = []
    if info is not None:
        facts.append(info.started_at.astimezone().strftime("%Y-%m-%d %H:%M %Z"))
    duration = session_duration(info, turns)
    if duration is not None:
        facts.append(f"duration {duration_text(duration)}")
    if info is not None and info.engine:
        facts.append(f"{info.engine} engine")
    if info is not None and info.source:
        facts.append(_md(info.source))
    if facts:
        lines += ["*" + " · ".join(facts) + "*", ""]
    for turn, label in zip(turns, turn_labels(turns, options.labels), strict=True):
        head = f"[{clock(turn.start_ms, millis=False)}]" if turn.start_ms is not None else ""
        if label:
            head = f"{head} {_md(label)}:".strip()
        text = _md(" ".join(turn.text.split()))
        lines.append(f"**{head}** {text}" if head else text)
        translated = translation_line(turn) if options.translations else None
        if translated:  # a line of its own (a hard break: two trailing spaces)
            lines[-1] += "  "
            lines.append(f"*{_md(translated)}*")
        lines.append("")
    return "\n".join(lines)


def render(
    fmt: ExportFormat | str,
    turns: Sequence[Turn],
    info: SessionInfo | None = None,
    options: ExportOptions = ExportOptions(),
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


def check_writable(path: str | Path) -> None:
    """Prove ``path`` can be written (create and remove a temp file beside it).

    Call before a long job, so nobody waits a minute to learn the folder is
    read-only.  Raises :class:`ExportError`.
    """
    path = Path(path)
    if path.is_dir():
        raise ExportError(f"Could not write “{path}”: it is a folder.")
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise ExportError(_write_message(path, exc)) from exc
    os.close(fd)
    os.unlink(temp)


def write_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) so ``path`` is either the old file or the whole new one.

    Temp file in the same folder, flush, fsync, ``os.replace``.  On failure
    the temp file is removed and :class:`ExportError` names the path.
    """
    path = Path(path)
    if path.is_dir():
        raise ExportError(f"Could not write “{path}”: it is a folder.")
    data = text.encode("utf-8")
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise ExportError(_write_message(path, exc)) from exc
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(OSError):
            # mkstemp makes 0600 files; an export is an ordinary document.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise ExportError(_write_message(path, exc)) from exc


def export(
    path: str | Path,
    turns: Sequence[Turn],
    info: SessionInfo | None = None,
    *,
    fmt: ExportFormat | str | None = None,
    options: ExportOptions = ExportOptions(),
) -> ExportFormat:
    """Render and atomically write an export; returns the format used.

    With ``subtitle_translation="separate"`` an SRT/VTT export also writes
    each translation's track beside it (see :func:`translation_exports`).
    """
    chosen = format_for_path(path, fmt)
    write_atomic(path, render(chosen, turns, info, options))
    for extra, language in translation_exports(path, turns, chosen, options):
        write_atomic(extra, render(chosen, translated_turns(turns, language), info, options))
    return chosen


def translation_exports(
    path: str | Path,
    turns: Sequence[Turn],
    fmt: ExportFormat | str,
    options: ExportOptions = ExportOptions(),
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
