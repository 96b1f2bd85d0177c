"""Windows grow with a large desktop font instead of cutting their text.

People who need larger text set a larger desktop font (16 pt here, against
the usual 9–10 pt).  The main window, Sessions and Keyboard shortcuts opened
at the pixel sizes laid out for the usual font, so at 16 pt on a 1920×1080
screen with room to spare the Engine picker read "Offline (on this compu",
the Input picker "No input devices four" and the shortcuts list
"Import transcript (…", "Lock overlay (click…".  Measured on the real app
in a process of its own (large_text_probe.py: the font is the QApplication's
from the start, as a desktop's is).
"""

from __future__ import annotations

from pathlib import Path

from tests.ui.screen_probe import run_probe

PROBE = Path(__file__).with_name("large_text_probe.py")
# The font the sizes were laid out for (fonts-dejavu-core, a run dependency): a desktop
# whose "Sans Serif" is Noto Sans has taller lines at 9 pt, and the windows rightly grow.
USUAL_FAMILY = "DejaVu Sans"


def test_with_a_16_pt_font_the_pickers_and_shortcut_names_are_shown_whole(tmp_path) -> None:
    seen = run_probe(PROBE, tmp_path, 1920, 1080, 1, "16")
    cut = [text for text, (room, needs) in seen["pickers"].items() if room < needs]
    assert not cut, f"pickers cut short: {cut} ({seen['pickers']})"
    assert not seen["shortcuts_cut"], f"shortcut names cut short: {seen['shortcuts_cut']}"


def test_the_usual_font_keeps_the_usual_sizes(tmp_path) -> None:
    """Only text larger than the sizes were laid out for grows the windows."""
    seen = run_probe(PROBE, tmp_path, 1920, 1080, 1, "9", USUAL_FAMILY)
    assert seen["window"] == [820, 520]


INDICATORS = Path(__file__).with_name("indicator_probe.py")


def test_with_a_16_pt_font_check_boxes_grow_with_their_text(tmp_path) -> None:
    """Fusion drew a 14-px box beside 24-px lines at 16 pt (and beside 31-px ones at 20 pt)."""
    seen = run_probe(INDICATORS, tmp_path, 1920, 1080, 1, "16")
    boxes = {**seen["main"], **seen["captions"]}
    assert "Show caption &overlay" in boxes and "Dark outline around letters" in boxes
    small = {text: size for text, size in boxes.items() if min(size[:2]) < 0.8 * size[2]}
    assert not small, f"indicators under 0.8 of their text's line height: {small}"


def test_check_boxes_grow_when_the_desktop_font_grows_while_the_app_runs(tmp_path) -> None:
    """The sizes follow a font made larger in the desktop's settings, not only the one at start."""
    seen = run_probe(INDICATORS, tmp_path, 1920, 1080, 1, "9>16", USUAL_FAMILY)
    boxes = {**seen["main"], **seen["captions"]}
    assert "Show caption &overlay" in boxes
    small = {text: size for text, size in boxes.items() if min(size[:2]) < 0.8 * size[2]}
    assert not small, f"indicators under 0.8 of their text's line height: {small}"


def test_the_usual_font_keeps_the_usual_check_boxes(tmp_path) -> None:
    seen = run_probe(INDICATORS, tmp_path, 1920, 1080, 1, "9", USUAL_FAMILY)
    sizes = {tuple(size[:2]) for size in [*seen["main"].values(), *seen["captions"].values()]}
    assert sizes == {(14, 14)}  # Fusion's own size, as before


FONT_CHANGE = Path(__file__).with_name("font_change_probe.py")


def test_windows_grow_when_the_desktop_font_grows_while_the_app_runs(tmp_path) -> None:
    """Only the transcript followed a font made larger mid-run; pickers were cut again."""
    seen = run_probe(FONT_CHANGE, tmp_path, 1920, 1080, 1, "")
    (main_before, keys_before), (main_after, keys_after) = seen["before"], seen["after"]
    assert main_after[0] > main_before[0] and main_after[1] > main_before[1]
    assert keys_after[0] > keys_before[0] and keys_after[1] > keys_before[1]
    assert main_after[1] <= seen["screen"]
    assert not seen["cut"], f"pickers cut short after the font grew: {seen['cut']}"
