"""Subtitle cue building: the rules in captioner/core/cues.py, as examples and properties."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from captioner.core.cues import (
    GLUE,
    Cue,
    CueLimits,
    build_cues,
    clean_tokens,
    cues_from_words,
    label_prefix,
    layout,
    schedule,
    timed_words,
    width,
)
from captioner.core.transcript import Turn, Word

LIMITS = CueLimits()


def words(*specs: tuple[str, int, int]) -> list[Word]:
    return [Word(text, start, end) for text, start, end in specs]


def steady(text: str, start: int = 0, ms: int = 300, gap: int = 0) -> list[Word]:
    """Words of ``text`` spoken one every ``ms + gap`` milliseconds."""
    out, t = [], start
    for token in text.split():
        out.append(Word(token, t, t + ms))
        t += ms + gap
    return out


def turn(text: str, ws: list[Word] | tuple[Word, ...] = (), **kw: object) -> Turn:
    return Turn(key=kw.pop("key", "k"), order=0, text=text, words=tuple(ws), finished=True, **kw)


# -- checks shared by examples and properties ---------------------------------


def check_cues(cues: list[Cue], limits: CueLimits = LIMITS) -> None:
    for k, cue in enumerate(cues):
        following = cues[k + 1] if k + 1 < len(cues) else None
        assert cue.start_ms >= 0
        assert cue.end_ms > cue.start_ms, cue
        if following is not None:
            assert cue.end_ms <= following.start_ms, (cue, following)  # ordered, no overlap
        # Layout: ≤ 2 lines, ≤ 42 columns, except a line that is one over-long word.  Columns,
        # not len(): a soft hyphen or a combining mark takes none (hypothesis found
        # "0\xad" + 40 letters: 43 code points, 42 columns, laid out right).
        assert 1 <= len(cue.lines) <= limits.max_lines, cue.lines
        for number, line in enumerate(cue.lines):
            reserve = len(label_prefix(cue.label)) if cue.opens_turn and number == 0 else 0
            assert line == line.strip() and line
            assert width(line) + reserve <= limits.max_chars or " " not in line, (line, reserve)
        texts = [w.text for w in cue.words]
        if any(GLUE in text for text in texts):  # pieces of a run, glued back together
            assert "".join("".join(cue.lines).split()) == "".join(texts).replace(GLUE, "")
        else:
            assert " ".join(cue.lines).split() == texts
        # Duration: ≤ 7 s unless one word is longer on its own.
        duration = cue.end_ms - cue.start_ms
        lone_long = len(cue.words) == 1 and cue.words[0].end_ms - cue.words[0].start_ms
        assert duration <= max(limits.max_ms, lone_long or 0), cue
        # ≥ 1 s, unless cut short for the next cue (which then starts right at its end).
        assert duration >= limits.floor_ms
        if duration < limits.min_ms:
            assert following is not None and following.start_ms == cue.end_ms, cue
        # Times follow the words: starts at its first word (or right after the
        # previous cue when crammed words pushed it), shows its last word to the end
        # (or until the next cue).
        first_start = cue.words[0].start_ms
        assert cue.start_ms >= first_start
        if cue.start_ms > first_start:
            assert k > 0 and cues[k - 1].end_ms == cue.start_ms
        last_end = max(w.end_ms for w in cue.words)
        if cue.end_ms < last_end:
            assert following is not None and following.start_ms == cue.end_ms


# -- examples --------------------------------------------------------------------


def test_short_turn_is_one_cue_from_first_word_to_last_extended_to_a_second() -> None:
    [cue] = build_cues([turn("Hello there.", words(("Hello", 500, 700), ("there.", 700, 900)))])
    assert (cue.start_ms, cue.end_ms, cue.lines) == (500, 1500, ("Hello there.",))


def test_a_lone_short_word_is_extended_only_up_to_the_next_cue() -> None:
    cues = build_cues(
        [
            turn("Yes.", words(("Yes.", 0, 200)), key="a"),
            turn("No.", words(("No.", 700, 900)), key="b"),
        ]
    )
    assert [(c.start_ms, c.end_ms) for c in cues] == [(0, 700), (700, 1700)]
    check_cues(cues)


def test_crammed_cues_are_shown_at_least_the_floor_and_the_next_one_waits() -> None:
    cues = build_cues(
        [
            turn("Yes.", words(("Yes.", 0, 100)), key="a"),
            turn("No.", words(("No.", 100, 200)), key="b"),
        ]
    )
    assert [(c.start_ms, c.end_ms) for c in cues] == [(0, 500), (500, 1500)]
    check_cues(cues)


def test_long_text_wraps_into_balanced_lines_and_splits_into_cues() -> None:
    text = (
        "And mister John Dashwood had then leisure to consider how much there might "
        "prudently be in his power to do for them, and he was very ready to do it."
    )
    cues = build_cues([turn(text, steady(text, ms=250))])
    check_cues(cues)
    assert len(cues) >= 2
    assert all(len(c.lines) <= 2 for c in cues)
    assert " ".join(" ".join(c.lines) for c in cues) == text
    two_lines = [c for c in cues if len(c.lines) == 2]
    assert two_lines and all(abs(len(c.lines[0]) - len(c.lines[1])) <= 12 for c in two_lines)


def test_cue_never_spans_more_than_seven_seconds() -> None:
    slow = steady("one two three four five six seven eight nine ten", ms=900, gap=100)
    cues = cues_from_words(slow)
    assert all(c.end_ms - c.start_ms <= 7000 for c in schedule(cues))
    assert len(cues) == 2


def test_a_pause_starts_a_new_cue_and_the_sentence_end_another() -> None:
    ws = words(("Right.", 0, 1200), ("So", 1300, 1500), ("then", 4000, 4300))
    cues = build_cues([turn("Right. So then", ws)])
    assert [c.lines for c in cues] == [("Right.",), ("So",), ("then",)]
    check_cues(cues)


def test_an_over_long_word_gets_a_line_of_its_own_and_is_never_broken() -> None:
    long = "Donaudampfschifffahrtsgesellschaftskapitänsmütze"  # 48 characters
    ws = steady(f"the {long} is here")
    cues = build_cues([turn(f"the {long} is here", ws)])
    check_cues(cues)
    assert any(long in c.lines for c in cues)


def test_a_word_longer_than_seven_seconds_is_a_cue_of_its_own_full_length() -> None:
    ws = words(("Ommmm", 0, 9000), ("done", 9000, 9300))
    cues = build_cues([turn("Ommmm done", ws)])
    assert [(c.start_ms, c.end_ms, c.lines) for c in cues] == [
        (0, 9000, ("Ommmm",)),
        (9000, 10000, ("done",)),
    ]


def test_speaker_prefix_is_reserved_on_the_first_line_of_the_turns_first_cue() -> None:
    text = "x" * 20 + " " + "y" * 20  # 41 characters: fits alone, not after ">> A: "
    [cue] = build_cues([turn(text, steady(text), speaker="A")], labels=["A"])
    assert cue.lines == ("x" * 20, "y" * 20)
    assert cue.label == "A" and cue.opens_turn


def test_formatted_text_takes_the_word_timings_when_the_counts_match() -> None:
    ws = words(("and", 0, 300), ("mister", 300, 600), ("john", 600, 900))
    got = timed_words(turn("And Mr. John.", ws), 0)
    assert [(w.text, w.start_ms, w.end_ms) for w in got] == [
        ("And", 0, 300),
        ("Mr.", 300, 600),
        ("John.", 600, 900),
    ]


def test_formatted_text_with_another_word_count_is_spread_over_the_turn() -> None:
    ws = words(("twenty", 0, 500), ("five", 500, 1000))
    got = timed_words(turn("25", ws), 0)
    assert [(w.text, w.start_ms, w.end_ms) for w in got] == [("25", 0, 1000)]
    got = timed_words(turn("aa bb", words(("aabb", 0, 1000))), 0)
    assert [(w.text, w.start_ms, w.end_ms) for w in got] == [("aa", 0, 500), ("bb", 500, 1000)]


def test_turns_without_timings_follow_the_previous_turn_at_a_reading_pace() -> None:
    cues = build_cues(
        [
            turn("timed words", words(("timed", 1000, 1500), ("words", 1500, 2000)), key="a"),
            turn("no timings at all here", key="b"),
        ]
    )
    check_cues(cues)
    assert cues[1].start_ms == 2000
    assert cues[1].end_ms == 2000 + 60 * len("no timings at all here")


def test_zero_length_words_and_control_characters() -> None:
    ws = words(("a\x00b", 100, 100), ("\n", 100, 100), ("c\td", 100, 100))
    cues = build_cues([turn("a\x00b c\td", ws)])
    assert [w.text for c in cues for w in c.words] == ["ab", "c", "d"]
    check_cues(cues)


def test_layout_prefers_one_line_then_balance() -> None:
    assert layout(["short", "line"]) == ["short line"]
    texts = ("a" * 10 + " " + "b" * 30 + " " + "c" * 10).split()
    top, bottom = layout(texts)
    assert max(len(top), len(bottom)) <= 42


def test_japanese_without_spaces_is_cut_into_readable_lines_and_cues() -> None:
    """Chinese and Japanese have no spaces: a long sentence is cut after its commas (or
    every few characters), never before a closing mark, and pieces rejoin without a
    space; a line is at most 42 columns, a wide character taking two."""
    ja = (
        "今四半期の計画は、まず新しいインポーターを出荷し、"
        "その後、長い講演の字幕レイアウトをもう一度見直すことです。"
    )
    tokens = clean_tokens(ja)
    assert "".join(tokens).replace(GLUE, "") == ja and len(tokens) > 3
    assert tokens[0] == "今四半期の計画は、"
    assert all(not t.lstrip(GLUE).startswith(("、", "。")) for t in tokens)
    cues = schedule(cues_from_words([Word(ja, 0, 10_000)]))
    check_cues(cues)
    assert len(cues) >= 2
    assert "".join(line for c in cues for line in c.lines) == ja  # no space slipped in
    assert all(width(line) <= 42 for c in cues for line in c.lines)
    assert layout(["Tokyo", "東京は", GLUE + "大きい"]) == ["Tokyo 東京は大きい"]
    assert layout(["東京", "大阪"]) == ["東京 大阪"]  # a space in the text stays


# -- properties --------------------------------------------------------------------

word_text = st.one_of(
    st.text(min_size=1, max_size=12),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzé,.?!'", min_size=1, max_size=9),
    st.text(alphabet="xyz", min_size=40, max_size=60),  # longer than a line
    st.text(alphabet="今日は東京の天気、。」ーabc", min_size=1, max_size=40),  # no spaces
)


@st.composite
def timed_word_lists(draw: st.DrawFn, max_words: int = 40) -> list[Word]:
    """Monotonic starts; durations and gaps include zero, pauses and very long words."""
    texts = draw(st.lists(word_text, max_size=max_words))
    out, t = [], draw(st.integers(0, 5000))
    for text in texts:
        t += draw(st.one_of(st.just(0), st.integers(0, 400), st.integers(1000, 9000)))
        duration = draw(st.one_of(st.just(0), st.integers(1, 800), st.integers(6000, 12000)))
        out.append(Word(text, t, t + duration, 1.0))
        t += duration
    return out


def expected_tokens(ws: list[Word]) -> list[str]:
    return [token for w in ws for token in clean_tokens(w.text)]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(timed_word_lists(), st.one_of(st.none(), st.sampled_from(["A", "Speaker 12"])))
def test_property_one_turn_gives_valid_cues_with_every_word_once_in_order(
    ws: list[Word], label: str | None
) -> None:
    cues = schedule(cues_from_words(ws, label=label))
    check_cues(cues)
    assert [w.text for c in cues for w in c.words] == expected_tokens(ws)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(timed_word_lists(max_words=15), st.sampled_from([None, "A", "B"])),
        max_size=6,
    ),
    st.booleans(),
)
@example([([Word("0\xad", 0, 0), Word("x" * 40, 0, 0)], None)], False)  # found in CI, run 38b
def test_property_whole_transcripts_including_untimed_and_overlapping_turns(
    parts: list[tuple[list[Word], str | None]], drop_timings: bool
) -> None:
    turns = []
    for i, (ws, speaker) in enumerate(parts):
        text = " ".join(w.text for w in ws)
        kept = () if drop_timings and i % 2 else tuple(ws)
        turns.append(turn(text, kept, key=f"t{i}", speaker=speaker))
    labels = [t.speaker for t in turns]
    cues = build_cues(turns, labels=labels)
    check_cues(cues)
    # Every turn's words, in order, exactly once (turns may interleave in time).
    for i, t in enumerate(turns):
        shown = [w.text for c in cues if c.turn_index == i for w in c.words]
        assert shown == clean_tokens(t.text)
