"""The text formats: plain text, Captioner JSON and Markdown.

Each shows a turn's translation (when asked) as a line of its own under it;
JSON always carries it (see the schema in :mod:`captioner.core.export`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from captioner.core.bidi import isolated
from captioner.core.caption_line import CaptionLine, caption_lines
from captioner.core.export_base import (
    DEFAULT_OPTIONS,
    JSON_SCHEMA,
    JSON_VERSION,
    ExportOptions,
    clock,
    duration_text,
    session_duration,
    shown_turns,
)
from captioner.core.session import SessionInfo, turn_to_dict
from captioner.core.transcript import Turn


def to_txt(turns: Sequence[Turn], options: ExportOptions = DEFAULT_OPTIONS) -> str:
    """One paragraph per turn: ``[00:01:05] A: text`` (stamp and label optional).

    A line captioned offline while the cloud was unreachable, and never
    replaced, keeps its "(offline) " tag, as in the window: its accuracy is lower.
    """
    paragraphs = []
    for line in _lines(turns, options):
        parts = []
        if options.timestamps and line.start_ms is not None:
            parts.append(f"[{clock(line.start_ms, millis=False)}]")
        if line.speaker:
            parts.append(f"{line.speaker}:")
        # "(offline)": a stand-in the cloud never replaced, marked as in the window
        parts.append(line.tag + isolated(" ".join(line.text.split())))
        translated = _note(line) if options.translations else None
        paragraphs.append(" ".join(parts) + (f"\n{translated}" if translated else ""))
    return "\n\n".join(paragraphs) + "\n" if paragraphs else ""


def _note(line: CaptionLine) -> str | None:
    """``(ar) …``: the translation under its line, its words isolated (see :mod:`.bidi`)."""
    text = " ".join(line.translation.split())
    return f"({line.language}) {isolated(text)}" if text else None


def _lines(turns: Sequence[Turn], options: ExportOptions) -> list[CaptionLine]:
    """The turns as caption lines, labelled and filtered as the user chose."""
    return caption_lines(turns, mask_profanity=options.mask_profanity, labels=options.labels)


def to_json(
    turns: Sequence[Turn],
    info: SessionInfo | None = None,
    options: ExportOptions = DEFAULT_OPTIONS,
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
    options: ExportOptions = DEFAULT_OPTIONS,
) -> str:
    """A heading with date and duration, then ``**[00:01:05] A:** text`` paragraphs."""
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
    for caption in _lines(turns, options):
        head = f"[{clock(caption.start_ms, millis=False)}]" if caption.start_ms is not None else ""
        if caption.speaker:
            head = f"{head} {_md(caption.speaker)}:".strip()
        text = _md(caption.tag + isolated(" ".join(caption.text.split())))
        lines.append(f"**{head}** {text}" if head else text)
        translated = _note(caption) if options.translations else None
        if translated:  # a line of its own (a hard break: two trailing spaces)
            lines[-1] += "  "
            lines.append(f"*{_md(translated)}*")
        lines.append("")
    return "\n".join(lines)
