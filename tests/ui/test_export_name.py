"""File ▸ Export and Sessions ▸ Export suggest the same name for the same session.

File ▸ Export suggested "Transcript <time of the export>": a session begun
before midnight and exported after it got the next day's date, and a
renamed session's title was ignored, while the Sessions window suggested
its title or start time.  Both now name it by its title, else its start.
"""

from __future__ import annotations

from pathlib import Path

from captioner.core.sessions import SessionStore
from tests.conftest import DATA

SPEECH = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0880.wav"  # 3 s


def suggested(ask_owner) -> str:  # type: ignore[no-untyped-def]
    """The name the save dialog would have offered, asked through ``ask_owner``'s export."""
    names: list[str] = []
    ask_owner.ask_save_path = lambda _parent, suggestion: names.append(suggestion) or ""
    ask_owner.export_current()
    return Path(names[0]).stem


def test_both_exports_suggest_the_sessions_title_or_start(make_app, qtbot, tmp_path) -> None:
    data_dir = tmp_path / "sessions"
    app = make_app("--engine", "offline", "--input-file", str(SPEECH), "--data-dir", str(data_dir))
    app.start_captioning()
    qtbot.waitUntil(lambda: len(app.controller.transcript.finished) > 0, timeout=30000)
    app.controller.stop()
    qtbot.waitUntil(lambda: not app.controller.running and not app.sessions.pending, timeout=15000)
    info = SessionStore(data_dir).list()[0]
    window = app.session_actions.show_sessions(info.id)
    qtbot.waitUntil(lambda: bool(window.view.finished_texts()), timeout=5000)

    started = info.started_at.astimezone().strftime("%Y-%m-%d %H-%M")
    assert suggested(app.session_actions) == suggested(window) == f"Transcript {started}"

    window.ask_title = lambda _parent, _current: "Budget review"
    window.rename_current()  # after Stop: the stored session is renamed
    qtbot.waitUntil(lambda: SessionStore(data_dir).list()[0].title == "Budget review")
    qtbot.waitUntil(lambda: suggested(window) == "Transcript Budget review")
    qtbot.waitUntil(lambda: suggested(app.session_actions) == "Transcript Budget review")


def test_a_title_with_characters_file_systems_refuse_suggests_a_name_they_take() -> None:
    # "Sync: Q4 / plans?" as a file name: refused by a USB stick (FAT, exFAT) or a Windows
    # share, and on Linux the "/" made a folder path of it.
    from captioner.core.session import SessionInfo
    from captioner.ui.export_place import file_stem

    stem = file_stem(SessionInfo("offline", title='Sync: Q4 / plans? "draft" <v2>|*\\\x07'))
    assert stem == "Transcript Sync- Q4 - plans- -draft- -v2-----"
    assert file_stem(SessionInfo("offline", title="Réunion équipe 日本")) == (
        "Transcript Réunion équipe 日本"  # letters of any script stay
    )
