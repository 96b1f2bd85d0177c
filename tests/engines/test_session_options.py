"""Issue 15.3: session options reach the service, and the live ones change a running session.

Against the fake v3 server with the real SDK: what the settings become in the
connect query, what a change during a run sends (``UpdateConfiguration``),
that the session carries on after it, and that a reconnect later in the run
asks for the changed values.
"""

from __future__ import annotations

import json
from dataclasses import replace

from captioner.engines.assemblyai import AssemblyAIEngine
from captioner.engines.assemblyai.session_options import live_changes
from captioner.engines.base import ErrorKind
from tests.engines.resilience_harness import KEY, SCRIPT, CodedSource, fast_config
from tests.fakes.v3_server import FakeV3Server, Faults
from tests.recording import RecordingListener

ALL_OPTIONS = {
    "mode": "max_accuracy",
    "prompt": "A lecture on Austen's novels.",
    "keyterms": ("Dashwood",),
    "voice_focus": "far-field",
    "voice_focus_threshold": 0.35,
    "redact_pii": True,
    "redact_pii_policies": ("person_name", "phone_number"),
    "redact_pii_sub": "entity_name",
    "domain": "medical-v1",
    "language_codes": ("en", "es"),
    "language_detection": True,
    "inactivity_timeout_s": 30,
}


def _run(config_overrides: dict, *, chunks: int = 40, faults=None, during=None):
    with FakeV3Server(KEY, SCRIPT, faults, ms_per_word=200, gap_ms=300) as server:
        listener = RecordingListener()
        config = fast_config(server.url, provisional_offline=False, **config_overrides)
        engine = AssemblyAIEngine(listener, config)
        engine.start(CodedSource(chunks))
        if during is not None:
            assert listener.listening.wait(5)
            during(engine, config, server)
        listener.wait_stopped()
        assert engine.join(5)
        sessions = server.sessions
    return listener, sessions


def test_every_session_option_is_sent_when_connecting() -> None:
    listener, sessions = _run(ALL_OPTIONS)
    assert listener.errors == []
    query = sessions[0].query
    assert query["mode"] == "max_accuracy"
    assert query["prompt"] == "A lecture on Austen's novels."
    assert json.loads(query["keyterms_prompt"]) == ["Dashwood"]
    assert query["voice_focus"] == "far-field"
    assert float(query["voice_focus_threshold"]) == 0.35
    assert query["redact_pii"].lower() == "true"
    assert json.loads(query["redact_pii_policies"]) == ["person_name", "phone_number"]
    assert query["redact_pii_sub"] == "entity_name"
    assert query["domain"] == "medical-v1"
    assert json.loads(query["language_codes"]) == ["en", "es"]
    assert query["language_detection"].lower() == "true"
    assert query["inactivity_timeout"] == "30"


def test_service_defaults_send_nothing() -> None:
    _listener, sessions = _run({})
    sent = set(sessions[0].query)
    for name in (
        "mode",
        "prompt",
        "voice_focus",
        "voice_focus_threshold",
        "redact_pii",
        "redact_pii_policies",
        "redact_pii_sub",
        "domain",
        "inactivity_timeout",
        "language_codes",
    ):
        assert name not in sent


def test_options_changed_during_a_run_are_sent_live_and_reach_the_next_connection() -> None:
    """The change goes out as one UpdateConfiguration; the session carries on after it,
    and the reconnect after a later drop asks for the new values when it connects."""
    sent: dict = {}

    def change(engine: AssemblyAIEngine, config, server: FakeV3Server) -> None:
        after = replace(
            config,
            prompt="Names from Sense and Sensibility.",
            mode="min_latency",
            language_codes=("en",),
            keyterms=("Barton", "Norland"),
            voice_focus="near-field",  # fixed at connect: not in the update
        )
        sent.update(live_changes(config, after))
        engine.update_configuration(**sent)
        server.wait_for(
            lambda s: any(
                m.get("type") == "UpdateConfiguration" for m in s.sessions[0].control_messages
            )
        )

    listener, sessions = _run(
        {"prompt": "Lecture.", "mode": "balanced"},
        chunks=80,
        faults=[Faults(drop_after_ms=2500), Faults()],
        during=change,
    )
    first, second = sessions[0], sessions[-1]
    updates = [m for m in first.control_messages if m.get("type") == "UpdateConfiguration"]
    assert updates == [
        {
            "type": "UpdateConfiguration",
            "keyterms_prompt": ["Barton", "Norland"],
            "prompt": "Names from Sense and Sensibility.",
            "language_codes": ["en"],
            "mode": "min_latency",
        }
    ]
    # the session went on after the update: it still sent finished lines until the drop
    assert first.fault_fired == "drop" and len(first.finals_sent) >= 2
    update_index = first.control_messages.index(updates[0])
    assert update_index == 0  # before any Terminate: the session was running
    assert len(sessions) >= 2 and listener.errors == []
    assert second.query["prompt"] == "Names from Sense and Sensibility."
    assert second.query["mode"] == "min_latency"
    assert json.loads(second.query["keyterms_prompt"]) == ["Barton", "Norland"]
    assert json.loads(second.query["language_codes"]) == ["en"]
    assert "voice_focus" not in second.query  # connect-time options apply from the next Start


def test_back_to_the_service_default_is_not_sent_but_later_connections_go_without() -> None:
    def clear(engine: AssemblyAIEngine, config, server: FakeV3Server) -> None:
        cleared = replace(config, prompt=None, min_turn_silence_ms=None)
        engine.update_configuration(**live_changes(config, cleared))

    _listener, sessions = _run(
        {"prompt": "Lecture.", "min_turn_silence_ms": 300},
        chunks=60,
        faults=[Faults(drop_after_ms=1500), Faults()],
        during=clear,
    )
    assert not [m for m in sessions[0].control_messages if m.get("type") == "UpdateConfiguration"]
    assert sessions[0].query["prompt"] == "Lecture."
    assert sessions[0].query["min_turn_silence"] == "300"
    assert "prompt" not in sessions[-1].query
    assert "min_turn_silence" not in sessions[-1].query


def test_redaction_shows_no_partial_lines_even_if_the_service_sends_them() -> None:
    """With redact_pii only finished (redacted) lines may show: a partial carries the words."""
    plain, _ = _run({})
    redacted, sessions = _run({"redact_pii": True})
    assert plain.partials, "the fake sends partial turns: the check below can fail"
    assert any(not t.get("end_of_turn") for t in sessions[0].turns_sent)
    assert redacted.partials == []
    assert [f.text for f in redacted.finals if f.text] == [f.text for f in plain.finals if f.text]


def test_settings_the_service_would_refuse_end_the_run_before_connecting() -> None:
    listener, sessions = _run({"voice_focus": "underwater", "inactivity_timeout_s": 2})
    assert sessions == []
    assert [e.kind for e in listener.errors] == [ErrorKind.SETTINGS]
    assert "voice focus" in listener.errors[0].message
    assert "inactivity timeout" in listener.errors[0].message


def test_live_changes_name_only_what_a_running_session_can_take() -> None:
    before = fast_config("ws://x", **ALL_OPTIONS)
    assert live_changes(before, before) == {}
    after = replace(
        before,
        keyterms=(),
        mode=None,
        redact_pii=False,
        domain=None,
        end_of_turn_confidence_threshold=0.7,
    )
    assert live_changes(before, after) == {
        "keyterms_prompt": [],  # no key terms: an empty list, which the service takes
        "mode": None,  # back to the default: only for later connections
        "end_of_turn_confidence_threshold": 0.7,
    }
