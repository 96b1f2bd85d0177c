"""The transcript model folds growing partials and finals into what readers see."""

from __future__ import annotations

from captioner.core.transcript import ChangeKind, Transcript, TurnUpdate, Word


def upd(key: str, text: str, *, final: bool = False, formatted: bool = False, start: int = 0):
    words = tuple(
        Word(w, start + i * 300, start + i * 300 + 250, 0.9) for i, w in enumerate(text.split())
    )
    return TurnUpdate(
        key=key,
        order=int(key.split(":")[-1]),
        text=text,
        words=words,
        end_of_turn=final,
        formatted=formatted,
    )


def test_partials_replace_the_in_progress_text_of_their_turn() -> None:
    t = Transcript()
    t.apply(upd("a:0", "hello"))
    t.apply(upd("a:0", "hello there"))
    assert [p.text for p in t.partials.values()] == ["hello there"]
    assert len(t) == 0


def test_end_of_turn_freezes_and_formatted_final_replaces_text_in_place() -> None:
    t = Transcript()
    t.apply(upd("a:0", "hello there"))
    first = t.apply(upd("a:0", "hello there", final=True))
    assert first.kind is ChangeKind.FINISHED and first.index == 0
    assert not t.partials
    revised = t.apply(upd("a:0", "Hello there.", final=True, formatted=True))
    assert revised.kind is ChangeKind.REVISED and revised.index == 0
    assert [turn.text for turn in t] == ["Hello there."]
    assert t.finished[0].formatted


def test_late_updates_for_a_finished_turn_are_ignored() -> None:
    t = Transcript()
    t.apply(upd("a:0", "hi", final=True))
    t.apply(upd("a:0", "Hi.", final=True, formatted=True))
    assert t.apply(upd("a:0", "hi again")).kind is ChangeKind.IGNORED
    assert t.apply(upd("a:0", "hi", final=True)).kind is ChangeKind.IGNORED
    assert [turn.text for turn in t] == ["Hi."] and not t.partials


def test_word_timings_and_confidences_are_kept() -> None:
    t = Transcript()
    t.apply(upd("a:3", "one two three", final=True, start=1000))
    turn = t.finished[0]
    assert (turn.start_ms, turn.end_ms) == (1000, 1850)
    assert [w.confidence for w in turn.words] == [0.9, 0.9, 0.9]


def test_same_turn_order_from_another_connection_is_a_different_turn() -> None:
    t = Transcript()
    t.apply(upd("aai-1:0", "first run", final=True))
    t.apply(upd("aai-2:0", "second run", final=True, start=5000))
    assert [turn.text for turn in t] == ["first run", "second run"]


def test_turn_that_started_earlier_is_slotted_by_start_time() -> None:
    t = Transcript()
    t.apply(upd("a:1", "later words", final=True, start=4000))
    change = t.apply(upd("b:1", "earlier words", final=True, start=1000))
    assert change.index == 0
    assert [turn.text for turn in t] == ["earlier words", "later words"]
    # the index still finds each turn for a formatted revision
    assert t.apply(upd("a:1", "Later words.", final=True, formatted=True)).index == 1


def test_empty_final_drops_the_in_progress_line() -> None:
    t = Transcript()
    t.apply(upd("a:0", "uh"))
    assert t.apply(upd("a:0", "", final=True)).kind is ChangeKind.DROPPED
    assert not t.partials and len(t) == 0


def test_finish_partials_keeps_words_the_reader_already_saw() -> None:
    t = Transcript()
    t.apply(upd("a:0", "cut off mid"))
    t.finish_partials()
    assert [turn.text for turn in t] == ["cut off mid"] and not t.partials


def test_listeners_hear_every_change_but_not_ignored_ones() -> None:
    t = Transcript()
    seen = []
    t.subscribe(lambda change: seen.append(change.kind))
    t.apply(upd("a:0", "x"))
    t.apply(upd("a:0", "x", final=True))
    t.apply(upd("a:0", "x", final=True))
    assert seen == [ChangeKind.PARTIAL, ChangeKind.FINISHED]


def test_latest_partial_is_the_most_recently_updated() -> None:
    t = Transcript()
    t.apply(upd("a:0", "one"))
    t.apply(upd("b:0", "two"))
    t.apply(upd("a:0", "one more"))
    latest = t.latest_partial()
    assert latest is not None and latest.text == "one more"
