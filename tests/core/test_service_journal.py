"""Issue 15.4: the model the service actually ran is part of the session's record.

``Begin.configuration`` names the model in use, which may differ from the
one asked for.  It is journaled as a ``service`` record (so a SIGKILL keeps
it), read back into the session's settings as ``model_in_use`` /
``mode_in_use``, shown in the Sessions list and written in the JSON export.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from captioner.core.export import render
from captioner.core.journal import journal_path, read_journal
from captioner.core.sessions import SessionStore
from captioner.ui.session_library import describe
from tests.core.killed_writer import killed_session


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_the_model_in_use_survives_sigkill_and_reaches_the_list_and_json(tmp_path: Path) -> None:
    session_id = killed_session("tests.core.service_journal_writer", tmp_path)
    store = SessionStore(tmp_path)
    [summary] = store.list()
    assert summary.crashed and summary.model == "universal-streaming-english"
    assert "assemblyai (universal-streaming-english)" in describe(summary, mask=False)
    store.recover(session_id)
    info, turns = store.load(session_id)
    assert info.settings["speech_model"] == "universal-3-5-pro"  # what was asked
    assert info.settings["model_in_use"] == "universal-streaming-english"  # what ran
    assert info.settings["mode_in_use"] == "balanced"
    exported = json.loads(render("json", turns, info))
    assert exported["session"]["settings"]["model_in_use"] == "universal-streaming-english"
    assert exported["session"]["settings"]["mode_in_use"] == "balanced"


@pytest.mark.parametrize(
    "damage", [{"model": 7}, {"model": "m" * 500}, {"mode": ["balanced"]}, {"model": None}]
)
def test_a_damaged_service_record_costs_only_that_record(tmp_path: Path, damage) -> None:
    session_id = killed_session("tests.core.service_journal_writer", tmp_path)
    path = journal_path(tmp_path, session_id)
    lines = path.read_bytes().splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if b'"type":"service"' in line)
    record = json.loads(lines[index]) | damage
    lines[index] = (json.dumps(record) + "\n").encode()
    path.write_bytes(b"".join(lines))
    contents = read_journal(path)
    assert [t.text for t in contents.turns] == ["Hello."]
    if damage == {"model": None}:  # no model named: nothing to record, nothing damaged
        assert contents.damaged_lines == 0 and "model_in_use" not in contents.info.settings
        assert contents.info.settings["mode_in_use"] == "balanced"
    else:
        assert contents.damaged_lines == 1
        assert "model_in_use" not in contents.info.settings
