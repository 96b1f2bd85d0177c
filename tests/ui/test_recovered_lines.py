"""Lines filled in after a reconnect: marked where they go in, kept off the overlay.

A backfill transcribes the gap of an outage again once the connection is
back; its lines finish late and go in at their place in time, above the
newest ones.  The transcript (live and reopened) marks them "(filled in)" so a
reader who looks up knows what appeared there; the overlay is about now and
never shows them as if just said.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from captioner.core.journal import TranscriptJournal, read_journal
from captioner.core.session import SessionInfo
from captioner.core.transcript import TurnUpdate, Word
from captioner.ui.controller import CaptionController
from captioner.ui.overlay import CaptionOverlay
from captioner.ui.overlay_captions import OverlayCaptions
from captioner.ui.profanity_filter import ProfanityFilter
from captioner.ui.transcript_view import TranscriptView


def said(key: str, text: str, start_ms: int, **kw: object) -> TurnUpdate:
    words = tuple(
        Word(w, start_ms + 300 * i, start_ms + 300 * i + 250) for i, w in enumerate(text.split())
    )
    return TurnUpdate(key, 0, text, words, end_of_turn=True, **kw)  # type: ignore[arg-type]


BEFORE = said("aai-1:0", "Before the drop.", 1_000)
AFTER = said("aai-2:0", "Said after the reconnect.", 40_000)
GAP = said("aai-3:0", "Said while it was down.", 20_000, recovered=True)


def captioned_overlay(qtbot, *, history_lines: int) -> tuple[CaptionController, CaptionOverlay]:  # type: ignore[no-untyped-def]
    """A controller whose captions an overlay shows, with ``history_lines`` earlier lines."""
    controller = CaptionController()
    overlay = CaptionOverlay()
    qtbot.addWidget(overlay)
    overlay.apply_style(replace(overlay.style_settings, history_lines=history_lines))
    # Kept alive as long as the overlay: it is what writes the captions there.
    overlay.captions = OverlayCaptions(controller, overlay, ProfanityFilter())
    return controller, overlay


def test_a_filled_in_line_is_marked_in_the_transcript_and_kept_off_the_overlay(qtbot) -> None:  # type: ignore[no-untyped-def]
    controller, overlay = captioned_overlay(qtbot, history_lines=2)
    view = TranscriptView()
    qtbot.addWidget(view)
    controller.turnFinished.connect(view.insert_turn)
    for update in (BEFORE, AFTER, GAP):  # the gap's line finishes last, as a backfill's does
        controller._on_update(update)
    assert view.finished_texts() == [
        "00:01  Before the drop.",
        "00:20  (filled in) Said while it was down.",
        "00:40  Said after the reconnect.",
    ]
    # The overlay keeps the two newest lines said live: old speech is not "now".
    assert " ".join(overlay.visible_text_lines()) == "Before the drop. Said after the reconnect."


def test_a_reopened_session_still_marks_its_filled_in_lines(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    controller = CaptionController()
    for update in (BEFORE, AFTER, GAP):
        controller._on_update(update)
    info = SessionInfo(engine="assemblyai", source="Microphone")
    with TranscriptJournal.create(info, tmp_path) as journal:
        for turn in controller.transcript.finished:
            journal.append_turn(turn)
    turns = read_journal(journal.path).turns
    view = TranscriptView(live=False)  # as the Sessions window shows a session
    qtbot.addWidget(view)
    for index, turn in enumerate(turns):
        view.insert_turn(index, turn)
    assert view.finished_texts()[1] == "00:20  (filled in) Said while it was down."
    assert [t.recovered for t in turns] == [False, True, False]


def test_stand_in_lines_give_way_on_the_overlay_once_the_cloud_is_back(qtbot) -> None:  # type: ignore[no-untyped-def]
    # The gap's "(offline)" lines stay in progress until the backfill is done,
    # up to a minute after the reconnect: on the overlay they were old speech
    # beside the live line.  The transcript keeps them, marked, until then.
    controller, overlay = captioned_overlay(qtbot, history_lines=1)
    controller._on_update(BEFORE)
    stand_in = said("provisional-offline-1:0", "words heard offline", 5_000, provisional=True)
    controller._on_update(replace(stand_in, end_of_turn=False))
    assert (
        " ".join(overlay.visible_text_lines()) == "Before the drop. (offline) words heard offline"
    )
    controller._on_update(replace(AFTER, text="said after", end_of_turn=False))
    assert " ".join(overlay.visible_text_lines()) == "Before the drop. said after"
    controller._on_update(AFTER)
    assert " ".join(overlay.visible_text_lines()) == "Said after the reconnect."
    assert [t.provisional for t in controller.transcript.partials.values()] == [True]
