"""The engine registry: ids the settings file keeps, the default choice, the factories."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import pytest

from captioner.cli import parse_args
from captioner.engines.assemblyai import AssemblyAIConfig, AssemblyAIEngine
from captioner.engines.offline import OfflineEngine
from captioner.engines.registry import (
    ENGINES,
    EngineId,
    EngineOptions,
    available_engines,
    choose_engine,
    engine_ids,
    spec,
)
from tests.recording import RecordingListener

OFFLINE, CLOUD = ENGINES[EngineId.OFFLINE], ENGINES[EngineId.ASSEMBLYAI]


def test_ids_are_what_settings_files_and_journals_already_hold() -> None:
    assert [e.value for e in EngineId] == ["offline", "assemblyai"]
    assert EngineId.parse("assemblyai") is EngineId.ASSEMBLYAI
    assert EngineId.parse(EngineId.OFFLINE) is EngineId.OFFLINE
    assert EngineId.parse("whisper") is None and EngineId.parse("") is None
    assert spec("offline") is OFFLINE


def test_the_command_line_offers_every_engine() -> None:
    assert engine_ids() == ["offline", "assemblyai"]
    assert parse_args(["--engine", "offline"]).engine == "offline"
    with pytest.raises(SystemExit):
        parse_args(["--engine", "whisper"])


def test_what_each_engine_declares() -> None:
    assert (OFFLINE.needs_key, CLOUD.needs_key) == (False, True)
    assert OFFLINE.call_mode and CLOUD.call_mode
    assert [e.id for e in available_engines()] == [EngineId.OFFLINE, EngineId.ASSEMBLYAI]
    assert "Settings ▸ AssemblyAI…" in CLOUD.missing_key_message()
    assert OFFLINE.missing_key_message() == ""


@pytest.mark.parametrize(
    ("requested", "remembered", "has_key", "expected"),
    [
        ("offline", "assemblyai", True, EngineId.OFFLINE),  # the command line wins
        (None, "offline", True, EngineId.OFFLINE),  # then the last choice
        (None, "assemblyai", True, EngineId.ASSEMBLYAI),
        (None, "assemblyai", False, EngineId.OFFLINE),  # …unless its key is gone
        (None, "", True, EngineId.ASSEMBLYAI),  # then the best that can run
        (None, "", False, EngineId.OFFLINE),
        (None, "hand-edited nonsense", False, EngineId.OFFLINE),
    ],
)
def test_which_engine_is_chosen(requested, remembered, has_key, expected) -> None:
    chosen = choose_engine(requested=requested, remembered=remembered, has_key=has_key)
    assert chosen is expected


def test_without_pocketsphinx_the_cloud_is_all_there_is() -> None:
    assert choose_engine(has_key=False, available=[CLOUD]) is EngineId.ASSEMBLYAI


def test_the_registry_gives_the_cloud_engine_offline_stand_in_captions() -> None:
    listener = RecordingListener()
    config = AssemblyAIConfig(api_key="k")
    cloud = CLOUD.create(listener, EngineOptions(assemblyai=config))
    assert isinstance(cloud, AssemblyAIEngine)
    assert cloud._offline_factory is not None  # provisional captions while disconnected
    stand_in = cloud._offline_factory(RecordingListener())
    assert isinstance(stand_in, OfflineEngine)
    no_stand_in = replace(config, provisional_offline=False)
    quiet = CLOUD.create(listener, EngineOptions(assemblyai=no_stand_in))
    assert quiet._offline_factory is None


def test_offline_options_reach_the_engine() -> None:
    engine = OFFLINE.create(RecordingListener(), EngineOptions(realtime=False))
    assert isinstance(engine, OfflineEngine) and not engine._realtime


def test_a_one_source_run_does_not_wait_for_call_modes_code() -> None:
    """Call mode mixes its sides with numpy (~0.1 s to import); a run that captures one
    source must not import it before its session can begin (issue 14: --start)."""
    code = (
        "import json, sys\n"
        "import captioner.engines.assemblyai.engine\n"
        "from captioner.engines.registry import ENGINES, EngineId\n"
        "spec = ENGINES[EngineId.ASSEMBLYAI]\n"
        "print(json.dumps([spec.loaded(), spec.loaded(call=True), 'numpy' in sys.modules]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [True, False, False]
