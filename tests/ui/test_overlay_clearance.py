"""The overlay never covers Captioner's own dialogs and windows while they are in use (13.2).

Measured on the real app in a process per screen (see clearance_probe.py):
1024×600 at 1× and 2× scale (512×300 logical), and 1920×1080 with the
overlay dragged to the middle of the screen.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QRect

from captioner.ui.overlay_clearance import GAP
from tests.ui.screen_probe import run_probe

PROBE = Path(__file__).with_name("clearance_probe.py")
WINDOWS = ("captions", "assemblyai", "sessions")
DIALOGS = ("captions", "assemblyai")


_MEASURED: dict[tuple[int, int, int, str], dict] = {}


def measure(tmp_path: Path, width: int, height: int, scale: int, place: str) -> dict:
    """The probe's report for one screen (each screen is measured once per test run)."""
    key = (width, height, scale, place)
    if key not in _MEASURED:
        _MEASURED[key] = run_probe(PROBE, tmp_path, width, height, scale, place)
    return _MEASURED[key]


def q(values: list[int]) -> QRect:
    return QRect(*values)


@pytest.mark.parametrize(
    ("width", "height", "scale", "place"),
    [(1024, 600, 1, "bottom"), (1024, 600, 2, "bottom"), (1920, 1080, 1, "middle")],
)
def test_no_app_window_is_covered_while_in_use_and_the_overlay_comes_back(
    tmp_path, width, height, scale, place
):
    report = measure(tmp_path, width, height, scale, place)
    screen, home = q(report["screen"]), q(report["home"])
    assert screen.size().width() == width // scale  # the scale really applied
    for name in WINDOWS:
        seen = report["windows"][name]
        assert seen["active"], name
        frame, overlay = q(seen["frame"]), q(seen["overlay"])
        if seen["overlay_visible"]:
            assert not overlay.intersects(frame), (name, overlay, frame)
            assert screen.contains(overlay), (name, overlay)
        for button, where in seen["buttons"].items():
            assert not (seen["overlay_visible"] and overlay.intersects(q(where))), (name, button)
        # afterwards: back where the user put it, and shown again
        assert seen["after_visible"] and q(seen["after"]) == home, name
    assert report["saved"] is None or q(report["saved"]) == home  # stepping aside is not saved


@pytest.mark.parametrize(("width", "height", "scale"), [(1024, 600, 1), (1024, 600, 2)])
def test_caption_settings_fit_the_screen_and_keep_the_preview_in_view_when_there_is_room(
    tmp_path, width, height, scale
):
    report = measure(tmp_path, width, height, scale, "bottom")
    screen, home = q(report["screen"]), q(report["home"])
    seen = report["windows"]["captions"]
    for button in ("OK", "Cancel"):
        assert screen.contains(q(seen["buttons"][button])), (button, seen["buttons"])
    room = q(seen["frame"]).height() + home.height() + GAP <= screen.height()
    assert seen["overlay_visible"] == room  # placed clear of the overlay when both fit


@pytest.mark.parametrize(
    ("width", "height", "scale", "place"),
    [(1024, 600, 1, "bottom"), (1920, 1080, 1, "middle")],
)
def test_a_preview_that_grows_the_overlay_never_grows_it_over_the_captions_dialog(
    tmp_path, width, height, scale, place
):
    # Size 34 and four finished lines grew the bottom overlay up over the dialog's
    # OK and Cancel: clicks landed on the overlay.
    report = measure(tmp_path, width, height, scale, place)
    seen = report["windows"]["captions"]["grown"]
    overlay, frame = q(seen["overlay"]), q(seen["frame"])
    screen = q(report["screen"])
    if seen["overlay_visible"]:
        assert not overlay.intersects(frame), (overlay, frame)
    for button in ("OK", "Cancel"):
        where = q(seen["buttons"][button])
        assert screen.contains(where), (button, where)
        assert not (seen["overlay_visible"] and overlay.intersects(where)), button
