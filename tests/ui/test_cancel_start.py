"""A Start that is still waiting can be cancelled, and its late answer begins nothing.

Start may wait before the run begins: for the system keyring (an unlock prompt,
a D-Bus timeout of ~25 s, or for good), for imports, for the inputs still being
looked for.  Meanwhile the input already captures.  The Start/Stop control says
Cancel then (window, File menu, tray); Cancel lets go of the input off the GUI
thread, the window is idle again, and when the awaited answer comes at last no
run begins by surprise, not even when a newer Start is waiting by then.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from captioner import keystore
from captioner.ui import run_starter
from captioner.ui.input_picker import LOOKING
from captioner.ui.run_starter import CANCELLED, READING_KEY, STARTING
from tests.fakes.v3_server import FakeV3Server, TurnScript
from tests.ui.test_app import SHORT_CLIP, cloud_args
from tests.ui.test_inputs import HEADSET, SilentMic, SlowSoundServer
from tests.ui.test_keyring_off_gui_thread import KEY, SlowKeyring, gui_keeps_running


@pytest.fixture
def slow_keyring(monkeypatch) -> Iterator[SlowKeyring]:
    import keyring

    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)  # the key comes from the keyring
    previous = keyring.get_keyring()
    ring = SlowKeyring()
    ring.store[(keystore.SERVICE, keystore.ACCOUNT)] = KEY
    keyring.set_keyring(ring)
    yield ring
    ring.release.set()  # never leave a worker blocked
    keyring.set_keyring(previous)


class NotedInput:
    """The run's real input, noting on which threads it was closed."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name = inner.name
        self.closed_on: list[str] = []

    def open(self) -> None:
        self.inner.open()

    def read(self, timeout: float) -> bytes | None:
        return self.inner.read(timeout)

    def close(self) -> None:
        self.closed_on.append(threading.current_thread().name)
        self.inner.close()


def note_inputs(app, monkeypatch) -> list[NotedInput]:
    """Every input a Start opens, in order."""
    opened: list[NotedInput] = []
    real_open = app.runs._open_source

    def open_noted(choice):
        opened.append(NotedInput(real_open(choice)))
        return opened[-1]

    monkeypatch.setattr(app.runs, "_open_source", open_noted)
    return opened


def cloud_app(make_app, qtbot, ring: SlowKeyring, server: FakeV3Server, **inject):
    """The app with the key in a keyring that answered at launch and now blocks."""
    ring.release.set()  # the app's own start-up read is quick
    app = make_app(*cloud_args(server, SHORT_CLIP), **inject)
    qtbot.waitUntil(lambda: not app.engines.pending, timeout=5000)
    ring.release.clear()
    ring.entered.clear()
    return app


def answers_delivered(qtbot) -> None:
    """Every keyring worker has answered, and its answer has reached the GUI thread."""
    qtbot.waitUntil(
        lambda: not any(t.name == "keyring-start" for t in threading.enumerate()), timeout=5000
    )
    gui_keeps_running(qtbot)
    qtbot.wait(50)


def test_cancel_while_the_keyring_is_asked_begins_no_run_when_it_answers(
    make_app, qtbot, slow_keyring, monkeypatch
) -> None:
    with FakeV3Server(api_key=KEY, script=TurnScript.from_text("and mister john")) as server:
        app = cloud_app(make_app, qtbot, slow_keyring, server)
        opened = note_inputs(app, monkeypatch)
        button = app.window.start_button
        button.click()
        assert slow_keyring.entered.wait(5)
        assert app.window.status_text() == READING_KEY and len(opened) == 1  # capturing
        assert button.text() == "Cancel" and button.isEnabled()
        assert button.accessibleName() == "Cancel start"  # what a screen reader says
        assert not app.window.engine_combo.isEnabled()  # the picks are in use
        button.click()  # the user backs out while the keyring hangs
        assert button.text() == "Start" and app.window.engine_combo.isEnabled()
        assert button.accessibleName() == "Start or stop captioning"
        assert app.window.status_text() == CANCELLED
        qtbot.waitUntil(lambda: bool(opened[0].closed_on), timeout=5000)
        assert "MainThread" not in opened[0].closed_on  # let go off the GUI thread
        slow_keyring.release.set()  # the keyring answers at last, with a good key
        answers_delivered(qtbot)
        assert not app.controller.running and server.sessions == []  # nothing by surprise
        assert button.text() == "Start" and app.window.status_text() == CANCELLED
        button.click()  # a new Start works as usual
        qtbot.waitUntil(lambda: app.controller.running, timeout=5000)
        assert app.runs.source is opened[1]
        qtbot.waitUntil(lambda: not app.controller.running, timeout=20000)  # end of file
        assert len(server.sessions) == 1 and server.sessions[0].terminate_received
    assert opened[0].closed_on == [opened[0].closed_on[0]]  # closed once, by the cancel
    assert "MainThread" not in slow_keyring.threads


