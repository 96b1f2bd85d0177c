"""A line in progress in the transcript is rewritten by its changed end, and only it repaints.

Issue 14: rewriting the whole last block made Qt repaint the whole text area
on every partial.  What the document holds must not depend on how a line was
rewritten (same characters in the same formats as writing it afresh), and what
the screen shows must be what a fresh paint of the view shows.  The offscreen
platform's ``grabWindow`` reads the window's backing store, i.e. what partial
repaints left on screen; ``QWidget.grab`` paints the whole view afresh.
"""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QImage, QTextCharFormat, QTextCursor, QTextDocument

from captioner.core.transcript import Turn, Word
from captioner.ui.block_rewrite import Segment, rewrite, unchanged_length
from captioner.ui.transcript_view import TranscriptView
from tests.ui.paints import Paints


def styles() -> tuple[QTextCharFormat, QTextCharFormat, QTextCharFormat]:
    plain, italic, label = QTextCharFormat(), QTextCharFormat(), QTextCharFormat()
    italic.setFontItalic(True)
    label.setForeground(QColor("#1f6fb2"))
    label.setFontItalic(True)
    return plain, italic, label


def chars(document: QTextDocument) -> list[tuple[str, QTextCharFormat]]:
    """Every character of the document with its format (compared by value)."""
    out = []
    block = document.firstBlock()
    while block.isValid():
        for fragment in block:
            piece = fragment.fragment()
            out += [(c, piece.charFormat()) for c in piece.text()]
        out.append(("¶", QTextCharFormat()))
        block = block.next()
    return out


def written(segments: list[Segment], before: str = "earlier line") -> QTextDocument:
    document = QTextDocument()
    cursor = QTextCursor(document)
    cursor.insertText(before)
    cursor.insertBlock()
    for text, style in segments:
        cursor.insertText(text, style)
    return document


PLAIN, ITALIC, LABEL = styles()
CASES = [
    ([("so what", ITALIC)], [("so what we saw", ITALIC)]),  # words appended
    ([("so what we saw", ITALIC)], [("so what", ITALIC)]),  # words taken back
    ([("so what we saw", ITALIC)], [("so that we saw", ITALIC)]),  # a word revised
    ([("so what", ITALIC)], [("so what", PLAIN)]),  # same words, another style
    ([("so what", ITALIC)], [("so what", ITALIC)]),  # nothing changed
    ([("", ITALIC)], [("hello", ITALIC)]),
    ([("hello", ITALIC)], [("", ITALIC)]),
    (  # call mode: tag, label in its colour, words
        [("", ITALIC), ("You: ", LABEL), ("so", ITALIC)],
        [("", ITALIC), ("You: ", LABEL), ("so what", ITALIC)],
    ),
    ([("You: so", ITALIC)], [("", ITALIC), ("You: ", LABEL), ("so what", ITALIC)]),
    ([("", ITALIC), ("You: ", LABEL), ("so", ITALIC)], [("You: so what", ITALIC)]),
]


@pytest.mark.parametrize(("old", "new"), CASES)
def test_rewriting_the_changed_end_leaves_what_writing_afresh_leaves(qapp, old, new) -> None:
    document = written(old)
    rewrite(document.lastBlock(), new)
    assert chars(document) == chars(written(new))


def test_only_the_unchanged_start_is_kept() -> None:
    assert unchanged_length([("so what", ITALIC)], [("so what we", ITALIC)]) == 7
    assert unchanged_length([("so what", ITALIC)], [("so", ITALIC), (" what", ITALIC)]) == 7
    assert unchanged_length([("so what", ITALIC)], [("so what", PLAIN)]) == 0
    assert unchanged_length([("You: ", LABEL), ("so", ITALIC)], [("You: so", ITALIC)]) == 0
    assert unchanged_length([("ab", ITALIC), ("c", LABEL)], [("ab", ITALIC), ("d", LABEL)]) == 2


# -- on screen -------------------------------------------------------------------


def turn(n: int, text: str, **extra: object) -> Turn:
    words = (Word("w", n * 2000, n * 2000 + 500),)
    return Turn(f"k{n}", n, text, words=words, **extra)  # type: ignore[arg-type]


def on_screen(view: TranscriptView) -> QImage:
    viewport = view.viewport()
    shot = viewport.screen().grabWindow(view.window().winId()).toImage()
    return shot.copy(viewport.geometry().translated(view.pos()))


def painted_afresh(view: TranscriptView) -> QImage:
    return view.viewport().grab().toImage().convertToFormat(on_screen(view).format())


@pytest.fixture
def view(qtbot) -> TranscriptView:
    v = TranscriptView()
    qtbot.addWidget(v)
    v.resize(600, 300)
    v.show()
    qtbot.waitExposed(v)
    for n in range(20):
        v.insert_turn(n, turn(n, f"line {n} of what was said", finished=True))
    qtbot.wait(50)
    return v


def test_a_growing_line_repaints_only_itself_and_the_screen_is_right(qtbot, view) -> None:
    view.show_partial(turn(20, "so"))
    qtbot.wait(50)
    paints = Paints(view.viewport())
    for words in ("so what", "so what we", "so what we saw"):
        view.show_partial(turn(20, words))
        qtbot.waitUntil(lambda: paints.count > 0)
        assert all(r.height() < view.viewport().height() / 4 for r in paints.rects), paints.rects
        assert on_screen(view) == painted_afresh(view)
        paints.clear()
    assert view.partial_text() == "so what we saw"


def test_every_kind_of_change_to_lines_in_progress_leaves_the_screen_right(qtbot, view) -> None:
    mic = {"source": "mic", "speaker": "You"}
    system = {"source": "system", "speaker": "Them"}
    steps = [
        turn(20, "so what we"),
        turn(20, "so that we"),  # revised
        turn(20, "so"),  # taken back
        turn(20, "so", provisional=True),  # another style
        turn(20, "so we went on and on " * 6),  # wraps: the line grows taller
        turn(20, "so we went"),  # and shorter again
        turn(20, "so we went", **mic),  # call mode: labelled
        turn(21, "and then", **system),  # the other side too
        turn(20, "so we went there", **mic),
        turn(21, "and then they", **system),
    ]
    for step in steps:
        view.show_partial(step)
        qtbot.wait(20)
        assert on_screen(view) == painted_afresh(view), step
    assert view.partial_texts() == ["You: so we went there", "Them: and then they"]
