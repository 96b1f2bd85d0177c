"""Right-to-left words in the transcript read in their own order, after a time and a label.

See :mod:`captioner.core.bidi`: each line's words, and its translation, are
a first-strong isolate when they hold right-to-left letters, so "B: " and
the time stay in the left column and the words read right to left, as the
overlay lays out each line in its own direction.
"""

from __future__ import annotations

from dataclasses import replace

from captioner.core.bidi import FSI, PDI, isolated
from captioner.core.caption_line import CaptionLine

__all__ = ["FSI", "PDI", "isolated_line"]


def isolated_line(line: CaptionLine) -> CaptionLine:
    """``line`` with its words and its translation each isolated (see the module docstring)."""
    text, translation = isolated(line.text), isolated(line.translation)
    if text is line.text and translation is line.translation:
        return line
    return replace(line, text=text, translation=translation)
