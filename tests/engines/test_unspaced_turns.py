"""Turns in scripts written without spaces (Japanese, Chinese, Thai) keep their text as sent.

The service sends such a Turn's words as written: "今日は会議です" with the
words 今日 / は / 会議 / です.  When the app builds a line from words itself
(a connection lost mid-sentence keeps the words it finalised; a connection
that joined mid-sentence keeps the words in its own window) it must not put
spaces between them.  Through the real SDK against the fake v3 server in
timeline mode.
"""

from __future__ import annotations

import re

from tests.engines.test_rollover import _run
from tests.fakes.v3_server import Faults, ScriptTurn, TurnScript

JAPANESE = (
    "今日 は 新しい 製品 の 計画 に ついて 話し 合い ます そして 来週 の 予定 も 決め ます".split()
)
SAID = "".join(JAPANESE)
SCRIPT = TurnScript(
    [
        ScriptTurn(["おはよう", "ござい", "ます"], "おはようございます。", joiner=""),
        ScriptTurn(JAPANESE, SAID + "。", joiner=""),
        ScriptTurn(["ありがとう", "ござい", "ます"], "ありがとうございます。", joiner=""),
    ]
)
BETWEEN_LETTERS = re.compile(r"(?<=[\u3040-\u30ff\u4e00-\u9fff]) (?=[\u3040-\u30ff\u4e00-\u9fff])")


def test_a_japanese_sentence_cut_by_a_lost_connection_gets_no_spaces_between_its_words() -> None:
    """The old session drops mid-sentence while a rollover waits for a pause: the words
    it finalised stay as a line, the new session's part of the sentence follows; both
    read as Japanese is written, and every word is there once."""
    listener, _sessions, spoken = _run(
        SCRIPT, 7.5, [Faults(drop_after_ms=2600), Faults(), Faults()], rollover_after_s=1.5
    )
    assert not listener.errors, listener.errors
    lines = [t.text for t in listener.transcript.finished if t.words]
    assert len(lines) > len(SCRIPT.turns), f"the sentence was cut in two: {lines}"
    assert not [line for line in lines if BETWEEN_LETTERS.search(line)], lines
    heard = "".join(w for w, _ in spoken)
    assert "".join(lines).replace("。", "") == heard