def test_the_answer_of_a_cancelled_start_cannot_begin_a_newer_start(
    make_app, qtbot, slow_keyring, monkeypatch
) -> None:
    """Start, Cancel, Start again while the first keyring read still hangs: both
    answers come; only the second Start's run begins, on its own input."""
    with FakeV3Server(api_key=KEY, script=TurnScript.from_text("and mister john")) as server:
        app = cloud_app(make_app, qtbot, slow_keyring, server)
        opened = note_inputs(app, monkeypatch)
        app.window.start_button.click()
        assert slow_keyring.entered.wait(5)
        app.window.start_button.click()  # Cancel
        qtbot.waitUntil(lambda: bool(opened[0].closed_on), timeout=5000)
        app.window.start_button.click()  # Start again: the first read is still out
        qtbot.waitUntil(
            lambda: sum(t.name == "keyring-start" for t in threading.enumerate()) == 2,
            timeout=5000,
        )
        assert app.window.start_button.text() == "Cancel"
        assert app.window.status_text() == READING_KEY
        slow_keyring.release.set()  # both answer, the cancelled one among them
        qtbot.waitUntil(lambda: app.controller.running, timeout=5000)
        answers_delivered(qtbot)
        assert app.runs.source is opened[1]  # not the closed input of the cancelled Start
        assert not opened[1].closed_on
        app.window.start_button.click()  # Stop
        qtbot.waitUntil(lambda: not app.controller.running, timeout=15000)
        assert len(server.sessions) == 1


def test_the_tray_and_the_file_menu_cancel_a_waiting_start(
    make_app, qtbot, slow_keyring, monkeypatch
) -> None:
    with FakeV3Server(api_key=KEY, script=TurnScript.from_text("and mister john")) as server:
        app = cloud_app(make_app, qtbot, slow_keyring, server, use_tray=True)
        opened = note_inputs(app, monkeypatch)
        tray = app.tray
        tray.start_action.trigger()
        assert slow_keyring.entered.wait(5)
        assert tray.start_action.text() == "Cancel start"
        assert app.window.start_action.text() == "&Cancel start"
        tray.start_action.trigger()  # Cancel from the tray
        assert tray.start_action.text() == "Start captioning"
        assert app.window.status_text() == CANCELLED
        app.window.start_action.trigger()  # File ▸ Start captioning (Ctrl+Return)
        assert app.window.start_action.text() == "&Cancel start"
        app.window.start_action.trigger()  # …and Cancel again from the same item
        assert app.window.start_action.text() == "&Start captioning"
        assert app.window.start_button.text() == "Start"
        qtbot.waitUntil(lambda: all(i.closed_on for i in opened), timeout=5000)
        assert len(opened) == 2
        slow_keyring.release.set()
        answers_delivered(qtbot)
        assert not app.controller.running and server.sessions == []
        tray.hide()


def test_quitting_while_the_keyring_is_asked_cancels_the_start(
    make_app, qtbot, slow_keyring, monkeypatch
) -> None:
    """Quit while Start waits: the input is let go, and the keyring's late answer opens
    no cloud session behind the closing windows (one the app would never stop)."""
    with FakeV3Server(api_key=KEY, script=TurnScript.from_text("and mister john")) as server:
        app = cloud_app(make_app, qtbot, slow_keyring, server)
        opened = note_inputs(app, monkeypatch)
        app.window.start_button.click()
        assert slow_keyring.entered.wait(5)
        with qtbot.waitSignal(app.quitFinished, timeout=5000):
            app.request_quit()
        qtbot.waitUntil(lambda: bool(opened[0].closed_on), timeout=5000)
        assert "MainThread" not in opened[0].closed_on
        slow_keyring.release.set()
        answers_delivered(qtbot)
        assert not app.controller.running and server.sessions == []


