"""The controller hands the UI what the service said it runs, and its notices (issue 15.4).

Real SDK against the fake v3 server, which names another model in
``Begin.configuration`` than the one asked for and sends a ``Warning``.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow
from shiboken6 import isValid

from captioner.engines.assemblyai import AssemblyAIConfig, AssemblyAIEngine
from captioner.engines.base import EngineListener, ServiceSession
from captioner.ui.controller import CaptionController
from captioner.ui.service_status import ServiceStatus
from tests.engines.test_assemblyai import SilenceSource
from tests.fakes.v3_extras import Extras
from tests.fakes.v3_server import FakeV3Server, ScriptTurn, TurnScript

KEY = "service-status-key-19d4"
SCRIPT = TurnScript([ScriptTurn(["good", "morning"], "Good morning.")])


def test_the_model_in_use_and_notices_reach_the_gui_thread_and_are_not_errors(qtbot) -> None:  # type: ignore[no-untyped-def]
    controller = CaptionController()
    window = QMainWindow()
    qtbot.addWidget(window)
    status = ServiceStatus(window, controller)
    window.show()
    models: list[ServiceSession] = []
    notices: list[tuple[str, str]] = []
    controller.serviceChanged.connect(models.append)
    controller.noticed.connect(lambda message, detail: notices.append((message, detail)))
    extras = Extras(
        served_model="universal-streaming-multilingual", warnings=[(200.0, 7, "Odd audio")]
    )
    with FakeV3Server(api_key=KEY, script=SCRIPT, extras=extras) as server:
        config = AssemblyAIConfig(
            api_key=KEY,
            api_host=server.url,
            connect_timeout_s=2.0,
            provisional_offline=False,
            speech_model="universal-streaming-english",
        )

        def factory(listener: EngineListener) -> AssemblyAIEngine:
            return AssemblyAIEngine(listener, config)

        controller.new_transcript()
        with qtbot.waitSignal(
            controller.runningChanged, timeout=30_000, check_params_cb=lambda running: not running
        ):
            controller.start(factory, SilenceSource(chunks=60))
        assert controller.join(5)
    assert models == [
        ServiceSession(
            "universal-streaming-multilingual", "balanced", "universal-streaming-english", None
        )
    ]
    assert controller.service_session == models[0]
    said = [message for message, _ in notices]
    assert len(said) == 2, notices
    assert any("universal-streaming-multilingual" in m for m in said)
    assert "AssemblyAI warning: Odd audio" in said
    assert controller.last_error is None and controller.status_text == "Stopped"
    # The status bar: the model in use, and the latest notice, beside the status line.
    assert status.label.isVisible()
    assert status.label.text() == "Model: universal-streaming-multilingual"
    assert "Asked for: universal-streaming-english" in status.label.toolTip()
    assert status.notice.isVisible() and status.notice.text() in said
    assert window.statusBar().currentMessage() == ""  # the status line is not hidden
    # A new run forgets the last run's model until its service says again.
    controller.runningChanged.emit(True)
    assert not status.label.isVisible()


LOST = (
    "Lost the audio device “USB Headset”: the audio stream stopped unexpectedly (device "
    "unplugged or disabled?). Captioning continues with the system audio."
)


def _ink_lines_and_right_edge(widget) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    """How many lines tall the widget's dark text is, and its rightmost ink."""
    image = widget.grab().toImage()
    rows = [
        y
        for y in range(image.height())
        if any(image.pixelColor(x, y).lightness() < 128 for x in range(image.width()))
    ]
    lines = (rows[-1] - rows[0] + 1) / widget.fontMetrics().lineSpacing()
    right = max(
        x for x in range(image.width()) for y in rows if image.pixelColor(x, y).lightness() < 128
    )
    return lines, right


def _settle(qtbot) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        qtbot.wait(20)  # the bar's layout settles over a few turns


def test_a_long_notice_is_read_whole_on_two_lines_and_cut_only_when_it_must(  # type: ignore[no-untyped-def]
    make_app, qtbot
) -> None:
    # A headset lost mid-call under Xvfb: the notice took its whole width and folded
    # the red "Listening · microphone lost" into a column of single words, itself cut
    # mid-letter at the window's edge; then, on one line, an 820 px window showed only
    # "…(device unplugged…": the tooltip had the rest, which a reader never sees.
    app = make_app()
    window = app.window
    window.resize(820, 600)
    qtbot.waitExposed(window)
    window.show_status("Listening · microphone lost", True)
    bar_before = window.statusBar().height()
    app.service_status.show_notice(LOST, "")
    qtbot.waitUntil(lambda: app.service_status.notice.isVisible(), timeout=2000)
    _settle(qtbot)
    label = window.status_line.label
    one_line = label.fontMetrics().horizontalAdvance(label.text())
    assert label.width() >= one_line and _ink_lines_and_right_edge(label)[0] < 1.3
    notice = app.service_status.notice
    assert notice.text() == LOST  # whole, for screen readers and the tooltip's owner
    assert 0 < notice.width() < notice.fontMetrics().horizontalAdvance(LOST)
    # Too long for one line here, it takes two, all of it, and the bar grows to show them.
    assert notice._wrapped(notice.contentsRect().width())[-1].endswith("system audio.")
    lines, right = _ink_lines_and_right_edge(notice)
    assert 1.3 < lines < 2.2 and right < notice.width() - 1
    assert window.statusBar().height() > bar_before
    # A window too narrow for both lines: cut at the end of the second with "…", and
    # the status line still keeps its words on one line.
    window.resize(560, 600)
    _settle(qtbot)
    assert label.width() >= one_line and _ink_lines_and_right_edge(label)[0] < 1.3
    shown = notice._wrapped(notice.contentsRect().width())
    assert len(shown) == 2 and shown[-1].endswith("…")
    lines, right = _ink_lines_and_right_edge(notice)
    assert 1.3 < lines < 2.2 and right < notice.width() - 1
    # A long path has no spaces to wrap at: it breaks where it must, never past the edge.
    app.service_status.show_notice(
        "Could not write /home/someone/Documents/meetings/2026/december/week-49/"
        "captioner-sessions/2026-12-07-standup.jsonl: the disk is full.",
        "",
    )
    _settle(qtbot)
    width = notice.contentsRect().width()
    shown = notice._wrapped(width)
    assert len(shown) == 2 and all(
        notice.fontMetrics().horizontalAdvance(t) <= width for t in shown
    )
    # When the notice goes, the bar is one line again.
    app.service_status._hide_notice()
    _settle(qtbot)
    assert window.statusBar().height() == bar_before


def test_a_notice_shown_as_the_window_goes_leaves_nothing_to_fire_after_it(
    qtbot, monkeypatch
) -> None:
    # Its hiding timer outlived the window: firing 15 s later on the deleted label raised
    # "Internal C++ object (ElidedLabel) already deleted" in whatever ran then.
    import captioner.ui.service_status as service_status

    monkeypatch.setattr(service_status, "NOTICE_MS", 50)
    controller, window = CaptionController(), QMainWindow()
    status = ServiceStatus(window, controller, parent=controller)
    shown: list[bool] = []
    status.noticeShown.connect(shown.append)
    window.show()
    status.show_notice("Lost the audio device “usbheadset”.", "")
    window.deleteLater()
    qtbot.waitUntil(lambda: not isValid(status.notice), timeout=2000)
    qtbot.wait(200)  # past NOTICE_MS: an exception in the event loop fails the test
    assert shown == [True]
