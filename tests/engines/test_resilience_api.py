"""The resilience building blocks and the settings API of the cloud engine."""

from __future__ import annotations

import logging
import random
import socket
from pathlib import Path

import pytest

from captioner.audio.ring import AudioRing
from captioner.engines.assemblyai import (
    SPEECH_MODELS,
    AssemblyAIConfig,
    AssemblyAIEngine,
    test_api_key,
)
from captioner.engines.assemblyai.backoff import Backoff
from captioner.engines.assemblyai.errors import Recovery, recovery_for
from captioner.engines.base import ErrorKind
from tests.engines.resilience_harness import KEY, SCRIPT, CodedSource, fast_config, run_scenario
from tests.fakes.v3_server import FakeV3Server, Faults
from tests.recording import RecordingListener


def test_backoff_starts_under_a_second_grows_and_is_capped() -> None:
    backoff = Backoff(base_s=0.5, cap_s=30.0, rng=random.Random(1))
    delays = [backoff.next_delay() for _ in range(12)]
    assert delays[0] < 1.0
    assert max(delays) <= 30.0 and max(delays[6:]) > 2.0
    assert Backoff(rng=random.Random(2)).next_delay(floor_s=5.0) >= 5.0


def test_ring_keeps_the_newest_audio_on_the_session_clock() -> None:
    ring = AudioRing(capacity_ms=200)
    for i in range(6):
        ring.append(bytes([i]))
    assert (ring.start_ms, ring.end_ms, ring.full) == (100, 300, True)
    assert ring.slice(0, 1000) == (100, [b"\x02", b"\x03", b"\x04", b"\x05"])
    assert ring.slice(175, 260) == (150, [b"\x03", b"\x04", b"\x05"])


@pytest.mark.parametrize(
    ("code", "recovery"),
    [
        (1008, Recovery.STOP),
        (401, Recovery.STOP),
        (4001, Recovery.STOP),
        (4002, Recovery.STOP),
        (3009, Recovery.RETRY_LATER),
        (4102, Recovery.RETRY_LATER),
        (1013, Recovery.RETRY_LATER),
        (3007, Recovery.RETRY_ONCE_SLOWLY),
        (3008, Recovery.RECONNECT_NOW),
        (1006, Recovery.RETRY),
        (1011, Recovery.RETRY),
        (3005, Recovery.RETRY),
        (None, Recovery.RETRY),
    ],
)
def test_each_failure_has_its_recovery(code: int | None, recovery: Recovery) -> None:
    assert recovery_for(code) is recovery


def test_config_validation_speaks_plain_words() -> None:
    assert AssemblyAIConfig(api_key="k").validate() == []
    assert "universal-3-5-pro" in SPEECH_MODELS
    problems = AssemblyAIConfig(
        api_key="k",
        speech_model="nope",
        language_codes=("english",),
        keyterms=("x" * 60,),
        min_turn_silence_ms=900,
        max_turn_silence_ms=400,
        end_of_turn_confidence_threshold=1.5,
    ).validate()
    assert len(problems) == 5
    assert problems[0].startswith("Unknown speech model “nope”")


def test_a_rollover_that_could_not_hand_over_before_the_session_limit_is_refused() -> None:
    """The handover may wait a minute for a pause: started later, the service's
    3-hour limit would end the old session while it still owns the line."""
    late = AssemblyAIConfig(api_key="k", rollover_after_s=2 * 3600 + 59 * 60).validate()
    assert late == ["The session rollover comes too late for the 3-hour session limit."]
    assert AssemblyAIConfig(api_key="k", handover_search_s=30.0).validate() == []


def test_invalid_settings_end_the_run_before_connecting() -> None:
    listener = RecordingListener()
    engine = AssemblyAIEngine(listener, AssemblyAIConfig(api_key="k", speech_model="nope"))
    engine.start(CodedSource(10))
    listener.wait_stopped()
    assert engine.join(5)
    assert [e.kind for e in listener.errors] == [ErrorKind.SETTINGS]


