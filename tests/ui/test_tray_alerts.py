"""With the main window closed to the tray, problems are said from the tray icon.

A run ending with an error, or a Start from the tray menu that cannot begin,
was said only in the hidden window's status line: the captions stopped and
the overlay faded with no reason given to someone who reads only captions.
"""

from __future__ import annotations

from captioner.ui.tray_alerts import NOT_STARTED_TITLE, STOPPED_TITLE
from tests.conftest import DATA
from tests.fakes.v3_server import FakeV3Server, Faults, TurnScript
from tests.ui.test_app import cloud_args

KEY = "test-key-tray-alerts"
CLIP = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav"  # 7 s


def notes_of(app) -> list[tuple[str, str]]:
    """The problems the tray icon shows as desktop notifications, in order (not the
    notice, once, that captioning goes on in the tray)."""
    shown: list[tuple[str, str]] = []

    def show(title: str, message: str, *_args: object) -> None:
        if title in (STOPPED_TITLE, NOT_STARTED_TITLE):
            shown.append((title, message))

    app.tray.icon.showMessage = show
    return shown


def test_a_run_that_fails_while_the_window_is_in_the_tray_is_said_there(
    make_app, qtbot, monkeypatch
) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    faults = Faults(close_after_ms=(1500.0, 1008, "Unauthorized connection: insufficient balance"))
    script = TurnScript.from_text("and mister john dashwood had then leisure to consider")
    with FakeV3Server(api_key=KEY, script=script, faults=faults) as server:
        app = make_app(*cloud_args(server, CLIP), use_tray=True)
        shown = notes_of(app)
        app.window.start_button.click()
        qtbot.waitUntil(lambda: app.window.status_text() == "Listening", timeout=10000)
        app.window.close()  # to the tray: captioning goes on
        assert app.controller.running
        qtbot.waitUntil(lambda: not app.controller.running, timeout=15000)
        problem = app.controller.last_error
        assert problem is not None
        assert shown == [(STOPPED_TITLE, problem.message)]
        app.tray.icon.messageClicked.emit()  # the notification clicked: the window is back
        assert app.window.isVisible()
        app.tray.hide()


def test_a_start_from_the_tray_that_cannot_begin_is_said_there_and_only_there(
    make_app, qtbot, monkeypatch
) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    with FakeV3Server(api_key=KEY, script=TurnScript.from_text("hello")) as server:
        app = make_app(*cloud_args(server, CLIP), use_tray=True)
        shown = notes_of(app)
        app.window.start_button.click()
        qtbot.waitUntil(lambda: app.window.status_text() == "Listening", timeout=10000)
        app.window.close()  # to the tray
        app.tray.start_action.trigger()  # Stop from the tray: asked for, nothing to say
        qtbot.waitUntil(lambda: not app.controller.running, timeout=10000)
        assert shown == []
        monkeypatch.delenv("ASSEMBLYAI_API_KEY")  # the key is gone (an empty keyring)
        monkeypatch.setattr("captioner.keystore.key_for_run", lambda: (None, None))
        app.tray.start_action.trigger()  # Start from the tray, the window hidden
        qtbot.waitUntil(lambda: bool(shown), timeout=5000)
        assert shown == [(NOT_STARTED_TITLE, app.window.status_text())]
        assert "key" in shown[0][1].lower()
        assert len(server.sessions) == 1
        app.window.bring_to_front()  # shown, its status line says what goes wrong
        app.tray.start_action.trigger()
        qtbot.waitUntil(lambda: not app.runs.pending, timeout=5000)
        qtbot.wait(100)
        assert len(shown) == 1
        app.tray.hide()
