"""The questions quitting asks: Enter takes the safe default, Escape cancels, and only the
destructive button quits (unsaved sessions lost, or the captions of a call stopped)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from captioner.ui.quit_sequence import Closing, Unsaved, ask_closing, ask_unsaved

QUESTIONS = [
    (lambda w, answer: ask_unsaved(w, 2, "The disk is full.", answer), Unsaved),
    (ask_closing, Closing),
]


@pytest.mark.parametrize(("ask", "answers"), QUESTIONS)
def test_enter_is_the_safe_choice_escape_cancels_and_only_the_destructive_button_quits(
    qtbot, ask, answers
) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    safe = next(iter(answers))  # CHOOSE_FOLDER / MINIMISE
    for key, expected in ((Qt.Key.Key_Return, safe), (Qt.Key.Key_Escape, answers.CANCEL)):
        got: list[object] = []
        QTest.keyClick(ask(window, got.append), key)
        QApplication.processEvents()
        assert got == [expected]
    got = []
    box = ask(window, got.append)
    roles = {box.buttonRole(b): b for b in box.buttons()}
    roles[QMessageBox.ButtonRole.DestructiveRole].click()
    QApplication.processEvents()
    assert got == [answers.QUIT]
