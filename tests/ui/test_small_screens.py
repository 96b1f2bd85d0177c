"""Every window of Captioner fits its screen with its action buttons reachable (13.2).

At 1024×600 with 2× scaling the screen is 512×300 logical pixels: windows
sized for a desktop monitor ran off it, taking OK/Cancel, Start and the
Sessions buttons with them.  Measured on the real app in a process per screen
(see small_screen_probe.py): 1024×600 at 1× and 2×, 1280×720 and 1920×1080,
fresh and with a geometry saved on a bigger monitor.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QRect

from tests.ui.screen_probe import run_probe

PROBE = Path(__file__).with_name("small_screen_probe.py")

# The buttons a user must be able to press in each window.
ACTIONS = {
    "main": ("Start",),
    "main_call_mode": ("Start",),
    "assemblyai": ("OK", "Cancel", "Test key"),
    "captions": ("OK", "Cancel"),
    "translation": ("OK", "Cancel"),
    "sessions": ("Rename…", "Delete…", "Export…", "Copy", "Open folder"),
    "shortcuts": ("Close",),
    "about": ("Close", "Open sessions folder"),
}
SCREENS = [(1024, 600, 1), (1024, 600, 2), (1280, 720, 1), (1920, 1080, 1)]
_MEASURED: dict[tuple[int, int, int, str], dict] = {}


def measure(tmp_path: Path, width: int, height: int, scale: int, mode: str) -> dict:
    key = (width, height, scale, mode)
    if key not in _MEASURED:
        _MEASURED[key] = run_probe(PROBE, tmp_path, width, height, scale, mode)
    return _MEASURED[key]


def q(values: list[int]) -> QRect:
    return QRect(*values)


@pytest.mark.parametrize("mode", ["fresh", "restored"])
@pytest.mark.parametrize(("width", "height", "scale"), SCREENS)
def test_every_window_fits_the_screen_with_its_buttons_reachable(
    tmp_path, width, height, scale, mode
):
    report = measure(tmp_path, width, height, scale, mode)
    screen = q(report["screen"])
    assert screen.width() == width // scale  # the scale really applied
    problems = []  # every window is checked: the message names all that do not fit
    for name, actions in ACTIONS.items():
        seen = report["windows"][name]
        frame = q(seen["frame"])
        if not screen.contains(frame):
            problems.append(f"{name}: frame {frame} outside {screen}")
        inside = QRect(0, 0, *seen["size"])
        for action in actions:
            button = seen["buttons"].get(action)
            if button is None:
                problems.append(f"{name}: no {action} among {sorted(seen['buttons'])}")
            elif not (button["visible"] and button["whole"]):
                problems.append(f"{name}: {action} hidden or clipped {button}")
            elif not inside.contains(q(button["in_window"])):
                problems.append(f"{name}: {action} outside the window {button['in_window']}")
            elif not screen.contains(q(button["on_screen"])):
                problems.append(f"{name}: {action} off the screen {button['on_screen']}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("width", "height", "scale"), SCREENS)
def test_the_transcript_keeps_room_for_several_lines(tmp_path, width, height, scale):
    """The transcript takes the slack: the controls above it do not squeeze it away."""
    seen = measure(tmp_path, width, height, scale, "fresh")["windows"]
    for name, lines in (("main", 4), ("main_call_mode", 2)):
        assert q(seen[name]["transcript"]).height() >= lines * seen[name]["line_height"], name


def test_a_big_screen_keeps_the_roomy_default_sizes(tmp_path):
    """Fitting small screens must not make windows cramped where there is room."""
    seen = measure(tmp_path, 1920, 1080, 1, "fresh")["windows"]
    assert seen["main"]["size"][0] >= 800 and seen["main"]["size"][1] >= 500
    assert seen["sessions"]["size"][0] >= 880 and seen["sessions"]["size"][1] >= 540
    assert seen["assemblyai"]["size"][0] >= 600
