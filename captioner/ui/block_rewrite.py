"""Rewriting a line in progress in place by its changed end only (issue 14).

QPlainTextEdit repaints only a block whose text changed when Qt's plain-text
layout can tell that the change stayed inside that block and kept its height.
It tells by the changed range, ``from + removed + added``: rewriting a whole
block at the end of the document runs that range past the document's end, so
each partial repainted the whole viewport (every visible line, ~0.3 ms a
partial).  A line in progress mostly grows by words appended: keeping the
text and formats that did not change and writing only the rest makes such a
partial an append inside its block, and Qt repaints that one line.  The
document ends up holding the same text in the same formats either way.
"""

from __future__ import annotations

from PySide6.QtGui import QTextBlock, QTextCharFormat, QTextCursor

Segment = tuple[str, QTextCharFormat]  # text and the format it is written in


def written(block: QTextBlock) -> list[Segment]:
    """The block's text as it is in the document: each fragment's text and format."""
    out = []
    for fragment in block:
        piece = fragment.fragment()
        out.append((piece.text(), piece.charFormat()))
    return out


def _same_start(a: str, b: str) -> int:
    """How many characters ``a`` and ``b`` share at their start."""
    for at, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return at
    return min(len(a), len(b))


def unchanged_length(old: list[Segment], new: list[Segment]) -> int:
    """How many characters at the start of ``new`` are already there, in the same formats."""
    old = [s for s in old if s[0]]
    new = [s for s in new if s[0]]
    kept = i = j = at_old = at_new = 0
    while i < len(old) and j < len(new):
        (old_text, old_format), (new_text, new_format) = old[i], new[j]
        if old_format != new_format:
            break
        rest_old, rest_new = old_text[at_old:], new_text[at_new:]
        same = _same_start(rest_old, rest_new)
        kept += same
        if same < min(len(rest_old), len(rest_new)):
            break
        i, at_old = (i + 1, 0) if same == len(rest_old) else (i, at_old + same)
        j, at_new = (j + 1, 0) if same == len(rest_new) else (j, at_new + same)
    return kept


def utf16_length(text: str) -> int:
    """``text``'s length as Qt counts it: an emoji or a rare ideograph (beyond the BMP) is two.

    A document position counts UTF-16 units, a Python index code points: the
    kept start of "😀 hi" → "😀 hello" is 3 code points but 4 units, and a
    cursor set 3 units in rewrote the line as "😀 ello".
    """
    return len(text.encode("utf-16-le")) // 2


def rewrite(block: QTextBlock, segments: list[Segment]) -> None:
    """Make ``block`` hold ``segments``, rewriting only from the first character that differs."""
    keep = unchanged_length(written(block), segments)
    cursor = QTextCursor(block)
    cursor.setPosition(block.position() + utf16_length("".join(t for t, _ in segments)[:keep]))
    cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
    if cursor.hasSelection():
        cursor.removeSelectedText()
    for text, style in segments:
        if keep >= len(text):
            keep -= len(text)
            continue
        cursor.insertText(text[keep:], style)
        keep = 0
