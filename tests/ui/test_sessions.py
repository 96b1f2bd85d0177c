"""Transcripts people keep: journal while captioning, recovery after a crash, history, export."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import srt
from PySide6.QtCore import QSettings
from PySide6.QtGui import QGuiApplication

from captioner.app import CaptionerApp
from captioner.cli import parse_args
from captioner.core.journal import read_journal
from captioner.core.sessions import SessionStore
from tests.conftest import DATA
from tests.fakes.v3_server import FakeV3Server, TurnScript

KEY = "test-key-sessions"
CLIP = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav"
SCRIPT = TurnScript.from_text(
    "and mister john. dashwood had then. leisure to consider. how much there might. "
    "be prudently in his. power to do. for them."
)


def journaled_texts(data_dir: Path) -> set[str]:
    """The turn texts in the (single) journal under ``data_dir`` right now."""
    return {turn.text for path in data_dir.glob("*.jsonl") for turn in read_journal(path).turns}


def rows(window) -> list[str]:
    """What the Sessions list shows (it fills when the index answers)."""
    return [window.list.item(i).text() for i in range(window.list.count())]


def run_session(app: CaptionerApp, qtbot) -> None:
    app.start_captioning()
    qtbot.waitUntil(lambda: not app.controller.running, timeout=20000)


def cloud(server: FakeV3Server, data_dir: Path) -> list[str]:
    return [
        "--engine",
        "assemblyai",
        "--input-file",
        str(CLIP),
        "--api-host",
        server.url,
        "--data-dir",
        str(data_dir),
    ]


def test_a_session_killed_with_sigkill_is_recovered_at_the_next_launch(
    make_app, qtbot, tmp_path
) -> None:
    data_dir = tmp_path / "sessions"
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "ASSEMBLYAI_API_KEY": KEY,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    # The app's stderr goes to a file: a pipe nobody reads until the end could
    # fill and stall the app, and on a timeout the failure shows what it said.
    app_log = tmp_path / "app-stderr.txt"
    with (
        FakeV3Server(api_key=KEY, script=SCRIPT, ms_per_word=120, gap_ms=200) as server,
        app_log.open("wb") as log_file,
    ):
        proc = subprocess.Popen(
            [sys.executable, "-m", "captioner", *cloud(server, data_dir), "--start"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log_file,
        )
        try:
            try:
                server.wait_for(
                    lambda s: bool(s.sessions) and len(s.sessions[0].finals_sent) >= 6, timeout=30
                )
            except TimeoutError as exc:
                said = app_log.read_text("utf-8", "replace")[-4000:]
                raise AssertionError(f"{exc}\nthe app's stderr:\n{said}") from exc
            shown = {
                text for _order, text, formatted in server.sessions[0].finals_sent if formatted
            }
            # Kill it mid-session once the app has journaled those turns (its writer
            # thread has them on disk within 100 ms of showing them).
            qtbot.waitUntil(lambda: shown <= journaled_texts(data_dir), timeout=10000)
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    app = make_app("--data-dir", str(data_dir))
    # The index looks for crashed sessions off the GUI thread; the banner follows.
    qtbot.waitUntil(lambda: app.window.recovery_banner.isVisibleTo(app.window), timeout=5000)
    assert "closed unexpectedly" in app.window.recovery_label.text()
    app.window.recoverRequested.emit()  # recovered off the GUI thread, then shown
    qtbot.waitUntil(lambda: app.session_actions.sessions_window is not None, timeout=5000)
    window = app.session_actions.sessions_window
    qtbot.waitUntil(lambda: bool(window.view.finished_texts()), timeout=5000)
    assert app.window.status_text().startswith("Recovered ")
    recovered = [t.split("  ", 1)[1] for t in window.view.finished_texts()]
    assert shown and shown <= set(recovered), (shown, recovered)
    assert len(recovered) == len(set(recovered))  # each turn exactly once
    assert not app.window.recovery_banner.isVisibleTo(app.window)
    assert not SessionStore(data_dir).unfinished()


def test_the_live_session_is_listed_at_once_and_ends_cleanly(
    make_app, qtbot, tmp_path, monkeypatch
):
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    with FakeV3Server(api_key=KEY, script=SCRIPT, ms_per_word=120) as server:
        app = make_app(*cloud(server, tmp_path / "s"))
        app.start_captioning()
        window = app.session_actions.show_sessions()
        qtbot.waitUntil(lambda: len(rows(window)) == 1 and "live" in rows(window)[0], timeout=2000)
        qtbot.waitUntil(lambda: not app.controller.running, timeout=20000)
    summary = SessionStore(tmp_path / "s").list()[0]
    assert summary.finished and not summary.live and summary.engine == "assemblyai"
    assert summary.first_words.lower().startswith("and mister john")
    qtbot.waitUntil(lambda: "live" not in rows(window)[0], timeout=2000)


def test_export_writes_srt_with_cue_times_from_word_timings(make_app, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    with FakeV3Server(api_key=KEY, script=SCRIPT, ms_per_word=120) as server:
        app = make_app(*cloud(server, tmp_path / "s"))
        run_session(app, qtbot)
    out = tmp_path / "call.srt"
    app.session_actions.ask_save_path = lambda _parent, _suggested: str(out)
    with qtbot.waitSignal(app.sessions.exports.finished, timeout=10000):  # written off-thread
        app.window.exportRequested.emit()
    cues = list(srt.parse(out.read_text(encoding="utf-8")))
    turns = app.controller.transcript.finished
    assert "Saved" in app.window.status_text()
    assert cues[0].start.total_seconds() * 1000 == pytest.approx(turns[0].start_ms, abs=1)
    assert cues[-1].end.total_seconds() * 1000 >= turns[-1].end_ms - 1
    assert "And mister john." in cues[0].content  # the formatted text, original casing


def test_export_to_an_unwritable_place_says_so_and_keeps_the_transcript(
    make_app, qtbot, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    with FakeV3Server(api_key=KEY, script=SCRIPT, ms_per_word=120) as server:
        app = make_app(*cloud(server, tmp_path / "s"))
        run_session(app, qtbot)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    app.session_actions.ask_save_path = lambda _parent, _suggested: str(blocker / "out.txt")
    with qtbot.waitSignal(app.sessions.exports.finished, timeout=10000):
        app.session_actions.export_current()
    assert "not-a-folder" in app.window.status_text()
    assert app.window.transcript.finished_texts()
    assert not list(tmp_path.glob("**/*.tmp"))


def test_a_full_disk_during_a_session_is_reported_and_captions_go_on(
    make_app, qtbot, tmp_path, monkeypatch, tiny_tmpfs
) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    full = tiny_tmpfs(size="8k")
    (full / "filler").write_bytes(b"x" * 4096)
    with FakeV3Server(api_key=KEY, script=SCRIPT, ms_per_word=120) as server:
        app = make_app(*cloud(server, full))
        run_session(app, qtbot)
    assert len(app.window.transcript.finished_texts()) == 7  # every turn still on screen
    assert (
        "disk is full" in app.window.status_text() or "not being saved" in app.window.status_text()
    )


def test_history_search_opens_the_session_at_the_line(make_app, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    with FakeV3Server(api_key=KEY, script=SCRIPT, ms_per_word=120) as server:
        app = make_app(*cloud(server, tmp_path / "s"))
        run_session(app, qtbot)
    window = app.session_actions.show_sessions()
    window.search.setText("prudently")
    qtbot.waitUntil(lambda: any("prudently" in row for row in rows(window)), timeout=2000)
    assert window.list.count() == 1
    window.list.setCurrentRow(0)
    qtbot.waitUntil(
        lambda: "prudently" in window.view.textCursor().selectedText().lower(), timeout=2000
    )
    window.search.clear()
    window.find.setText("leisure")
    window.find_next()
    assert "leisure" in window.view.textCursor().selectedText().lower()


def test_rename_copy_and_delete_from_history(make_app, qtbot, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    with FakeV3Server(api_key=KEY, script=SCRIPT, ms_per_word=120) as server:
        app = make_app(*cloud(server, tmp_path / "s"))
        run_session(app, qtbot)
    window = app.session_actions.show_sessions()
    qtbot.waitUntil(lambda: window.list.count() == 1, timeout=2000)
    window.list.setCurrentRow(0)
    qtbot.waitUntil(lambda: bool(window.view.finished_texts()), timeout=2000)
    window.ask_title = lambda _parent, _current: "Weekly call"
    renamed_on: list[threading.Thread] = []
    rename = SessionStore.rename
    monkeypatch.setattr(
        SessionStore,
        "rename",
        lambda store, *a: renamed_on.append(threading.current_thread()) or rename(store, *a),
    )
    window.rename_current()  # the journal is rewritten and synced: not on the GUI thread
    qtbot.waitUntil(
        lambda: SessionStore(tmp_path / "s").list()[0].title == "Weekly call", timeout=2000
    )
    assert renamed_on and threading.main_thread() not in renamed_on
    qtbot.waitUntil(lambda: rows(window)[0].startswith("Weekly call"), timeout=2000)
    window.copy_current()  # the text is built off the GUI thread
    qtbot.waitUntil(lambda: "leisure to consider" in QGuiApplication.clipboard().text().lower())
    window.ask_confirm = lambda _parent, _question: False
    window.delete_current()
    assert SessionStore(tmp_path / "s").list()  # said no: kept
    window.ask_confirm = lambda _parent, _question: True
    window.delete_current()  # off the GUI thread: pending, then done
    assert window.header.text() == "Deleting…"
    qtbot.waitUntil(lambda: window.header.text() == "Deleted.", timeout=2000)
    assert not SessionStore(tmp_path / "s").list()
    qtbot.waitUntil(lambda: window.list.count() == 0, timeout=2000)


def test_a_json_export_can_be_imported_back_into_history(make_app, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("ASSEMBLYAI_API_KEY", KEY)
    with FakeV3Server(api_key=KEY, script=SCRIPT, ms_per_word=120) as server:
        app = make_app(*cloud(server, tmp_path / "s"))
        run_session(app, qtbot)
    out = tmp_path / "call.json"
    app.session_actions.ask_save_path = lambda _parent, _suggested: str(out)
    with qtbot.waitSignal(app.sessions.exports.finished, timeout=10000):
        app.session_actions.export_current()
    app.session_actions.ask_open_path = lambda _parent: str(out)
    app.window.importRequested.emit()  # read and written off the GUI thread
    assert app.window.status_text().startswith("Importing")
    qtbot.waitUntil(lambda: "imported" in app.window.status_text(), timeout=5000)
    sessions = SessionStore(tmp_path / "s").list()
    assert len(sessions) == 2
    original, imported = (SessionStore(tmp_path / "s").load(s.id)[1] for s in sessions)
    assert [t.text for t in imported] == [t.text for t in original]
    assert [t.words for t in imported] == [t.words for t in original]
    notes = tmp_path / "notes.json"
    notes.write_text('{"hello": 1}')
    app.session_actions.ask_open_path = lambda _parent: str(notes)
    app.window.importRequested.emit()
    qtbot.waitUntil(lambda: "not a Captioner transcript" in app.window.status_text(), timeout=5000)


class FakeSystemAudio:
    """Stands in for a SystemAudioDevice: 'what the speakers play' is a clip."""

    def __init__(self, clip: Path) -> None:
        self.clip = clip
        self.name = "System audio — Test speakers"
        self.label = self.name + " — default"
        self.is_default = True

    def make_source(self):
        from captioner.audio.file_source import WavFileSource

        return WavFileSource(self.clip, realtime=True)


def test_call_mode_labels_each_side_in_overlay_transcript_and_export(qtbot, tmp_path: Path) -> None:
    import wave

    from captioner.audio.devices import InputDevice
    from captioner.audio.file_source import WavFileSource

    quiet = tmp_path / "quiet-mic.wav"
    with wave.open(str(quiet), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        wav.writeframes(b"\x00\x00" * 16000 * 4)
    mic = InputDevice(3, "Headset mic", "ALSA", 1, 16000.0, is_default=True)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    app = CaptionerApp(
        parse_args(["--engine", "offline", "--data-dir", str(tmp_path / "s")]),
        settings,
        list_devices=lambda: [mic],
        open_device=lambda _device: WavFileSource(quiet, realtime=True),
        list_system_sources=lambda: [
            FakeSystemAudio(DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0880.wav")
        ],
        use_tray=False,
    )
    qtbot.addWidget(app.window)
    qtbot.addWidget(app.overlay)
    panel = app.window.call_panel
    panel.set_call_mode(True)
    panel.set_names({"mic": "Me", "system": "Alex"})
    app.start_captioning()
    qtbot.waitUntil(lambda: "Alex:" in app.overlay.partial_text(), timeout=15000)
    qtbot.waitUntil(lambda: not app.controller.running, timeout=30000)
    assert any(
        line.startswith("Alex: ") and "young man" in line for line in app.overlay.history_texts()
    )
    assert any("Alex: " in line for line in app.window.transcript.finished_texts())
    assert not any("Me: " in line for line in app.window.transcript.finished_texts())
    out = tmp_path / "call.txt"
    app.session_actions.ask_save_path = lambda _parent, _suggested: str(out)
    with qtbot.waitSignal(app.sessions.exports.finished, timeout=10000):
        app.session_actions.export_current()
    assert "Alex: " in out.read_text(encoding="utf-8")
    vtt = tmp_path / "call.vtt"
    app.session_actions.ask_save_path = lambda _parent, _suggested: str(vtt)
    with qtbot.waitSignal(app.sessions.exports.finished, timeout=10000):
        app.session_actions.export_current()
    assert "<v Alex>" in vtt.read_text(encoding="utf-8")
    app.overlay.close()
