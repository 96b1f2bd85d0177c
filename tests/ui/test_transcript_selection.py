"""Selecting lines in the live transcript while speech goes on.

A reader drags over a few lines to copy them; captions keep arriving in the
meantime.  What they selected must stay what is selected (and copied), and
the view must not scroll it away.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from captioner.core.transcript import Translation
from captioner.ui.transcript_view import TranscriptView
from tests.ui.test_transcript_view import said, turn


@pytest.fixture
def view(qtbot) -> TranscriptView:
    v = TranscriptView()
    qtbot.addWidget(v)
    v.resize(700, 400)
    v.show()
    qtbot.waitExposed(v)
    return v


def speak(view: TranscriptView, first: int, last: int) -> None:
    """Turns ``first``..``last`` finish, each growing word by word first; the next one starts."""
    for n in range(first, last + 1):
        for words in ("line", f"line {n} of", f"line {n} of what was"):
            view.show_partial(turn(n, words))
        view.insert_turn(n, turn(n, finished=True))
        view.show_partial(turn(n + 1, "line"))
    QApplication.processEvents()


def drag(view: TranscriptView, first: str, last: str) -> None:
    """Drag the mouse from the start of the line ``first`` to the end of the line ``last``."""
    doc, viewport = view.document(), view.viewport()

    def rect(text: str):  # type: ignore[no-untyped-def]
        block = doc.find(text).block()
        return view.blockBoundingGeometry(block).translated(view.contentOffset())

    top, bottom = rect(first), rect(last)
    start = QPoint(1, int(top.center().y()))
    end = QPoint(viewport.width() - 5, int(bottom.center().y()))  # past the line's end
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(viewport, end)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    QApplication.processEvents()


def copied(view: TranscriptView) -> str:
    QApplication.clipboard().clear()
    QTest.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    return QApplication.clipboard().text()


def test_a_selection_ending_at_the_newest_line_copies_only_what_was_selected(view) -> None:
    speak(view, 0, 29)
    drag(view, said(28), said(29))  # the last two finished lines, to the end of the newest
    assert copied(view) == f"{said(28)}\n{said(29)}"
    speak(view, 30, 39)  # ten more lines while the reader reaches for Ctrl+C
    assert copied(view) == f"{said(28)}\n{said(29)}"
    assert view.textCursor().selection().toPlainText() == f"{said(28)}\n{said(29)}"  # Edit ▸ Copy


def test_a_selection_into_the_line_in_progress_does_not_grow_with_it(view) -> None:
    speak(view, 0, 9)
    view.show_partial(turn(10, "line ten"))
    cursor = view.textCursor()  # Shift+Ctrl+End from a finished line: to the end of the partial
    cursor.setPosition(view.document().find(said(9)).selectionStart())
    cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
    view.setTextCursor(cursor)
    view.show_partial(turn(10, "line ten is growing"))
    view.show_partial(turn(10, "line ten is growing word by word"))
    assert view.textCursor().selection().toPlainText() == f"{said(9)}\nline ten"


def test_a_late_line_before_the_selection_stays_out_of_it(view) -> None:
    for n in (0, 1, 2, 4, 5):
        view.insert_turn(n if n < 3 else n - 1, turn(n, finished=True))
    drag(view, said(4), said(5))
    view.insert_turn(3, turn(3, finished=True))  # late audio: slotted in just before
    assert copied(view) == f"{said(4)}\n{said(5)}"


def test_a_translation_of_a_selected_line_keeps_it_selected(view) -> None:
    speak(view, 0, 9)
    drag(view, said(8), said(9))
    view.revise_turn(9, turn(9, finished=True, translation=Translation("fr", "ligne 9")))
    assert copied(view).startswith(f"{said(8)}\n{said(9)}")


def test_a_selection_holds_the_view_until_the_reader_lets_go(view) -> None:
    speak(view, 0, 29)
    drag(view, said(28), said(29))
    bar = view.verticalScrollBar()
    held_at = bar.value()
    speak(view, 30, 49)
    assert not view.following
    assert bar.value() == held_at < bar.maximum()  # the selected lines are still on screen
    assert view.jump_button.isVisible()
    view.jump_button.click()
    assert view.following and bar.value() == bar.maximum()
    assert not view.textCursor().hasSelection()
    speak(view, 50, 51)
    assert bar.value() == bar.maximum()
