"""What the service says it did (issue 15.4): the model in use, and its warnings.

Real SDK against the fake v3 server, which answers ``Begin`` with a
``configuration`` naming another model when told to and sends ``Warning``
events at set points of the audio.
"""

from __future__ import annotations

import logging

from captioner.engines.assemblyai import AssemblyAIConfig, AssemblyAIEngine
from captioner.engines.base import EngineNotice, ServiceSession
from tests.engines.resilience_harness import StatusRecorder
from tests.engines.test_assemblyai import SilenceSource
from tests.fakes.v3_extras import Extras
from tests.fakes.v3_server import FakeV3Server, Faults, ScriptTurn, TurnScript

KEY = "service-report-key-77c1"
SCRIPT = TurnScript(
    [
        ScriptTurn(["good", "morning", "everyone"], "Good morning, everyone."),
        ScriptTurn(["thanks", "for", "coming"], "Thanks for coming."),
    ]
)
ASKED = "universal-streaming-english"
SERVED = "universal-streaming-multilingual"


class ServiceRecorder(StatusRecorder):
    """Records what a UI would show in its status bar and session metadata."""

    def __init__(self) -> None:
        super().__init__()
        self.sessions: list[ServiceSession] = []
        self.notices: list[EngineNotice] = []
        self.finals_before_session = 0

    def on_service_session(self, session: ServiceSession) -> None:
        with self.lock:
            self.sessions.append(session)

    def on_notice(self, notice: EngineNotice) -> None:
        with self.lock:
            self.notices.append(notice)

    def on_final(self, update) -> None:  # type: ignore[no-untyped-def]
        with self.lock:
            if not self.sessions:
                self.finals_before_session += 1
        super().on_final(update)


def run(url: str, chunks: int, **changes: object) -> ServiceRecorder:
    settings: dict[str, object] = {
        "api_key": KEY,
        "api_host": url,
        "connect_timeout_s": 2.0,
        "backoff_base_s": 0.05,
        "provisional_offline": False,
        "speech_model": ASKED,
    }
    settings.update(changes)
    listener = ServiceRecorder()
    engine = AssemblyAIEngine(listener, AssemblyAIConfig(**settings))  # type: ignore[arg-type]
    engine.start(SilenceSource(chunks=chunks))
    listener.wait_stopped()
    assert engine.join(5)
    return listener


def test_the_model_in_use_is_reported_once_when_it_is_the_one_asked_for() -> None:
    with FakeV3Server(api_key=KEY, script=SCRIPT) as server:
        listener = run(server.url, 40, mode="max_accuracy")
        assert server.sessions[0].query["speech_model"] == ASKED
    assert listener.sessions == [ServiceSession(ASKED, "max_accuracy", ASKED, "max_accuracy")]
    assert not listener.sessions[0].model_differs
    assert listener.notices == [] and listener.errors == []
    assert listener.finals_before_session == 0  # known before any caption it made


def test_another_model_is_reported_and_said_once_across_reconnects(caplog) -> None:  # type: ignore[no-untyped-def]
    extras = Extras(served_model=SERVED)
    # The first session drops; the reconnect lands on the same other model.
    faults = [Faults(drop_after_ms=1500), Faults()]
    caplog.set_level(logging.INFO, logger="captioner.engines.assemblyai")
    with FakeV3Server(api_key=KEY, script=SCRIPT, faults=faults, extras=extras) as server:
        listener = run(server.url, 120)
        sessions = len(server.sessions)
    assert sessions >= 2, "the drop did not reconnect"
    assert listener.sessions == [ServiceSession(SERVED, "balanced", ASKED, None)]
    assert listener.sessions[0].model_differs
    # The reconnect's gap is filled in, which is said too; the model is said once.
    about_model = [n for n in listener.notices if "model" in n.message]
    assert len(about_model) == 1, listener.notices
    message = about_model[0].message
    assert SERVED in message and ASKED in message and "Settings" in message
    assert listener.errors == []  # a substitution is not an error: the run went on
    assert len(listener.transcript.finished) >= 2
    assert any(SERVED in r.getMessage() for r in caplog.records)


def test_a_service_warning_is_logged_and_passed_on_as_a_notice_not_an_error(caplog) -> None:  # type: ignore[no-untyped-def]
    extras = Extras(warnings=[(200.0, 42, "Audio is arriving faster than real time")])
    caplog.set_level(logging.WARNING, logger="captioner.engines.assemblyai")
    with FakeV3Server(api_key=KEY, script=SCRIPT, extras=extras) as server:
        listener = run(server.url, 60)
        assert server.sessions[0].warnings_sent == 1
    assert listener.notices == [
        EngineNotice(
            "AssemblyAI warning: Audio is arriving faster than real time", "warning code 42"
        )
    ]
    assert listener.errors == []
    assert len(listener.transcript.finished) == 2  # captioning went on
    logged = [r for r in caplog.records if "faster than real time" in r.getMessage()]
    assert logged and logged[0].levelno == logging.WARNING


def test_turns_too_broken_to_read_are_said_once_so_missing_words_are_not_taken_for_silence() -> (
    None
):
    # Both turns of the script arrive without a turn_order, partials and finals alike:
    # every one is left out, and the reader is told once, not once per message.
    faults = Faults(defects=("turn_no_turn_order",), defective_turns=frozenset({0, 1}))
    with FakeV3Server(api_key=KEY, script=SCRIPT, faults=faults) as server:
        listener = run(server.url, 120)
        sent = len(server.sessions[0].turns_sent)
    assert sent >= 4 and listener.errors == []
    assert [t.text for t in listener.transcript] == []
    (notice,) = listener.notices
    assert notice.message == "Some captions from AssemblyAI could not be read and are missing."
    assert "turn_order" in notice.detail


def test_a_session_whose_turns_all_read_says_nothing_of_missing_captions() -> None:
    faults = Faults(defects=("turn_no_turn_order",), defective_turns=frozenset())
    with FakeV3Server(api_key=KEY, script=SCRIPT, faults=faults) as server:
        listener = run(server.url, 120)
    assert [t.text for t in listener.transcript] == [t.formatted for t in SCRIPT.turns]
    assert listener.notices == []
