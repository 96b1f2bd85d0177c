"""Defects the fake v3 server can put into the messages it sends (``Faults.defects``).

Each names one change to one message type, the kind a service that changed
its format (or a bug in it) would make: a field left out, ``null`` where a
number or a list belongs, a word item that is not an object.  The message is
otherwise the one the fake would send; ``Faults.defective_turns`` limits the
Turn defects to some turn orders.  Unlike ``Faults.malformed_after_ms`` they
are not one-shot: every matching message from Begin on carries them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Container, Sequence
from typing import Any

Message = dict[str, Any]


def _first_word(change: Callable[[Message], None]) -> Callable[[Message], None]:
    """Apply ``change`` to the first word of a Turn (a Turn without words is left alone)."""

    def apply(message: Message) -> None:
        if message.get("words"):
            change(message["words"][0])

    return apply


def _every_word(change: Callable[[Message], None]) -> Callable[[Message], None]:
    def apply(message: Message) -> None:
        for word in message.get("words") or []:
            change(word)

    return apply


def _second_item_not_an_object(message: Message) -> None:
    if message.get("words"):
        message["words"].insert(1, "oops")


def _revised_words_without_end(message: Message) -> None:
    for revision in message.get("revisions", []):
        for word in revision.get("words", [])[:1]:
            word.pop("end", None)


# name → (message type, change made to a copy of the message)
DEFECTS: dict[str, tuple[str, Callable[[Message], None]]] = {
    # Turn fields the app can do without.
    "turn_no_end_of_turn_confidence": ("Turn", lambda m: m.pop("end_of_turn_confidence")),
    "turn_no_turn_is_formatted": ("Turn", lambda m: m.pop("turn_is_formatted")),
    "turn_words_null": ("Turn", lambda m: m.update(words=None)),
    "turn_speaker_label_number": ("Turn", lambda m: m.update(speaker_label=7)),
    "turn_word_confidence_null": ("Turn", _first_word(lambda w: w.update(confidence=None))),
    "turn_words_without_final_flag": ("Turn", _every_word(lambda w: w.pop("word_is_final"))),
    # A word that cannot be placed (no start), and an item that is no word at all.
    "turn_word_without_start": ("Turn", _first_word(lambda w: w.pop("start"))),
    "turn_word_not_an_object": ("Turn", _second_item_not_an_object),
    # Turn fields it cannot do without.
    "turn_no_turn_order": ("Turn", lambda m: m.pop("turn_order")),
    "turn_transcript_null": ("Turn", lambda m: m.update(transcript=None)),
    # Other messages.
    "begin_no_expires_at": ("Begin", lambda m: m.pop("expires_at")),
    "begin_no_id": ("Begin", lambda m: m.pop("id")),
    "termination_fractional_seconds": (
        "Termination",
        lambda m: m.update(audio_duration_seconds=m["audio_duration_seconds"] + 0.5),
    ),
    "revision_word_without_end": ("SpeakerRevision", _revised_words_without_end),
}


def with_defects(message: Message, names: Sequence[str], turns: Container[int] | None) -> Message:
    """``message`` with the defects among ``names`` that apply to it (a copy if any do).

    ``turns``: the turn orders the Turn defects apply to (``None``: every Turn).
    """
    kind = message.get("type")
    if kind == "Turn" and turns is not None and message.get("turn_order") not in turns:
        return message
    changed: Message | None = None
    for name in names:
        target, change = DEFECTS[name]
        if target == kind:
            changed = changed if changed is not None else copy.deepcopy(message)
            change(changed)
    return changed if changed is not None else message