def test_settings_reach_the_service_and_update_mid_session() -> None:
    with FakeV3Server(KEY, SCRIPT) as server:
        listener = RecordingListener()
        config = fast_config(
            server.url,
            speech_model="u3-rt-pro",
            language_codes=("en", "es"),
            keyterms=("Dashwood", "Norland"),
            filter_profanity=True,
            min_turn_silence_ms=200,
            max_turn_silence_ms=1200,
            end_of_turn_confidence_threshold=0.6,
            speaker_labels=True,
            provisional_offline=False,
        )
        engine = AssemblyAIEngine(listener, config)
        engine.start(CodedSource(30))
        assert listener.listening.wait(5)
        engine.update_configuration(keyterms=["Barton"], max_turn_silence=2000)
        listener.wait_stopped()
        assert engine.join(5)
        session = server.sessions[0]
    query = session.query
    assert query["speech_model"] == "u3-rt-pro"
    assert query["keyterms_prompt"] == '["Dashwood", "Norland"]'
    assert query["language_codes"] == '["en", "es"]'
    assert query["filter_profanity"].lower() == "true"
    assert query["speaker_labels"].lower() == "true"
    assert query["min_turn_silence"] == "200" and query["max_turn_silence"] == "1200"
    assert query["end_of_turn_confidence_threshold"] == "0.6"
    assert query["session_heartbeat"].lower() == "true"
    updates = [m for m in session.control_messages if m.get("type") == "UpdateConfiguration"]
    assert updates == [
        {"type": "UpdateConfiguration", "keyterms_prompt": ["Barton"], "max_turn_silence": 2000}
    ]


def test_key_check_accepts_a_good_key_and_names_a_bad_one() -> None:
    with FakeV3Server(KEY, SCRIPT) as server:
        assert test_api_key(KEY, server.url, timeout_s=3) is None
        rejected = test_api_key("wrong", server.url, timeout_s=3)
        sessions = server.sessions
    assert rejected is not None and rejected.kind is ErrorKind.AUTH
    assert "API key rejected" in rejected.message
    assert sessions[0].terminate_received  # the check does not leave a session open


def test_key_check_names_an_unreachable_host() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    error = test_api_key(KEY, f"ws://127.0.0.1:{port}", timeout_s=2)
    assert error is not None and error.kind is ErrorKind.NETWORK
    assert f"127.0.0.1:{port}" in error.message


def test_the_key_never_reaches_logs_or_files(
    caplog: pytest.LogCaptureFixture, private_dirs: Path, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    outcome = run_scenario(
        [Faults(drop_after_ms=600), Faults(reject_status=503), Faults()],
        seconds=2.0,
    )
    assert len(outcome.sessions) >= 3
    messages = [
        r.getMessage() for r in caplog.records if not r.name.startswith("websockets.server")
    ]
    assert any("Authorization" in m for m in messages), "the handshakes were logged at DEBUG"
    assert not [m for m in messages if KEY in m]
    assert KEY not in repr(outcome.engine._config)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path
    assert not [e for e in outcome.errors if KEY in e.message]
    assert not [d for _, d in outcome.states if KEY in d]


def test_real_offline_engine_captions_the_outage_provisionally(clip: Path) -> None:
    from captioner.audio.file_source import WavFileSource
    from captioner.engines.registry import EngineId, EngineOptions, spec
    from tests.conftest import reference_text
    from tests.fakes.v3_server import TurnScript

    listener = RecordingListener()

    def faults(index: int) -> Faults:
        """Dropped at 1.5 s, then down until PocketSphinx has captioned some of the outage.

        A fixed outage (4 refusals, ~2.4 s) assumed the offline model loads and
        decodes within it; on a loaded machine it did not, and the test failed.
        """
        if index == 0:
            return Faults(drop_after_ms=1500)
        if index < 5 or not any(p.provisional for p in listener.partials):
            return Faults(reject_status=503)
        return Faults()

    script = TurnScript.from_text(reference_text(clip))
    with FakeV3Server(KEY, script, faults) as server:
        # give_up_after_s: the outage now lasts as long as the model takes to load.
        config = fast_config(
            server.url, backoff_base_s=0.6, backoff_cap_s=0.6, give_up_after_s=60.0
        )
        # Built as the app builds it: the registry hands it the real PocketSphinx fallback.
        engine = spec(EngineId.ASSEMBLYAI).create(listener, EngineOptions(assemblyai=config))
        engine.start(WavFileSource(clip, realtime=False))
        listener.wait_stopped(90)
        assert engine.join(10)
    assert not listener.errors
    provisional = [p for p in listener.partials if p.provisional]
    assert provisional, "PocketSphinx captioned the outage"
    assert all(p.key.startswith("provisional-offline-") for p in provisional)
    assert all((p.start_ms or 1500) >= 1400 for p in provisional)  # on the session clock
    # the backfill covered the outage, so the stand-ins are gone
    assert not listener.transcript.partials
    assert not [t for t in listener.transcript.finished if t.provisional]
