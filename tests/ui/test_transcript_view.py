"""The main window's live transcript over a long session, and in call mode.

A long session keeps the newest lines on screen and says where the earlier
ones are (issue 14: memory per finished turn small and bounded); every line
reads as it did, however the view stores it.  In call mode both sides can be
mid-sentence at once: each keeps its own line in progress, as on the overlay
(issue 11).
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QMainWindow, QVBoxLayout, QWidget

from captioner.core.transcript import Translation, Turn, TurnUpdate, Word
from captioner.ui.main_window import MainWindow
from captioner.ui.resources import read_text
from captioner.ui.transcript_view import LIVE_PACK, TranscriptView
from tests.ui.paints import Paints


def turn(n: int, text: str = "", **extra: object) -> Turn:
    words = (Word("w", n * 2000, n * 2000 + 500),)
    return Turn(f"k{n}", n, text or f"line {n} of what was said", words=words, **extra)  # type: ignore[arg-type]


def said(n: int) -> str:
    """Turn ``n`` as the reader sees it: its time, then its words."""
    seconds = n * 2
    return f"{seconds // 60:02d}:{seconds % 60:02d}  line {n} of what was said"


@pytest.fixture
def view(qtbot) -> TranscriptView:
    v = TranscriptView(keep=300)
    qtbot.addWidget(v)
    v.resize(700, 400)
    v.show()
    qtbot.waitExposed(v)
    return v


def lines_on_screen(view: TranscriptView) -> list[str]:
    return view.document().toPlainText().split("\n")


# -- a long session ---------------------------------------------------------------


def test_a_long_session_keeps_the_newest_lines_and_says_where_the_others_are(view) -> None:
    for n in range(1000):
        view.insert_turn(n, turn(n, finished=True))
    kept = view.finished_texts()
    assert 300 - LIVE_PACK <= len(kept) <= 300
    assert kept == [said(n) for n in range(1000 - len(kept), 1000)]
    assert view.earlier_lines == 1000 - len(kept)
    first, *rest = lines_on_screen(view)
    assert f"{view.earlier_lines:,} earlier lines" in first
    assert "Sessions" in first and "Export" in first
    assert rest == kept  # one line per turn, in order, nothing else
    # However long the session, the document stays small: old turns share blocks.
    assert view.document().blockCount() < 100


def test_older_lines_read_and_change_as_before(view) -> None:
    for n in range(200):
        view.insert_turn(n, turn(n, finished=True))
    assert lines_on_screen(view) == [said(n) for n in range(200)]
    # A late formatted final and a translation reach lines long scrolled past.
    view.revise_turn(3, turn(3, "Line three, formatted.", finished=True))
    late = turn(7, finished=True, translation=Translation("fr", "ligne sept"))
    view.revise_turn(7, late)
    texts = view.finished_texts()
    assert texts[3] == "00:06  Line three, formatted."
    assert texts[7] == f"{said(7)}\u2028       ligne sept"
    assert texts[8] == said(8) and len(texts) == 200
    # The profanity filter reaches them too.
    view.revise_turn(5, turn(5, "oh shit again", finished=True))
    view.set_mask_profanity(True)
    assert view.finished_texts()[5] == "00:10  oh s*** again"
    view.set_mask_profanity(False)
    assert view.finished_texts()[5] == "00:10  oh shit again"


def test_a_late_turn_among_old_lines_goes_in_its_place(view) -> None:
    for n in range(150):
        if n != 9:
            view.insert_turn(n if n < 9 else n - 1, turn(n, finished=True))
    view.insert_turn(9, turn(9, finished=True))  # its audio came late (a second source)
    assert view.finished_texts() == [said(n) for n in range(150)]


def test_a_reader_scrolled_up_keeps_their_place_while_the_session_goes_on(view) -> None:
    for n in range(290):
        view.insert_turn(n, turn(n, finished=True))
    bar = view.verticalScrollBar()
    bar.setValue(0)  # the reader goes back to the start
    top = view.firstVisibleBlock().text()
    for n in range(290, 600):
        view.insert_turn(n, turn(n, finished=True))
        QApplication.processEvents()
    assert bar.value() == 0 and view.firstVisibleBlock().text() == top
    assert view.earlier_lines == 0  # nothing was taken from under their eyes
    view.jump_to_latest()
    view.insert_turn(600, turn(600, finished=True))
    assert view.earlier_lines > 0 and len(view.finished_texts()) <= 300
    assert view.finished_texts()[-1] == said(600)


# -- call mode: a line in progress per side -------------------------------------------


def spoken(n: int, text: str, side: str, name: str) -> Turn:
    return Turn(
        f"{side}{n}",
        n,
        text,
        words=(Word("w", n * 1000, n * 1000 + 300),),
        source=side,
        speaker=name,
    )


def test_each_side_keeps_its_own_line_in_progress(qtbot) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.add_turn(0, turn(0, "We should start.", finished=True, source="mic", speaker="You"))
    window.set_partial(spoken(1, "so about the", "mic", "You"))
    window.set_partial(spoken(2, "yes I", "system", "Them"))  # Them speaks at the same time
    assert window.transcript.partial_text() == "You: so about the\nThem: yes I"
    window.set_partial(spoken(1, "so about the budget", "mic", "You"))  # rewritten in place
    assert window.transcript.partial_text() == "You: so about the budget\nThem: yes I"
    done = spoken(1, "So about the budget.", "mic", "You")
    window.add_turn(1, Turn(done.key, 1, done.text, done.words, True, source="mic", speaker="You"))
    assert window.transcript.partial_text() == "Them: yes I"  # Them is still speaking
    assert window.transcript.finished_texts()[-1].endswith("You: So about the budget.")
    window.set_partial(None)
    assert window.transcript.partial_text() == ""
    assert window.transcript.finished_texts()[-1].endswith("You: So about the budget.")


NAMES = {"mic": "You", "system": "Them"}


def test_a_side_whose_turn_ends_without_words_loses_only_its_own_line(make_app) -> None:
    app = make_app()
    controller, view = app.controller, app.window.transcript

    def update(key: str, text: str, source: str, start: int, end: bool = False) -> None:
        words = tuple(
            Word(w, start + i * 200, start + i * 200 + 150) for i, w in enumerate(text.split())
        )
        controller._on_update(
            TurnUpdate(
                key, start, text, words, end_of_turn=end, source=source, speaker=NAMES[source]
            )
        )

    update("m1", "um", "mic", 1000)
    update("s1", "and then we", "system", 1200)
    assert view.partial_text() == "You: um\nThem: and then we"
    update("m1", "", "mic", 1000, end=True)  # noise: the mic's turn ends with no words
    assert view.partial_text() == "Them: and then we"
    assert view.finished_texts() == []


def test_a_growing_partial_repaints_the_text_area_alone_under_the_app_style(qtbot) -> None:
    """With the app's style sheet on, the window under the view must not repaint per partial."""

    window = QMainWindow()
    qtbot.addWidget(window)
    window.setStyleSheet(read_text("main.qss"))
    central = QWidget()
    QVBoxLayout(central).addWidget(shown_view := TranscriptView())
    window.setCentralWidget(central)
    window.resize(500, 300)
    window.show()
    qtbot.waitExposed(window)
    shown_view.show_partial(turn(0, "so"))
    qtbot.wait(100)
    paints = Paints(window, central, shown_view, shown_view.viewport())
    shown_view.viewport().setObjectName("text area")
    for words in ("so what", "so what we", "so what we saw"):
        shown_view.show_partial(turn(0, words))
        qtbot.waitUntil(lambda: paints.seen.get("text area", 0) > 0)
    qtbot.wait(50)
    assert shown_view.partial_text().endswith("so what we saw")
    assert set(paints.seen) == {"text area"}, paints.seen
