"""Damaged journals: every way one line can go wrong costs that line only, never a launch.

A real journal (written by the app's journal writer thread: header with
settings, turns with words and speakers, a revision, a rename) is damaged
one line at a time in every way a disk or a hand edit can: each value
swapped for each wrong JSON type, ``1e999``, a huge integer, nesting deep
enough to exhaust the parser, each key removed, single bits flipped,
the line cut short or replaced.  For every damaged file, every path the
app loads sessions by — the journal reader, the session store's listing,
crash check, load and search, the session index, crash recovery — must
not raise, must keep every turn of the undamaged lines, and must keep the
session visible (a damaged header included).
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from captioner.core.journal import JournalError, read_journal, recover_journal
from captioner.core.journal_writer import JournalWriter
from captioner.core.session import SessionInfo
from captioner.core.session_index import SessionIndex
from captioner.core.sessions import SessionStore
from captioner.core.transcript import Turn, Word

STARTED = datetime(2026, 3, 4, 10, 0, tzinfo=timezone.utc)
RAW = "\u0000raw\u0000"  # stands for a value that is JSON text, not a JSON value
DEEP = "[" * 5_000 + "]" * 5_000  # past the json module's recursion limit: RecursionError
WRONG_VALUES: list[object] = [
    "oops",
    ["a", 1],
    {"x": 1},
    None,
    True,
    -5,
    3.5,
    10**30,
    RAW + "1e999",
    RAW + "-1e999",
    RAW + "NaN",
    RAW + DEEP,
]
WHOLE_LINES = [
    b"[" * 100_000,
    b'{"type":"turn","turn":' + b"[" * 5_000,
    b"null",
    b"42",
    b'"a string"',
    b"[]",
    b"{}",
    b"\xff\xfe\x00\x01 not utf-8",
    b'{"type":"turn"}',
    b'{"type":"end"}',
    b'{"type":"session","schema":"captioner.journal","version":1,"session":[1,2]}',
]


def make_turns() -> list[Turn]:
    texts = [
        "the quick brown fox",
        "jumps over the lazy dog",
        "and then it rained",
        "all afternoon long",
        "until the evening came",
    ]
    turns = []
    for i, text in enumerate(texts):
        words = tuple(
            Word(w, i * 2000 + j * 300, i * 2000 + j * 300 + 250, 0.75 + j / 100)
            for j, w in enumerate(text.split())
        )
        speaker = "A" if i % 2 else "B"
        turns.append(Turn(f"s:{i}", i, text, words, finished=True, speaker=speaker, source="mic"))
    return turns


def write_real_journal(data_dir: Path, *, end: bool) -> Path:
    """A journal as the app writes it: on the writer thread, revised turn and rename included."""
    info = SessionInfo(
        engine="assemblyai",
        source="Built-in Microphone",
        settings={"speech_model": "universal-streaming-english", "format_turns": True},
        started_at=STARTED,
    )
    writer = JournalWriter(info, data_dir)
    writer.start()
    turns = make_turns()
    for turn in turns:
        writer.append_turn(turn)
    revised = Turn(
        turns[1].key, 1, "Jumps over the lazy dog.", turns[1].words, finished=True, formatted=True
    )
    writer.append_turn(revised)
    writer.rename("Weekly call")
    if end:
        assert writer.close(duration_ms=12_000)
    else:
        assert writer.wait_durable(timeout=5)
        assert writer.close(timeout=5)
        # The crash: no end record.  (close() wrote one; cut it off.)
        lines = writer.path.read_bytes().splitlines(keepends=True)
        writer.path.write_bytes(b"".join(lines[:-1]))
    return writer.path


def _replace_value(record: dict, path: tuple[str, ...], value: object) -> bytes:
    """The record with the value at ``path`` replaced (``RAW…``: spliced in as JSON text)."""
    copy = json.loads(json.dumps(record))
    target = copy
    for key in path[:-1]:
        target = target[key][0] if isinstance(target[key], list) else target[key]
    raw = None
    if isinstance(value, str) and value.startswith(RAW):
        raw, value = value[len(RAW) :], "\u0001placeholder\u0001"
    target[path[-1]] = value
    text = json.dumps(copy, separators=(",", ":"))
    if raw is not None:
        text = text.replace(json.dumps("\u0001placeholder\u0001"), raw)
    return text.encode()


def _delete(record: dict, path: tuple[str, ...]) -> bytes:
    copy = json.loads(json.dumps(record))
    target = copy
    for key in path[:-1]:
        target = target[key][0] if isinstance(target[key], list) else target[key]
    del target[path[-1]]
    return json.dumps(copy, separators=(",", ":")).encode()


def _paths(record: dict) -> Iterator[tuple[str, ...]]:
    """Every key of a record, of its nested object, and of its first word."""
    for key, value in record.items():
        yield (key,)
        if isinstance(value, dict):
            for inner, inner_value in value.items():
                yield (key, inner)
                if inner == "words" and inner_value:
                    for word_key in inner_value[0]:
                        yield (key, inner, word_key)


def damaged_versions(
    line: bytes, rng: random.Random, *, swaps: bool
) -> Iterator[tuple[str, bytes]]:
    record = json.loads(line)
    for path in _paths(record) if swaps else ():
        name = ".".join(path)
        for value in WRONG_VALUES:
            shown = value[len(RAW) :][:12] if isinstance(value, str) and RAW in value else value
            yield f"{name}={shown!r}", _replace_value(record, path, value)
        yield f"no {name}", _delete(record, path)
    for _ in range(10):
        position, bit = rng.randrange(len(line)), rng.randrange(8)
        flipped = bytearray(line)
        flipped[position] ^= 1 << bit
        yield f"bit {bit} of byte {position} flipped", bytes(flipped)
    for fraction in (0.25, 0.5, 0.75):
        yield f"cut at {fraction:.0%}", line[: int(len(line) * fraction)]
    yield "last byte cut", line[:-1]
    for i, whole in enumerate(WHOLE_LINES):
        yield f"replaced by junk #{i}", whole


def cases(journal: Path) -> Iterator[tuple[int, str, bytes]]:
    """Every damage to every line; value swaps on one line of each shape (the rest repeat it)."""
    lines = journal.read_bytes().splitlines()
    rng = random.Random(12)  # fixed: a failure names its case and repeats
    shapes: set[tuple[str, bool]] = set()
    for number, line in enumerate(lines):
        record = json.loads(line)
        shape = (record["type"], bool(record.get("turn", {}).get("formatted")))
        swaps = shape not in shapes
        shapes.add(shape)
        for name, damaged in damaged_versions(line, rng, swaps=swaps):
            if damaged != line:
                yield number, name, damaged


def turn_of(line: bytes) -> tuple[str, str] | None:
    record = json.loads(line)
    if record.get("type") != "turn":
        return None
    return record["turn"]["key"], record["turn"]["text"]


def expected_turns(lines: list[bytes], damaged_number: int) -> dict[str, str]:
    """Key → text from the undamaged lines alone (the last record of a key wins)."""
    expected: dict[str, str] = {}
    for number, line in enumerate(lines):
        if number != damaged_number and (pair := turn_of(line)) is not None:
            expected[pair[0]] = pair[1]
    return expected


def check_kept(turns: list[Turn], expected: dict[str, str], damaged: bytes) -> None:
    """Every undamaged turn is there, unless the damaged line itself still reads as its revision."""
    got = {turn.key: turn.text for turn in turns}
    for key, text in expected.items():
        assert key in got, f"turn {key} lost"
        if got[key] != text:
            # A byte flip can leave a readable record with another key or text;
            # it may then stand as the latest record of that key, nothing else.
            assert got[key].encode() in damaged or json.dumps(got[key]).encode() in damaged


def mentions(turns: list[Turn], phrase: str) -> bool:
    return any(phrase in turn.text.lower() for turn in turns)


@pytest.mark.parametrize("ended", [False, True], ids=["crashed", "ended"])
def test_no_damaged_line_stops_loading_or_costs_another_turn(tmp_path: Path, ended: bool) -> None:
    original = write_real_journal(tmp_path / "original", end=ended)
    lines = original.read_bytes().splitlines()
    folder = tmp_path / "sessions"
    folder.mkdir()
    journal = folder / original.name
    store = SessionStore(folder)
    index = SessionIndex(store)
    session_id = original.stem
    checked = 0
    for number, name, damaged in cases(original):
        case = f"line {number + 1}, {name}"
        body = [*lines[:number], damaged, *lines[number + 1 :]]
        journal.write_bytes(b"\n".join(body) + b"\n")
        expected = expected_turns(lines, number)

        contents = read_journal(journal)  # never raises for a damaged line
        check_kept(contents.turns, expected, damaged)
        assert contents.info.id == session_id, case

        [summary] = store.list()  # the session stays in the history…
        assert summary.id == session_id and summary.turn_count >= len(expected), case
        if not ended:  # …and a crashed one stays offered for recovery,
            assert [s.id for s in store.unfinished()] == [session_id], case
        if contents.damaged:
            assert summary.damaged_lines >= 1, case  # …marked as damaged

        index.invalidate(session_id)
        listing = index.listing()
        assert [s.id for s in listing.summaries] == [session_id] and listing.error is None, case
        if contents.damaged:
            assert [s.id for s in listing.damaged] == [session_id], case
        loaded = index.read(session_id)
        assert loaded.error is None, case
        check_kept(loaded.turns, expected, damaged)
        assert bool(index.find("lazy dog").hits) == mentions(loaded.turns, "lazy dog"), case

        if not ended:
            copy = tmp_path / "recover" / journal.name
            copy.parent.mkdir(exist_ok=True)
            shutil.copyfile(journal, copy)
            recovered = recover_journal(copy)
            check_kept(recovered.turns, expected, damaged)
            after = read_journal(copy)
            assert after.ended and after.recovered, case
            check_kept(after.turns, expected, damaged)
        checked += 1
    assert checked > 500  # the damage really was this varied
    print(f"\n{checked} damaged versions of a {len(lines)}-line journal loaded")


def test_a_header_with_a_flipped_byte_still_offers_the_crashed_session(tmp_path: Path) -> None:
    journal = write_real_journal(tmp_path / "sessions", end=False)
    lines = journal.read_bytes().splitlines()
    header = bytearray(lines[0])
    header[header.index(b'"session":{') + 1] ^= 0x20  # "Session": the header no longer reads
    journal.write_bytes(b"\n".join([bytes(header), *lines[1:]]) + b"\n")

    [crashed] = SessionStore(journal.parent).unfinished()
    assert crashed.id == journal.stem and crashed.turn_count == 5
    assert crashed.started_at == STARTED  # read from the header's text
    assert crashed.title == "Weekly call" and crashed.engine == "assemblyai"
    assert crashed.damaged_lines == 1
    turns = SessionStore(journal.parent).recover(crashed.id)
    assert [t.text for t in turns][1] == "Jumps over the lazy dog."
    [summary] = SessionStore(journal.parent).list()
    assert summary.finished and summary.recovered


def test_a_header_lost_entirely_takes_the_start_from_the_first_record(tmp_path: Path) -> None:
    journal = write_real_journal(tmp_path / "sessions", end=True)
    lines = journal.read_bytes().splitlines()
    journal.write_bytes(b"\n".join([b"\x00" * 40, *lines[1:]]) + b"\n")
    contents = read_journal(journal)
    assert contents.header_damaged and contents.ended and len(contents.turns) == 5
    first_at = datetime.fromisoformat(json.loads(lines[1])["at"])
    assert contents.info.started_at == first_at
    assert contents.info.id == journal.stem


def test_a_file_that_is_no_journal_at_all_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / ("a" * 32 + ".jsonl")
    path.write_text('{"name": "something else"}\n{"type": "other"}\n')
    with pytest.raises(JournalError, match="not a Captioner session journal"):
        read_journal(path)
    assert SessionStore(tmp_path).list() == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("duration_ms", '"oops"'),
        ("duration_ms", "1e999"),
        ("ended_at", '"0001-01-01T00:00:00+05:00"'),
        ("recovered", '"yes"'),
    ],
)
def test_a_damaged_end_record_leaves_the_session_recoverable(
    tmp_path: Path, field: str, value: str
) -> None:
    journal = write_real_journal(tmp_path / "sessions", end=True)
    lines = journal.read_bytes().splitlines()
    end = json.loads(lines[-1])
    end[field] = "\u0001"
    broken = json.dumps(end, separators=(",", ":")).replace('"\\u0001"', value).encode()
    journal.write_bytes(b"\n".join([*lines[:-1], broken]) + b"\n")
    [summary] = SessionStore(journal.parent).list()
    assert summary.crashed and summary.damaged_lines == 1 and summary.turn_count == 5
    assert len(SessionStore(journal.parent).recover(summary.id)) == 5
