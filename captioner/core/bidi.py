"""Right-to-left words after a left-to-right time or label, kept in their own order.

A transcript line reads "[00:00:10] B: " then the words.  Arabic or Hebrew
words with a Latin word or a number among them ("مرحبا بكم في اجتماع Zoom
اليوم") were set in the direction of the line's first letter, the label's:
the runs on either side of "Zoom" swapped, and a right-to-left reader read
the sentence's end first.  Set between Unicode's first-strong isolate and
its closing mark (FSI … PDI, invisible), the words take their own direction
(that of their first letter) whatever stands before them.

Pure Python: the main window's transcript (:func:`isolated_line`, so "B: "
and the time stay in the left column, as the overlay lays out each line in its
own direction) and the text exports share it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from captioner.core.caption_line import CaptionLine

FSI, PDI = "\u2068", "\u2069"  # first-strong isolate, pop directional isolate
# Letters of right-to-left scripts: Hebrew, Arabic, Syriac, Thaana, NKo…, their
# presentation forms, and those beyond the BMP.
_RTL = re.compile(
    "[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\U00010800-\U00010fff\U0001e800-\U0001efff]"
)


def isolated(text: str) -> str:
    """``text`` as its own directional run when it holds right-to-left letters."""
    return f"{FSI}{text}{PDI}" if _RTL.search(text) else text


def isolated_line(line: CaptionLine) -> CaptionLine:
    """``line`` with its words and its translation each isolated (unchanged if neither is)."""
    text, translation = isolated(line.text), isolated(line.translation)
    if text is line.text and translation is line.translation:
        return line
    return replace(line, text=text, translation=translation)
