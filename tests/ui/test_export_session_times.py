"""An export made right after Stop, or while the session runs, says how long the session was.

The session's end time and length were kept only in its journal, written by
the writer thread after Stop; what the exports read never had them, so an
export after Stop had no end time and gave the session the length of its
turns (the silence after the last line left out), and one of a live session
the same.  Now an export after Stop carries the end time and length the
journal keeps, and one of a live session its length until now.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import soundfile

from captioner.core.sessions import SessionStore
from tests.conftest import DATA

SPEECH = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0880.wav"  # 3 s


def speech_then_silence(path: Path, silence_s: float) -> Path:
    data, rate = soundfile.read(SPEECH, dtype="int16")
    quiet = np.zeros(int(rate * silence_s), dtype=np.int16)
    soundfile.write(path, np.concatenate([data, quiet]), rate, subtype="PCM_16")
    return path


def export_json(app, qtbot, out: Path) -> dict:
    app.session_actions.ask_save_path = lambda _parent, _suggested: str(out)
    with qtbot.waitSignal(app.sessions.exports.finished, timeout=10000):  # written off-thread
        app.window.exportRequested.emit()
    return json.loads(out.read_text(encoding="utf-8"))["session"]


def test_exports_live_and_after_stop_carry_the_sessions_own_length(
    make_app, qtbot, tmp_path: Path
) -> None:
    clip = speech_then_silence(tmp_path / "talk.wav", silence_s=8.0)
    data_dir = tmp_path / "sessions"
    app = make_app("--engine", "offline", "--input-file", str(clip), "--data-dir", str(data_dir))
    app.start_captioning()
    # The line is finished during the silence, while the file still plays (paced at real time).
    qtbot.waitUntil(lambda: len(app.controller.transcript.finished) > 0, timeout=30000)
    assert app.controller.running
    live = export_json(app, qtbot, tmp_path / "live.json")
    assert live["ended_at"] is None  # it has not ended
    assert live["duration_ms"] is not None and live["duration_ms"] > 0  # its length so far

    app.controller.stop()
    qtbot.waitUntil(lambda: not app.controller.running, timeout=15000)
    stopped = export_json(app, qtbot, tmp_path / "stopped.json")
    assert stopped["ended_at"] is not None and stopped["duration_ms"] is not None
    assert stopped["duration_ms"] >= live["duration_ms"]
    qtbot.waitUntil(lambda: not app.sessions.pending, timeout=15000)
    info, _turns = SessionStore(data_dir).load(stopped["id"])
    # The same end and length as the session the journal keeps (and the history shows).
    assert stopped["ended_at"] == info.to_dict()["ended_at"]
    assert stopped["duration_ms"] == info.duration_ms
