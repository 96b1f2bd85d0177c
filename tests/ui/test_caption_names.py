"""The user's names in offline captions (Settings ▸ Captions… ▸ Names).

PocketSphinx hears every word in lower case, and a surname in no word list
("dashwood") stayed so: the reader of the captions lost the cue that a name
was said.  Typed once in Settings, it is written as typed from the next Start,
in the overlay, the transcript and what is saved.
"""

from __future__ import annotations

from tests.conftest import DATA

CLIP = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav"  # "Mr John Dashwood…"


def test_names_typed_in_settings_are_written_so_at_once_and_in_later_runs(make_app, qtbot) -> None:  # type: ignore[no-untyped-def]
    app = make_app("--input-file", str(CLIP), "--engine", "offline")

    def run(during=lambda: None) -> str:  # type: ignore[no-untyped-def]
        app.start_captioning()
        qtbot.waitUntil(lambda: bool(app.overlay.partial_text()), timeout=30_000)
        during()
        qtbot.waitUntil(lambda: not app.controller.running, timeout=60_000)  # end of file
        return " ".join(app.window.transcript.finished_texts())

    assert "John dashwood" in run()  # heard, in lower case: in no word list

    def type_names() -> None:
        dialog = app.dialogs.edit_captions()
        dialog.names_edit.setPlainText("Dashwood\nNorland")
        dialog.accept()

    # Typed while the line is being spoken: its final already has it.
    assert "John Dashwood" in run(during=type_names)
    assert "Dashwood" in " ".join(app.overlay.history_texts())
    assert "John Dashwood" in run()  # and the next run
    again = make_app("--input-file", str(CLIP), "--engine", "offline")  # the next launch
    assert again.dialogs.edit_captions().names_edit.toPlainText() == "Dashwood\nNorland"
