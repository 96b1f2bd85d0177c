"""What a module of the app announced to screen readers, recorded instead of spoken."""

from __future__ import annotations

from types import ModuleType

import pytest
from PySide6.QtGui import QAccessible

Announcement = tuple[str, QAccessible.AnnouncementPoliteness]


def record_announcements(monkeypatch: pytest.MonkeyPatch, module: ModuleType) -> list[Announcement]:
    """Each announcement ``module`` makes from now on, as (message, politeness)."""
    spoken: list[Announcement] = []

    class Accessible:
        AnnouncementPoliteness = QAccessible.AnnouncementPoliteness

        @staticmethod
        def updateAccessibility(event) -> None:  # type: ignore[no-untyped-def]  # Qt naming
            spoken.append((event.message(), event.politeness()))

    monkeypatch.setattr(module, "QAccessible", Accessible)
    return spoken
