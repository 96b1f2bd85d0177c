"""A large caption font: every row the overlay reserves carries text, newest words last.

Deaf and hard-of-hearing users set the captions large (46 pt and more) on a
narrow box, where a caption wraps to more rows than the box holds.  The box
showed a long finished line whole or not at all, so a short line in progress
stood under empty rows; and two lines in progress (the offline engine's last
line waits for its final text while the next is spoken) had one row each, both
cut "… words", under an empty row.  As broadcast captions do, text now fills
the rows from the bottom and only the top row is cut at its front.
"""

from __future__ import annotations

from captioner.core.caption_line import CaptionLine
from captioner.ui.overlay import CaptionOverlay
from tests.ui.test_overlay import make_overlay
from tests.ui.test_overlay_text import _light_rows

FINISHED = "the mr john dashwood had then leisure to consider how much there might be"
SPOKEN = "had he married a more amiable woman he might have been made still more respectable"


def big_overlay(qtbot, tmp_path) -> CaptionOverlay:
    """The review's overlay: 46 pt DejaVu Sans, 56 % of the screen wide, 2 earlier lines."""
    overlay = make_overlay(
        qtbot,
        tmp_path,
        OVERLAY_FONT_FAMILY="DejaVu Sans",
        OVERLAY_FONT_SIZE=46,
        OVERLAY_WIDTH_PERCENT=56,
        OVERLAY_HISTORY_LINES=2,
    )
    assert overlay.lines_shown >= 2  # a box of several rows...
    return overlay


def assert_rows_filled(overlay: CaptionOverlay, said: str) -> None:
    """Every row carries text: the newest of ``said``, in order, cut at the top row only."""
    rows = overlay.visible_text_lines()
    assert len(rows) == overlay.lines_shown, rows  # no reserved row left empty
    assert not any("…" in row for row in rows[1:]), rows  # only the top row is cut
    assert said.endswith(" ".join(rows).removeprefix("… ")), rows  # the newest words, last


def test_a_growing_line_under_a_long_finished_one_leaves_no_row_empty(qtbot, tmp_path):
    overlay = big_overlay(qtbot, tmp_path)
    overlay.set_history([FINISHED])
    geometry = overlay.geometry()
    words = SPOKEN.split()
    for n in range(1, len(words) + 1):
        overlay.set_partial(" ".join(words[:n]))
        assert_rows_filled(overlay, f"{FINISHED} {' '.join(words[:n])}")
        assert overlay.geometry() == geometry  # the box never jumps
        if n == 1:  # painted too: letters in the top row, over a one-word line in progress
            top = overlay._top_margin()
            image = overlay.grab().toImage()
            assert _light_rows(image, range(top, top + int(overlay._line_height() // 2)))
    assert overlay.history_texts() == [FINISHED]


def test_a_line_awaiting_its_final_text_and_the_next_share_the_rows_as_one_flow(
    qtbot, tmp_path
) -> None:
    overlay = big_overlay(qtbot, tmp_path)
    overlay.set_history(["he was not an ill disposed young man"])
    waiting = CaptionLine(FINISHED + " crudely in", finished=False)
    spoken = "his power to do for them".split()
    for n in range(1, len(spoken) + 1):
        overlay.set_partials([waiting, CaptionLine(" ".join(spoken[:n]), finished=False)])
        assert_rows_filled(overlay, f"{waiting.text} {' '.join(spoken[:n])}")
