"""Shared GUI test fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from captioner.app import CaptionerApp
from captioner.cli import parse_args


@pytest.fixture
def make_app(qtbot, tmp_path: Path) -> Iterator:
    apps: list[CaptionerApp] = []

    def make(*argv: str, **inject) -> CaptionerApp:
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        inject.setdefault("use_tray", False)
        app = CaptionerApp(parse_args(list(argv)), settings, **inject)
        qtbot.addWidget(app.window)
        qtbot.addWidget(app.overlay)
        app.window.show()
        apps.append(app)
        return app

    yield make
    for app in apps:  # never leave an engine thread behind
        if app.controller.running:
            app.controller.stop()
            qtbot.waitUntil(lambda app=app: not app.controller.running, timeout=15000)
        if app.session_actions.sessions_window is not None:
            app.session_actions.sessions_window.close()