def test_cancel_while_the_inputs_are_looked_for(make_app, qtbot) -> None:
    server = SlowSoundServer([HEADSET])
    mic = SilentMic()
    app = make_app(
        "--engine", "offline", loop_later=True, open_device=lambda _d: mic, **server.hooks()
    )
    qtbot.waitUntil(lambda: server.calls == 1, timeout=5000)
    app.start_captioning()  # pressed while "Looking for inputs…"
    assert app.window.status_text() == LOOKING
    assert app.window.start_button.text() == "Cancel"
    app.window.start_button.click()
    assert app.window.start_button.text() == "Start"
    assert app.window.status_text() == CANCELLED
    server.gates[0].set()  # the inputs are found: the cancelled Start does not go on
    qtbot.waitUntil(lambda: not app.inputs.loading, timeout=5000)
    gui_keeps_running(qtbot)
    assert not app.controller.running and not mic.opened.is_set()
    app.window.start_button.click()  # Start now begins at once, on the input found
    qtbot.waitUntil(lambda: app.controller.running, timeout=5000)
    assert mic.opened.wait(5)
    app.controller.stop()
    qtbot.waitUntil(lambda: not app.controller.running, timeout=15000)


def test_cancel_while_what_capture_needs_is_imported(make_app, qtbot, monkeypatch) -> None:
    """Starting… (numpy, soxr imported on a worker), cancelled: the import ends, nothing starts."""
    from tests.conftest import DATA

    imported = threading.Event()
    monkeypatch.setattr(
        run_starter,
        "lazy_import",
        SimpleNamespace(ready=lambda _m: imported.is_set(), load=lambda _m: imported.wait(10)),
    )
    clip = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0930.wav"
    app = make_app("--engine", "offline", "--input-file", str(clip), list_devices=list)
    app.start_captioning()
    assert app.window.status_text() == STARTING
    assert app.window.start_button.text() == "Cancel"
    app.window.start_button.click()
    assert app.window.status_text() == CANCELLED
    imported.set()
    qtbot.waitUntil(
        lambda: not any(t.name == "start-import" for t in threading.enumerate()), timeout=5000
    )
    gui_keeps_running(qtbot)
    qtbot.wait(50)
    assert not app.controller.running and app.window.start_button.text() == "Start"
    app.start_captioning()  # everything is imported now: the run begins at once
    assert app.controller.running
    app.controller.stop()
    qtbot.waitUntil(lambda: not app.controller.running, timeout=15000)


def test_a_second_launch_is_refused_while_a_start_waits(
    make_app, qtbot, slow_keyring, monkeypatch
) -> None:
    """``captioner --input-file other.wav --start`` while Start waits for the keyring: the
    waiting Start would begin on its own input, so the other launch must not hear
    "captioning other.wav"; it is told to cancel first, and the waiting Start goes on."""
    from captioner.cli import parse_args
    from captioner.ui.launch_requests import LaunchRequests
    from tests.conftest import DATA

    other = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0930.wav"
    with FakeV3Server(api_key=KEY, script=TurnScript.from_text("and mister john")) as server:
        app = cloud_app(make_app, qtbot, slow_keyring, server)
        opened = note_inputs(app, monkeypatch)
        requests = LaunchRequests.of(app, parse_args(cloud_args(server, SHORT_CLIP)))
        app.window.start_button.click()
        assert slow_keyring.entered.wait(5)
        answers: list[tuple[bool, str]] = []
        requests.apply({"input_file": str(other), "start": True}, lambda *a: answers.append(a))
        [(applied, message)] = answers
        assert not applied and "a Start is waiting; cancel it" in message
        assert "not applied" in app.window.status_text()
        assert app.window.selected_input().file_path == str(SHORT_CLIP)  # picks left alone
        slow_keyring.release.set()
        qtbot.waitUntil(lambda: app.controller.running, timeout=5000)
        assert app.runs.source is opened[0] and len(opened) == 1
        app.window.start_button.click()  # Stop
        qtbot.waitUntil(lambda: not app.controller.running, timeout=15000)


def test_closing_the_window_while_a_start_waits_keeps_it_going_in_the_tray(
    make_app, qtbot, slow_keyring
) -> None:
    """With a tray, closing the window keeps captioning there: a Start still waiting for
    the keyring is captioning that has not begun yet, so it goes on, and is not quit."""
    with FakeV3Server(api_key=KEY, script=TurnScript.from_text("and mister john")) as server:
        app = cloud_app(make_app, qtbot, slow_keyring, server, use_tray=True)
        app.tray.start_action.trigger()
        assert slow_keyring.entered.wait(5)
        app.window.close()
        assert not app.window.isVisible()
        assert not app.quit_sequence.done
        slow_keyring.release.set()
        qtbot.waitUntil(lambda: app.controller.running, timeout=5000)
        server.wait_for(lambda s: bool(s.sessions) and s.sessions[0].began, 10)
        assert app.tray.start_action.text() == "Stop captioning"
        app.tray.hide()
