"""A line filled in after a reconnect is exported as normal text (the mark is for views).

It is the cloud's text like any other; "(filled in)" says where it appeared
on screen, which means nothing in a file or a subtitle.  JSON keeps the flag,
so an imported transcript shows the mark again.
"""

from __future__ import annotations

import json
from pathlib import Path

from captioner.core.export import export, import_json, to_srt, to_txt
from captioner.core.transcript import Turn, Word


def turn(key: str, text: str, start: int, **kw: object) -> Turn:
    words = tuple(
        Word(w, start + 300 * i, start + 300 * i + 250) for i, w in enumerate(text.split())
    )
    return Turn(key, 0, text, words, True, **kw)  # type: ignore[arg-type]


TURNS = [
    turn("a:0", "Before the drop.", 1_000),
    turn("b:0", "Said while it was down.", 20_000, recovered=True),
    turn("c:0", "Said after the reconnect.", 40_000),
]


def test_exports_keep_a_filled_in_line_as_plain_text_and_json_keeps_the_flag(
    tmp_path: Path,
) -> None:
    assert "Said while it was down." in to_txt(TURNS) and "filled in" not in to_txt(TURNS)
    assert "filled in" not in to_srt(TURNS)
    path = tmp_path / "t.json"
    export(path, TURNS)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert [t.get("recovered", False) for t in document["turns"]] == [False, True, False]
    assert import_json(path) == (None, TURNS)
