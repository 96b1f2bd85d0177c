"""Real PulseAudio: the input picker follows devices plugged in and out, without ⟳.

Before, a USB headset plugged in after launch was not in the picker until the
user found the ⟳ button, and one unplugged stayed listed.  Now the sound
server tells the app; the picker changes once, without "Looking for inputs…"
in between, and not under a run (its pickers are locked): then after it.
"""

from __future__ import annotations

import pytest

from captioner.audio import pulse_lib
from captioner.ui.device_changes import DeviceChanges
from captioner.ui.input_picker import LOOKING
from tests.pulse import PulseServer

pytestmark = [pytest.mark.pulse, pytest.mark.sound_servers]

WAIT_MS = 15000


def labels(app) -> list[str]:
    combo = app.window.input_combo
    return [combo.itemText(i) for i in range(combo.count())]


def listed(app, name: str) -> bool:
    return any(name in label for label in labels(app))


@pytest.fixture
def watched_app(make_app, qtbot, pulse_server: PulseServer):
    if not pulse_lib.available():
        pytest.skip("libpulse is not installed")
    app = make_app()
    qtbot.waitUntil(lambda: not app.inputs.loading, timeout=WAIT_MS)
    shown: list[list[str]] = []
    original = app.window.set_inputs

    def recording(choices, selected=0):
        shown.append([choice.label for choice in choices])
        original(choices, selected)

    app.window.set_inputs = recording
    changes = DeviceChanges(app.window, app.inputs, app)
    changes.start()
    assert changes.watch is not None and changes.watch.watching.wait(WAIT_MS / 1000)
    yield app, changes, shown
    changes.stop()


def test_a_headset_plugged_in_appears_and_goes_when_unplugged(
    watched_app, qtbot, pulse_server: PulseServer
) -> None:
    app, _changes, shown = watched_app
    headset = pulse_server.create_sink("captioner_usb_headset")
    try:
        qtbot.waitUntil(lambda: listed(app, "captioner_usb_headset"), timeout=WAIT_MS)
    finally:
        pulse_server.remove_sink(headset)
    qtbot.waitUntil(lambda: not listed(app, "captioner_usb_headset"), timeout=WAIT_MS)
    assert not any(LOOKING in label for labels_shown in shown for label in labels_shown), shown


def test_a_device_plugged_in_during_a_run_is_listed_after_it(
    watched_app, qtbot, pulse_server: PulseServer
) -> None:
    app, changes, _shown = watched_app
    before = labels(app)
    app.window.set_running(True)  # the pickers lock, as for a live run
    dock = pulse_server.create_sink("captioner_dock")
    try:
        qtbot.waitUntil(lambda: changes._owed, timeout=WAIT_MS)  # the change came, and waits
        assert labels(app) == before
        app.window.set_running(False)
        qtbot.waitUntil(lambda: listed(app, "captioner_dock"), timeout=WAIT_MS)
    finally:
        pulse_server.remove_sink(dock)


def test_hidden_the_window_lets_go_of_the_sound_server_and_looks_again_when_shown(
    watched_app, qtbot, pulse_server: PulseServer
) -> None:
    """Minimised or closed to the tray, nobody reads the picker: no connection is kept."""
    app, changes, _shown = watched_app
    watch = changes.watch
    assert watch is not None and watch._thread is not None
    app.window.hide()
    watch._thread.join(WAIT_MS / 1000)
    assert not watch._thread.is_alive(), "the device watch kept running behind a hidden window"
    dock = pulse_server.create_sink("captioner_while_hidden")
    try:
        app.window.show()
        qtbot.waitUntil(lambda: listed(app, "captioner_while_hidden"), timeout=WAIT_MS)
        assert changes.watch is not None and changes.watch.watching.wait(WAIT_MS / 1000)
    finally:
        pulse_server.remove_sink(dock)


def test_once_stopped_a_window_shown_again_starts_no_watch(watched_app) -> None:
    """The app ending (or a test) stops the watch for good: no thread outlives it."""
    app, changes, _shown = watched_app
    changes.stop()
    app.window.hide()
    app.window.show()
    assert changes.watch is None


def test_once_stopped_a_change_owed_since_a_run_brings_no_look_when_it_ends(
    watched_app, qtbot, pulse_server: PulseServer
) -> None:
    """A test ending mid-run stops the watch, then the run (end_run_before_close): the
    look the run owed then scanned for a window being deleted ("already deleted")."""
    app, changes, _shown = watched_app
    app.window.set_running(True)
    dock = pulse_server.create_sink("captioner_owed")
    try:
        qtbot.waitUntil(lambda: changes._owed, timeout=WAIT_MS)
        changes.stop()
        app.window.set_running(False)  # the run ends after the watch
        assert not changes._settle.isActive(), "a look is still to come"
    finally:
        pulse_server.remove_sink(dock)
