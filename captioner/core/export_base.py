"""What every export format shares: the formats, the user's options, labels and clocks.

Split from :mod:`captioner.core.export` (which re-exports all of it) so the
text formats (:mod:`~captioner.core.export_text`), the subtitle formats
(:mod:`~captioner.core.export_subtitles`) and the importer
(:mod:`~captioner.core.export_import`) each build on one small module.
The label rule (``LabelMode``, ``turn_labels``) lives with the caption-line
model in :mod:`captioner.core.caption_line` and is re-exported from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from captioner.core.bilingual import SubtitleTranslation
from captioner.core.caption_line import LabelMode as LabelMode
from captioner.core.caption_line import turn_labels as turn_labels
from captioner.core.cues import CueLimits
from captioner.core.profanity import mask_turns
from captioner.core.session import SessionInfo
from captioner.core.transcript import Turn

JSON_SCHEMA = "captioner.transcript"
JSON_VERSION = 1


class ExportError(Exception):
    """A transcript could not be written; ``str()`` names the path and says why."""


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


def has_export_extension(path: str | Path) -> bool:
    """Whether ``path`` ends in an export format's extension ("Standup 10.30" does not)."""
    return Path(path).suffix.lower() in _EXTENSIONS


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """Choices the user makes in the export dialog.

    ``labels``: which label each line gets (see
    :func:`captioner.core.caption_line.turn_labels`): ``"auto"`` the speaker,
    else the source when there are several; ``"speaker"``/``"source"`` force
    one; ``"none"`` drops them.  ``timestamps`` applies to TXT (Markdown
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


# The options when none are given (frozen, so one shared instance is safe).
DEFAULT_OPTIONS = ExportOptions()


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
