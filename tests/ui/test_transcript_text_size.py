"""A reader who needs bigger text can make the main window's transcript bigger, and it stays so.

View ▸ Larger text (Ctrl++ and Ctrl+=), Smaller text (Ctrl+-) and Actual
text size (Ctrl+0); Ctrl+wheel steps through the same sizes.  Times, words
and translations all grow, the line in progress is still rewritten by its
changed end only, and the next launch shows the same size.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QAction, QFont, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from captioner.core.settings import DictStore, Key, Settings
from captioner.core.transcript import Translation
from captioner.ui.main_window import MainWindow
from captioner.ui.transcript_view import TranscriptView
from tests.ui.test_transcript_view import turn

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def window(qtbot) -> MainWindow:
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()  # window shortcuts only reach the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    return w


def sizes(view: TranscriptView) -> dict[str, float]:
    """The point size each kind of text of the first line is drawn in."""
    block = view.document().firstBlock()
    found = {}
    for name, fragment in zip(("time", "words", "indent", "translation"), block, strict=False):
        found[name] = fragment.fragment().charFormat().font().pointSizeF()
    return found


def key(view: TranscriptView, which: Qt.Key) -> None:
    QTest.keyClick(view, which, CTRL)
    QApplication.processEvents()


def test_the_keys_make_times_words_and_translations_larger_and_smaller(window) -> None:
    view = window.transcript
    view.insert_turn(0, turn(0, finished=True, translation=Translation("fr", "ligne 0")))
    view.setFocus()
    before = sizes(view)
    key(view, Qt.Key.Key_Plus)
    larger = sizes(view)
    assert all(larger[name] > before[name] for name in ("time", "words", "translation"))
    key(view, Qt.Key.Key_Equal)  # "+" without Shift
    assert sizes(view)["words"] > larger["words"]
    assert sizes(view)["translation"] > larger["translation"]
    key(view, Qt.Key.Key_Minus)
    assert sizes(view) == larger
    key(view, Qt.Key.Key_0)
    assert sizes(view) == before
    assert view.text_size.percent == 100


def test_ctrl_wheel_steps_through_the_same_sizes(window) -> None:
    view = window.transcript
    notch = QWheelEvent(
        QPointF(50, 50), QPointF(50, 50), QPoint(0, 0), QPoint(0, 120),
        Qt.MouseButton.NoButton, CTRL, Qt.ScrollPhase.NoScrollPhase, False,
    )  # fmt: skip
    QApplication.sendEvent(view.viewport(), notch)
    by_wheel = view.font().pointSizeF()
    key(view, Qt.Key.Key_0)
    key(view, Qt.Key.Key_Plus)
    assert view.font().pointSizeF() == by_wheel


def test_the_line_in_progress_is_still_rewritten_by_its_end_after_a_size_change(window) -> None:
    view = window.transcript
    view.insert_turn(0, turn(0, finished=True))
    view.show_partial(turn(1, "line one"))
    key(view, Qt.Key.Key_Plus)
    changes: list[tuple[int, int, int]] = []
    view.document().contentsChange.connect(
        lambda at, gone, added: changes.append((at, gone, added))
    )
    view.show_partial(turn(1, "line one is growing"))
    line = view.document().lastBlock()
    assert line.text() == "line one is growing"
    assert changes == [(line.position() + len("line one"), 0, len(" is growing"))]


def test_the_size_is_remembered_across_launches(make_app, qtbot) -> None:
    first = make_app()
    first.window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is first.window)
    usual = first.window.transcript.font().pointSizeF()
    key(first.window.transcript, Qt.Key.Key_Plus)
    key(first.window.transcript, Qt.Key.Key_Plus)
    larger = first.window.transcript.font().pointSizeF()
    assert larger > usual
    again = make_app()  # the next launch, on the same settings file
    assert again.window.transcript.font().pointSizeF() == larger


def test_a_size_out_of_range_in_the_settings_file_reads_as_the_usual_size() -> None:
    store = DictStore()
    store.setValue(Key.TRANSCRIPT_TEXT_PERCENT.spec.name, "5000")
    assert Settings(store).get(Key.TRANSCRIPT_TEXT_PERCENT) == 100


def test_the_new_keys_collide_with_no_other_shortcut(window) -> None:
    actions = window.findChildren(QAction)
    keys = [k.toString() for action in actions for k in action.shortcuts()]
    assert {"Ctrl++", "Ctrl+=", "Ctrl+-", "Ctrl+0"} <= set(keys)
    assert len(keys) == len(set(keys))


def wheel_up(view: TranscriptView) -> None:
    notch = QWheelEvent(
        QPointF(50, 50), QPointF(50, 50), QPoint(0, 0), QPoint(0, 120),
        Qt.MouseButton.NoButton, CTRL, Qt.ScrollPhase.NoScrollPhase, False,
    )  # fmt: skip
    QApplication.sendEvent(view.viewport(), notch)


def test_the_sessions_window_shows_past_transcripts_at_the_same_remembered_size(
    make_app, qtbot
) -> None:
    first = make_app()
    first.window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is first.window)
    main = first.window.transcript
    key(main, Qt.Key.Key_Plus)  # made larger in the main window first
    sessions = first.session_actions.show_sessions()
    qtbot.waitExposed(sessions)
    assert sessions.view.text_size.percent == main.text_size.percent == 110
    assert sessions.view.font().pointSizeF() == main.font().pointSizeF()
    # Made larger there (Ctrl+wheel, then Ctrl++ as in the main window's View menu):
    wheel_up(sessions.view)
    sessions.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is sessions)
    key(sessions.view, Qt.Key.Key_Plus)
    assert sessions.view.text_size.percent == main.text_size.percent == 150
    assert sessions.view.font().pointSizeF() == main.font().pointSizeF()
    again = make_app()  # the next launch, on the same settings file
    assert again.session_actions.show_sessions().view.text_size.percent == 150
    assert again.window.transcript.text_size.percent == 150


def test_the_transcript_follows_the_desktop_font_made_larger_while_running(window, qtbot) -> None:
    """Its font is its own (a size above the labels'), so it stayed behind, smaller than them."""
    app = QApplication.instance()
    usual = QFont(app.font())
    view = window.transcript
    view.insert_turn(0, turn(0, finished=True))
    key(view, Qt.Key.Key_Plus)  # the reader's own step up is kept through the change
    before = sizes(view)["words"]
    larger = QFont(usual)
    larger.setPointSizeF(usual.pointSizeF() * 2)
    try:
        app.setFont(larger)  # as the desktop's settings do
        QApplication.processEvents()
        label = window.status_label.font().pointSizeF()
        assert label == larger.pointSizeF()  # the window's labels follow by themselves
        assert sizes(view)["words"] == pytest.approx(before * 2)
        assert sizes(view)["words"] > label
    finally:
        app.setFont(usual)
    QApplication.processEvents()
    assert sizes(view)["words"] == pytest.approx(before)
