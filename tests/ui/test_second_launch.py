"""A second launch's options reach the running instance: applied, or refused out loud.

The first instance is a real :class:`CaptionerApp` listening on its own name; the
second launch is another process calling :meth:`SingleInstance.hand_over` with its
parsed command line, as ``run_gui`` does.  (``tests/test_cli.py`` runs both as
``captioner`` processes; here the first one's window can be looked at.)
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from captioner.audio.devices import InputDevice
from captioner.ui import claim_lock, single_instance
from captioner.ui.launch_requests import LaunchRequests, tell_handover
from captioner.ui.single_instance import UNIX_SOCKETS, HandoverReply, SingleInstance, socket_path
from tests.conftest import DATA
from tests.speech import write_wav

SHORT = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0880.wav"
HEADSET = InputDevice(1, "USB Headset", "PulseAudio", 2, 48000.0, pulse_source="usb_in")
BUILT_IN = InputDevice(1, "Built-in Audio", "PulseAudio", 2, 48000.0, True, "builtin_in")
HARDWARE = {
    "list_devices": lambda: [BUILT_IN, HEADSET],
    "list_system_sources": lambda: [],
    "rescan_devices": lambda: None,
}


@pytest.fixture
def first_instance(make_app, qtbot, tmp_path: Path):
    """Makes the running instance from command-line args, listening under a private name."""
    instances: list[SingleInstance] = []

    def make(*argv: str, **inject):
        app = make_app(*argv, **inject)
        instance = SingleInstance(f"captioner-test-{tmp_path.name}")
        assert instance.listen()
        instance.activationRequested.connect(app.window.bring_to_front)
        instance.launchRequested.connect(LaunchRequests.of(app, app_args(argv)).handle)
        instances.append(instance)
        return app, instance.name

    yield make
    for instance in instances:
        instance.close()


def app_args(argv: tuple[str, ...]):
    from captioner.cli import parse_args

    return parse_args(list(argv))


SECOND = """
import json, sys
from captioner.cli import parse_args
from captioner.ui.launch_requests import launch_options
from captioner.ui.single_instance import SingleInstance
reply = SingleInstance(sys.argv[1]).hand_over(launch_options(parse_args(sys.argv[2:])))
print(json.dumps(None if reply is None else [reply.applied, reply.message]))
"""


def second_launch(qtbot, name: str, *argv: str) -> HandoverReply | None:
    """What a later ``captioner *argv`` hears back: its hand-over, run in another process
    (it blocks for the answer, while this test's Qt loop serves the first instance)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", SECOND, name, *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        qtbot.waitUntil(lambda: proc.poll() is not None, timeout=30000)
    finally:
        if proc.poll() is None:
            proc.kill()
        out, err = proc.communicate()
    assert proc.returncode == 0, err
    answer = json.loads(out)
    return None if answer is None else HandoverReply(*answer)


def stop(app, qtbot) -> None:
    """End the run before the test does (qtbot closes the windows before fixtures end)."""
    app.controller.stop()
    qtbot.waitUntil(lambda: not app.controller.running, timeout=15000)


def test_a_second_launch_starts_captioning_its_file(first_instance, qtbot) -> None:
    app, name = first_instance("--engine", "offline")
    assert not app.controller.running
    reply = second_launch(qtbot, name, "--input-file", str(SHORT), "--start")
    try:
        assert reply == HandoverReply(True, f"captioning {SHORT.name}")
        qtbot.waitUntil(lambda: app.controller.running, timeout=10000)
        choice = app.window.selected_input()
        assert choice is not None and choice.file_path == str(SHORT)
    finally:
        stop(app, qtbot)


def test_a_second_launch_selects_an_engine_and_a_file_without_starting(
    first_instance, qtbot
) -> None:
    app, name = first_instance("--engine", "assemblyai")
    reply = second_launch(qtbot, name, "--engine", "offline", "--input-file", str(SHORT))
    assert reply is not None and reply.applied, reply
    assert "selected" in reply.message and SHORT.name in reply.message
    qtbot.waitUntil(lambda: app.window.selected_input() is not None, timeout=10000)
    assert app.window.selected_input().file_path == str(SHORT)
    assert app.window.selected_engine().value == "offline"
    assert not app.controller.running


def test_while_captioning_the_request_is_refused_on_both_sides(
    first_instance, qtbot, capsys, tmp_path: Path
) -> None:
    # Two minutes of silence paced at real time: the run is still going whenever the
    # second launch gets through, however slow the machine.
    long = write_wav(tmp_path / "long.wav", b"\x00\x00" * 16000 * 120)
    app, name = first_instance("--engine", "offline", "--input-file", str(long))
    app.start_captioning()
    try:
        qtbot.waitUntil(lambda: app.controller.running, timeout=10000)
        reply = second_launch(qtbot, name, "--input-file", str(SHORT), "--start")
        assert reply is not None and not reply.applied
        assert SHORT.name in reply.message and "not applied" in reply.message
        assert "captioning is running" in reply.message
        # The second process says it and fails; the first says it in its status line.
        assert tell_handover(reply) == 1
        assert "not applied" in capsys.readouterr().err
        status = app.window.status_label.text()
        assert "second launch" in status and SHORT.name in status and "not applied" in status
        assert app.window.selected_input().file_path == str(long)  # the run was left alone
        assert app.controller.running
    finally:
        stop(app, qtbot)


def test_a_plain_second_launch_only_shows_the_window(first_instance, qtbot) -> None:
    app, name = first_instance("--engine", "offline")
    app.window.hide()
    reply = second_launch(qtbot, name)
    assert reply == HandoverReply(True, "showing its window")
    assert app.window.isVisible()


def test_a_device_that_matches_nothing_is_refused_once_the_inputs_are_found(
    first_instance, qtbot, loop, capsys
) -> None:
    # The running instance looks for the inputs again for the request, off its GUI
    # thread: the answer must wait for that look, not say "selected" before it.
    opened: list[object] = []
    app, name = first_instance(
        "--engine", "offline", loop=loop, open_device=opened.append, **HARDWARE
    )
    qtbot.waitUntil(lambda: not app.inputs.loading, timeout=5000)
    reply = second_launch(qtbot, name, "--device", "NoSuchMic", "--start")
    assert reply is not None and not reply.applied, reply
    assert "NoSuchMic" in reply.message and "not selected" in reply.message
    assert "Built-in Audio" in reply.message and "USB Headset" in reply.message
    assert not app.controller.running and opened == []
    assert tell_handover(reply) == 1  # the second launch fails, naming the inputs on stderr
    err = capsys.readouterr().err
    assert "No audio input matches “NoSuchMic”" in err and "USB Headset" in err
    assert "NoSuchMic" in app.window.status_text()


def test_a_refused_device_leaves_the_engine_it_came_with_unapplied(
    first_instance, qtbot, loop
) -> None:
    # "--device X --engine Y" asks for X with Y: when X picks no input the reply says
    # "not selected", and the window's engine must still be the one it had.
    app, name = first_instance("--engine", "offline", loop=loop, **HARDWARE)
    qtbot.waitUntil(lambda: not app.inputs.loading, timeout=5000)
    reply = second_launch(qtbot, name, "--device", "NoSuchMic", "--engine", "assemblyai")
    assert reply is not None and not reply.applied, reply
    assert "NoSuchMic" in reply.message and "not selected" in reply.message
    assert app.window.selected_engine().value == "offline"


def test_a_device_found_brings_its_engine_along(first_instance, qtbot, loop) -> None:
    app, name = first_instance("--engine", "offline", loop=loop, **HARDWARE)
    qtbot.waitUntil(lambda: not app.inputs.loading, timeout=5000)
    reply = second_launch(qtbot, name, "--device", "usb", "--engine", "assemblyai")
    assert reply is not None and reply.applied, reply
    assert app.window.selected_input().device == HEADSET
    assert app.window.selected_engine().value == "assemblyai"


def test_a_device_that_matches_an_input_is_selected(first_instance, qtbot, loop) -> None:
    app, name = first_instance("--engine", "offline", loop=loop, **HARDWARE)
    reply = second_launch(qtbot, name, "--device", "usb")
    assert reply == HandoverReply(True, "selected input “usb”")
    assert app.window.selected_input().device == HEADSET


def test_a_device_still_being_looked_for_is_not_claimed_selected(
    first_instance, qtbot, loop
) -> None:
    # A sound server too busy to answer before the other launch stops waiting: it is
    # told the truth (not confirmed, exit 1), and the window settles it afterwards.
    answering = threading.Event()
    answering.set()

    def list_devices() -> list[InputDevice]:
        assert answering.wait(30)
        return [BUILT_IN, HEADSET]

    app, name = first_instance(
        "--engine", "offline", loop=loop, **{**HARDWARE, "list_devices": list_devices}
    )
    qtbot.waitUntil(lambda: not app.inputs.loading, timeout=5000)
    answering.clear()
    try:
        reply = second_launch(qtbot, name, "--device", "usb")
    finally:
        answering.set()
    assert reply is not None and not reply.applied, reply
    assert "not confirmed" in reply.message and "usb" in reply.message
    qtbot.waitUntil(lambda: not app.inputs.loading, timeout=5000)
    assert app.window.selected_input().device == HEADSET


def test_nobody_listening_means_no_handover(tmp_path: Path) -> None:
    assert SingleInstance(f"captioner-none-{tmp_path.name}").hand_over({"start": True}) is None


def test_a_launch_while_the_first_is_still_starting_is_answered_once_it_is_up(
    qtbot, tmp_path: Path
) -> None:
    # The name is claimed before the window is built and served after its first paint:
    # a launch in between waits, connected, instead of becoming a second instance.
    first = SingleInstance(f"captioner-test-{tmp_path.name}")
    assert first.claim()
    replies: list[HandoverReply | None] = []
    later = threading.Thread(
        target=lambda: replies.append(SingleInstance(first.name).hand_over({"start": True}))
    )
    later.start()
    try:
        qtbot.wait(300)  # connected by now, and nobody serves the name yet
        assert replies == []
        first.launchRequested.connect(lambda request: request.answer(True, "started"))
        assert first.serve()
        qtbot.waitUntil(lambda: bool(replies), timeout=5000)
        assert replies == [HandoverReply(True, "started")]
    finally:
        later.join(10)
        first.close()


@pytest.mark.skipif(not UNIX_SOCKETS, reason="QLocalServer's own names elsewhere")
def test_a_crashed_instances_socket_file_is_taken_over(qtbot, tmp_path: Path) -> None:
    name = f"captioner-test-{tmp_path.name}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as dead:
        dead.bind(socket_path(name))  # left behind, as by a killed instance
    assert SingleInstance(name).hand_over({"start": True}) is None  # nobody answers it
    first = SingleInstance(name)
    try:
        assert first.listen()
        with qtbot.waitSignal(first.activationRequested, timeout=5000):
            assert SingleInstance(name).notify_running_instance()
    finally:
        first.close()
    assert not Path(socket_path(name)).exists()  # given back on close


def test_a_running_instance_keeps_its_name(qtbot, tmp_path: Path) -> None:
    # Two launches at once: the one that looked too early must not take the name
    # (removing the first's socket would leave it unreachable).
    name = f"captioner-test-{tmp_path.name}"
    first = SingleInstance(name)
    try:
        assert first.listen()
        assert not SingleInstance(name).claim()
        with qtbot.waitSignal(first.activationRequested, timeout=5000):
            assert SingleInstance(name).notify_running_instance()
    finally:
        first.close()


def test_a_launch_that_loses_the_race_for_the_name_hands_over_to_the_winner(
    qtbot, tmp_path: Path, monkeypatch
) -> None:
    # Two launches at the same moment both find nobody to hand over to; the one whose
    # claim then finds the name taken must hand over to the winner, not run on as a
    # second captioner that no later launch can reach.
    name = f"captioner-test-{tmp_path.name}"
    winner = SingleInstance(name)
    assert winner.claim()  # its window is still being built: not served yet
    loser = SingleInstance(name)
    looked = loser.hand_over
    calls: list[dict] = []

    def looked_too_early(options: dict) -> HandoverReply | None:
        calls.append(options)
        return None if len(calls) == 1 else looked(options)  # first look: before the claim

    monkeypatch.setattr(loser, "hand_over", looked_too_early)
    replies: list[HandoverReply | None] = []
    later = threading.Thread(
        target=lambda: replies.append(loser.hand_over_or_claim({"start": True}))
    )
    later.start()
    try:
        qtbot.wait(300)
        assert replies == []  # waiting for the winner to serve
        winner.launchRequested.connect(lambda request: request.answer(True, "started"))
        assert winner.serve()
        qtbot.waitUntil(lambda: bool(replies), timeout=5000)
        assert replies == [HandoverReply(True, "started")]
        assert len(calls) == 2
        with qtbot.waitSignal(winner.activationRequested, timeout=5000):
            assert SingleInstance(name).notify_running_instance()  # still the winner's
    finally:
        later.join(10)
        loser.close()
        winner.close()


def _claim_together(name: str, contenders: int) -> list[bool]:
    """``contenders`` launches claim ``name`` at once, each on a thread; what each got."""
    launches = [SingleInstance(name) for _ in range(contenders)]
    claimed = [False] * contenders
    together = threading.Barrier(contenders)

    def claim(index: int) -> None:
        together.wait()
        claimed[index] = launches[index].claim()

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for launch in launches:
        launch.close()
    return claimed


@pytest.mark.parametrize("lock", ["abstract socket", "lock file"])
def test_launches_claiming_at_the_same_instant_leave_exactly_one_instance(
    tmp_path: Path, caplog, monkeypatch, lock: str
) -> None:
    # A socket is bound a moment before it listens: without the claim lock a launch
    # at that instant took it for a crashed instance's, removed it and bound its own.
    if lock == "lock file":  # as where Linux's abstract sockets are missing (macOS)
        monkeypatch.setattr(claim_lock, "_abstract_lock", lambda path, held: None)
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads interleave between bind and listen
    try:
        for round_ in range(40):
            claimed = _claim_together(f"captioner-test-{tmp_path.name}-{round_}", 6)
            assert sum(claimed) == 1, f"round {round_}: {sum(claimed)} instances took the name"
    finally:
        sys.setswitchinterval(switch)
        for left in Path(socket_path("x")).parent.glob(f"captioner-test-{tmp_path.name}-*.lock"):
            left.unlink()
    assert not [r for r in caplog.records if r.name.startswith("captioner.ui.")], caplog.text


def test_with_nobody_running_the_launch_takes_the_name(qtbot, tmp_path: Path) -> None:
    first = SingleInstance(f"captioner-test-{tmp_path.name}")
    try:
        assert first.hand_over_or_claim({"start": True}) is None
        assert first.serve()
        with qtbot.waitSignal(first.activationRequested, timeout=5000):
            assert SingleInstance(first.name).notify_running_instance()
    finally:
        first.close()


QT_ONLY_LAUNCH = """
import json, sys
from captioner.ui import single_instance
single_instance.UNIX_SOCKETS = False
reply = single_instance.SingleInstance(sys.argv[1]).hand_over({"start": True})
print(json.dumps(None if reply is None else [reply.applied, reply.message]))
"""


def test_where_python_has_no_unix_sockets_qt_serves_the_name(
    qtbot, tmp_path: Path, monkeypatch
) -> None:
    # Windows: QLocalServer and QLocalSocket (named pipes there) do it all. The later
    # launch is another process: QLocalSocket's waits keep the interpreter lock.
    monkeypatch.setattr(single_instance, "UNIX_SOCKETS", False)
    first = SingleInstance(f"captioner-test-{tmp_path.name}")
    try:
        assert first.listen()
        first.launchRequested.connect(lambda request: request.answer(True, "started"))
        later = subprocess.Popen(
            [sys.executable, "-c", QT_ONLY_LAUNCH, first.name],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        qtbot.waitUntil(lambda: later.poll() is not None, timeout=30000)
        out, err = later.communicate()
        assert json.loads(out) == [True, "started"], err
        with qtbot.waitSignal(first.activationRequested, timeout=5000):
            assert SingleInstance(first.name).notify_running_instance()
    finally:
        first.close()
    assert not SingleInstance(first.name).notify_running_instance()
