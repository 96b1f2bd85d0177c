"""Problems in the status line reach screen readers, once each.

A status line is not read out when its text changes: "API key rejected" or
"Not being saved" went unheard by a screen-reader user.
"""

from __future__ import annotations

import pytest
from PySide6.QtGui import QAccessible

import captioner.ui.status_line
from captioner.ui.status_line import StatusLine
from tests.announced import Announcement, record_announcements


@pytest.fixture
def heard(monkeypatch) -> list[Announcement]:
    return record_announcements(monkeypatch, captioner.ui.status_line)


def test_a_problem_is_announced_once_and_states_are_not(qtbot, heard) -> None:
    line = StatusLine()
    qtbot.addWidget(line)
    line.show_status("Listening")
    line.show_status("Listening · Not being saved", True)
    line.show_status("Reconnecting… · Not being saved", True)  # the same problem: not again
    line.show_status("Listening · Not being saved", True)
    line.show_status("API key rejected by AssemblyAI.", True)
    line.show_status("Stopped")
    line.show_status("API key rejected by AssemblyAI.", True)  # a new attempt, refused again
    assertive = QAccessible.AnnouncementPoliteness.Assertive
    assert heard == [
        ("Listening · Not being saved", assertive),
        ("API key rejected by AssemblyAI.", assertive),
        ("API key rejected by AssemblyAI.", assertive),
    ]
