"""Issue 15.4: the model AssemblyAI says it ran is in the session's record, not only on screen.

The fake service begins with another model than the one asked for (the real
service ignores parameters it does not know); after the run the journal on
disk, the Sessions list and the JSON export all name the model that ran.
"""

from __future__ import annotations

import json

from captioner.core.export import render
from captioner.core.journal import read_journal
from captioner.ui.session_library import describe
from tests.conftest import DATA, reference_text
from tests.fakes.v3_extras import Extras
from tests.fakes.v3_server import FakeV3Server, TurnScript

KEY = "test-key-model-in-use"
CLIP = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0880.wav"


def test_the_model_that_ran_is_journaled_listed_and_exported(make_app, qtbot, monkeypatch) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    script = TurnScript.from_text(reference_text(CLIP))
    extras = Extras(served_model="universal-streaming-english", served_mode="balanced")
    with FakeV3Server(api_key=KEY, script=script, extras=extras) as server:
        app = make_app(
            "--engine", "assemblyai", "--input-file", str(CLIP), "--api-host", server.url
        )
        app.start_captioning()
        qtbot.waitUntil(lambda: not app.controller.running, timeout=30000)
        asked = server.sessions[0].query["speech_model"]
    qtbot.waitUntil(lambda: not app.sessions.pending, timeout=10000)
    info = app.sessions.info
    assert asked != "universal-streaming-english"  # the service ran another model
    assert info.settings["model_in_use"] == "universal-streaming-english"
    contents = read_journal(app.sessions.store.path(info.id))
    assert contents.info.settings["model_in_use"] == "universal-streaming-english"
    assert contents.info.settings["mode_in_use"] == "balanced"
    [summary] = [s for s in app.sessions.store.list() if s.id == info.id]
    assert "(universal-streaming-english)" in describe(summary, mask=False)
    exported = json.loads(render("json", list(app.controller.transcript.finished), info))
    assert exported["session"]["settings"]["model_in_use"] == "universal-streaming-english"
