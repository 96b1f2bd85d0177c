"""Start-up work that can wait runs after the launch's session opened (issue 14).

The real cloud engine against the fake v3 server: what waits (the global
shortcut's grab, asyncio's import) must not run before the service said
``Begin``, and must not be lost when the session fails or never comes.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from captioner.engines.assemblyai import AssemblyAIConfig, AssemblyAIEngine
from captioner.engines.base import EngineListener
from captioner.ui.after_opening import after_opening
from captioner.ui.controller import CaptionController
from tests.engines.test_assemblyai import SilenceSource
from tests.fakes.v3_server import FakeV3Server, ScriptTurn, TurnScript

KEY = "after-opening-key-3e1c77"
SCRIPT = TurnScript([ScriptTurn(["hello"], "Hello.")])


def recorder(controller: CaptionController, calls: list[str]):  # type: ignore[no-untyped-def]
    """What the status line said when the waiting work ran."""
    return lambda: calls.append(controller.status_text)


def test_it_runs_once_the_session_has_opened_not_before(qtbot) -> None:  # type: ignore[no-untyped-def]
    controller, parent = CaptionController(), QObject()
    calls: list[str] = []
    begun_when_called: list[int] = []
    with FakeV3Server(api_key=KEY, script=SCRIPT) as server:
        config = AssemblyAIConfig(
            api_key=KEY, api_host=server.url, connect_timeout_s=5.0, provisional_offline=False
        )

        def factory(listener: EngineListener) -> AssemblyAIEngine:
            return AssemblyAIEngine(listener, config)

        def work() -> None:
            calls.append(controller.status_text)
            begun_when_called.append(len(server.sessions))

        after_opening(controller, work, opening=True, parent=parent)
        controller.new_transcript()
        controller.start(factory, SilenceSource())  # endless: the run waits for stop()
        assert calls == []  # connecting ("Connecting…" while it does): not yet
        qtbot.waitUntil(lambda: bool(calls), timeout=20_000)
        assert calls == ["Listening"]
        assert begun_when_called == [1]  # the service had opened the session
        controller.stop()
        qtbot.waitUntil(lambda: not controller.running, timeout=20_000)
        assert controller.join(5)
    qtbot.wait(50)
    assert calls == ["Listening"]  # once: stopping does not run it again


def test_a_run_that_fails_to_start_does_not_keep_it_waiting(qtbot) -> None:  # type: ignore[no-untyped-def]
    controller, parent = CaptionController(), QObject()
    calls: list[str] = []
    after_opening(controller, recorder(controller, calls), opening=True, parent=parent)
    controller.report_error("No input to caption.")
    qtbot.waitUntil(lambda: bool(calls), timeout=5_000)
    assert calls == ["No input to caption."]


def test_a_wrong_key_ends_the_wait_too(qtbot) -> None:  # type: ignore[no-untyped-def]
    controller, parent = CaptionController(), QObject()
    calls: list[str] = []
    with FakeV3Server(api_key=KEY, script=SCRIPT) as server:
        config = AssemblyAIConfig(
            api_key="not-the-key-0000000000000000000",
            api_host=server.url,
            connect_timeout_s=5.0,
            provisional_offline=False,
        )

        def factory(listener: EngineListener) -> AssemblyAIEngine:
            return AssemblyAIEngine(listener, config)

        after_opening(controller, recorder(controller, calls), opening=True, parent=parent)
        controller.new_transcript()
        controller.start(factory, SilenceSource())
        qtbot.waitUntil(lambda: bool(calls), timeout=20_000)
        qtbot.waitUntil(lambda: not controller.running, timeout=20_000)
        assert controller.join(5)
    assert len(calls) == 1 and controller.last_error is not None


def test_without_a_session_opening_it_runs_on_the_next_turn_of_the_loop(qtbot) -> None:  # type: ignore[no-untyped-def]
    controller, parent = CaptionController(), QObject()
    calls: list[str] = []
    after_opening(controller, recorder(controller, calls), opening=False, parent=parent)
    assert calls == []  # not inside the caller's own turn
    qtbot.waitUntil(lambda: bool(calls), timeout=5_000)
    assert calls == ["Ready"]


def test_a_session_that_never_opens_stops_holding_it_after_the_limit(qtbot) -> None:  # type: ignore[no-untyped-def]
    controller, parent = CaptionController(), QObject()
    calls: list[str] = []
    after_opening(
        controller, recorder(controller, calls), opening=True, parent=parent, limit_ms=200
    )
    qtbot.wait(50)
    assert calls == []
    qtbot.waitUntil(lambda: bool(calls), timeout=5_000)
    assert calls == ["Ready"]
    controller.report_error("later")  # nothing is connected any more: no second call
    qtbot.wait(50)
    assert calls == ["Ready"]
