"""A file input read despite a damaged header says so in the status line (issue 12 item 7).

The reader's warning ("the file's header gives … bytes of audio but … are
there") used to reach only the log; the status line said "Listening" as if
the file were sound.
"""

from __future__ import annotations

from pathlib import Path

from tests.test_transcribe_export import short_header_wav


def test_the_header_warning_shows_with_listening(make_app, qtbot, tmp_path: Path) -> None:
    wav = tmp_path / "short-header.wav"
    short_header_wav(wav, seconds=6)
    app = make_app("--engine", "offline", "--input-file", str(wav))
    app.start_captioning()
    # Shown when the file opens, and still there once the engine says "Listening".
    qtbot.waitUntil(lambda: "header gives" in app.window.status_text(), timeout=30000)
    qtbot.waitUntil(
        lambda: (
            app.window.status_text().startswith("Listening. ")
            and "short-header.wav: the file's header gives 96,000 bytes" in app.window.status_text()
        ),
        timeout=30000,
    )
    app.controller.stop()
    qtbot.waitUntil(lambda: not app.controller.running, timeout=15000)
