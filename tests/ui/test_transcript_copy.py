"""Edit ▸ Copy transcript does not hold the window while a long transcript is written out.

Three hours of turns took ~300 ms of the GUI thread with the profanity
filter on; the text is now built on a worker from a snapshot of the turns,
and the clipboard is set on the GUI thread once it is ready.
"""

from __future__ import annotations

import threading

from PySide6.QtGui import QGuiApplication

import captioner.core.export
from captioner.core.transcript import TurnUpdate, Word


def test_copy_transcript_builds_the_text_off_the_gui_thread(make_app, qtbot, monkeypatch, tmp_path):
    built_on: list[threading.Thread] = []
    to_txt = captioner.core.export.to_txt
    monkeypatch.setattr(
        captioner.core.export,
        "to_txt",
        lambda *a, **k: built_on.append(threading.current_thread()) or to_txt(*a, **k),
    )
    app = make_app("--data-dir", str(tmp_path))
    app.profanity.set_enabled(True)
    for i, text in enumerate(["The meeting began.", "This is bullshit, man.", "We agreed."]):
        words = (Word(text, i * 1000, i * 1000 + 500),)
        app.controller.transcript.apply(TurnUpdate(f"k{i}", i, text, words, end_of_turn=True))
    QGuiApplication.clipboard().clear()
    menu_copy = next(a for a in app.window.findChildren(type(app.window.start_action))
                     if a.text() == "&Copy transcript")  # fmt: skip
    menu_copy.trigger()
    qtbot.waitUntil(lambda: app.window.status_text() == "Transcript copied to the clipboard.")
    assert QGuiApplication.clipboard().text() == (
        "The meeting began.\n\nThis is b*******, man.\n\nWe agreed.\n"
    )
    assert built_on and threading.main_thread() not in built_on
