"""Server messages that fail the SDK's validation: keep what the app can use.

The SDK validates each server message against a strict pydantic model, and
one field out of line (a ``Turn`` without ``end_of_turn_confidence``, a word
with ``confidence: null`` or no ``word_is_final``, ``words: null``) fails the
whole message.  Dropping it cost the words: a server that changed one field
the app never reads made *every* Turn vanish, the user saw no captions and
nothing said why.  Of a Turn the app needs its order, its text and whether
it ended; the rest has a safe default or can go.

So a message that fails is validated again against a lenient twin of its
model (a subclass, so the handlers get the type they expect) in which each
field the app can do without has a default, and each error's ``loc`` says
where to mend: a bad field that has a default is removed (the default
stands in), a bad item of a list is removed (a word without a time), and the
message is given up only when a field it cannot do without is bad (a Turn's
``turn_order``, ``transcript``, ``end_of_turn``).  Nothing here is about a
particular defect: a new one is mended the same way.

:class:`Salvager` does this for one connection and says what it mended or
gave up once per kind of defect, not once per message (a server sends ~10
Turns a second), and never with the message's contents.
"""

from __future__ import annotations

import copy
import logging
import types
import typing
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Union

from assemblyai.streaming.v3.models import (
    BeginEvent,
    ErrorEvent,
    HeartbeatEvent,
    LLMGatewayResponseEvent,
    SpeakerRevisionEvent,
    SpeakerRevisionItem,
    SpeechStartedEvent,
    TerminationEvent,
    TurnEvent,
    WarningEvent,
    Word,
)
from pydantic import BaseModel, Field, ValidationError

log = logging.getLogger(__name__)

Loc = Sequence[str | int]


class SalvagedWord(Word):
    """A word whose time and text are known; the rest may not be."""

    # Unknown is 1.0 throughout the app (core.transcript.Word, a journal without it).
    confidence: float = 1.0
    # Read as final, as the link reads a word from a server that sends no flag:
    # a dropped connection keeps the words the user saw.
    word_is_final: bool = True


class SalvagedTurn(TurnEvent):
    """A Turn with its order, text and end flag; nothing else is needed to show it."""

    turn_is_formatted: bool = False
    end_of_turn_confidence: float = 0.0
    # No words: the line has no timings, and exports place it after the one before.
    words: list[SalvagedWord] = Field(default_factory=list)


class SalvagedBegin(BeginEvent):
    """A session began: the app uses only its ``configuration`` (already optional)."""

    id: str = ""
    expires_at: datetime | None = None


class SalvagedRevisionItem(SpeakerRevisionItem):
    words: list[SalvagedWord] = Field(default_factory=list)


class SalvagedRevision(SpeakerRevisionEvent):
    revisions: list[SalvagedRevisionItem] = Field(default_factory=list)


class SalvagedHeartbeat(HeartbeatEvent):
    """Its arrival is what counts (the server is alive while nobody speaks)."""

    total_audio_received_ms: int = 0
    total_duration_ms: int = 0
    realtime_factor: float = 0.0


class SalvagedError(ErrorEvent):
    error: str = "no details"


class SalvagedWarning(WarningEvent):
    warning_code: int | None = None  # type: ignore[assignment]
    warning: str = "no details"


class SalvagedGatewayResponse(LLMGatewayResponseEvent):
    """A translation: its turn order is needed, its echo of the transcript is not."""

    transcript: str = ""
    data: Any = None  # no translation: the turn stops waiting for one


# The model each message type is mended against (the SDK's own where every
# field it requires is one the app cannot do without).
LENIENT: dict[str, type[BaseModel]] = {
    "Turn": SalvagedTurn,
    "Begin": SalvagedBegin,
    "Termination": TerminationEvent,
    "SpeakerRevision": SalvagedRevision,
    "Heartbeat": SalvagedHeartbeat,
    "Error": SalvagedError,
    "Warning": SalvagedWarning,
    "LLMGatewayResponse": SalvagedGatewayResponse,
    "SpeechStarted": SpeechStartedEvent,
}

_GONE = object()  # a list item to remove once every error is mended (indices stay valid)


def salvage(data: dict[str, Any]) -> BaseModel | None:
    """``data`` (a message the SDK refused) as its lenient model, mended; ``None``: unusable."""
    model = LENIENT.get(kind_of(data))
    if model is None:
        return None
    mended = copy.deepcopy(data)
    for _ in range(3):  # pydantic reports every error at once: one round mends all
        try:
            return model.model_validate(mended)
        except ValidationError as exc:
            errors = exc.errors(include_url=False, include_context=False, include_input=False)
        if not all([_mend(model, mended, tuple(e["loc"])) for e in errors]):
            return None
        _sweep(mended)
    return None


def kind_of(data: dict[str, Any]) -> str:
    """The type the SDK read ``data`` as (without ``type`` but with ``error``: an Error)."""
    kind = data.get("type")
    if kind is None and "error" in data:
        return "Error"
    return str(kind)


def _mend(model: type[BaseModel], data: dict[str, Any], loc: Loc) -> bool:
    """Mend the field of ``data`` (a ``model``) ``loc`` points into; False: ``data`` is unusable."""
    fields = model.model_fields
    if not loc or not isinstance(loc[0], str) or loc[0] not in fields:
        return False  # the object as a whole is wrong (not an object, a model-level check)
    name, rest = loc[0], loc[1:]
    field = fields[name]
    if rest and name in data and _mend_inside(field.annotation, data[name], rest):
        return True
    if field.is_required():
        return False
    data.pop(name, None)  # its default stands in
    return True


def _mend_inside(annotation: Any, value: Any, loc: Loc) -> bool:
    """Mend inside a field's value: drop a bad list item, or mend a nested object."""
    inner = _without_none(annotation)
    if typing.get_origin(inner) is list and isinstance(value, list) and isinstance(loc[0], int):
        item_type = (typing.get_args(inner) or (Any,))[0]
        index, rest = loc[0], loc[1:]
        if 0 <= index < len(value) and value[index] is not _GONE:
            item = value[index]
            nested = _is_model(item_type) and isinstance(item, dict) and bool(rest)
            if not (nested and _mend(item_type, item, rest)):
                value[index] = _GONE
        return True
    if _is_model(inner) and isinstance(value, dict):
        return _mend(inner, value, loc)
    return False


def _without_none(annotation: Any) -> Any:
    """``X`` for ``Optional[X]``; other annotations as they are."""
    if typing.get_origin(annotation) in (Union, types.UnionType):
        others = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(others) == 1:
            return others[0]
    return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _sweep(value: Any) -> None:
    """Remove the list items marked ``_GONE``, at any depth."""
    if isinstance(value, dict):
        for item in value.values():
            _sweep(item)
    elif isinstance(value, list):
        value[:] = [item for item in value if item is not _GONE]
        for item in value:
            _sweep(item)


def defects(error: ValidationError) -> list[tuple[str, str]]:
    """``(where, what)`` of each error, list positions blurred (``words[].confidence``)."""
    found = []
    for entry in error.errors(include_url=False, include_context=False, include_input=False):
        where = ""
        for part in entry["loc"]:
            where += "[]" if isinstance(part, int) else f"{'.' if where else ''}{part}"
        found.append((where or "(message)", f"{entry['msg']} ({entry['type']})"))
    return list(dict.fromkeys(found))


class Salvager:
    """One connection's mending of malformed messages, and the log of it.

    Called on the SDK's read thread only.  A warning names each kind of
    defect (message type, field, error) the first time this connection
    meets it; the counts are in :meth:`summary`.
    """

    def __init__(self) -> None:
        self._told: set[tuple[str, bool, str, str]] = set()
        self.mended: Counter[str] = Counter()
        self.ignored: Counter[str] = Counter()
        # Called (read thread) for each Turn left out: words the reader never sees.
        self.on_lost_turn: Callable[[], None] | None = None

    def __call__(self, data: dict[str, Any], error: ValidationError) -> BaseModel | None:
        kind = kind_of(data)
        try:
            message = salvage(data)
        except Exception:  # nested deeper than mending can walk, or a bug here: as unusable
            # (never let mending kill the SDK's read thread: that costs the connection)
            log.debug("Could not mend a server %s message", kind, exc_info=True)
            message = None
        kept = message is not None
        (self.mended if kept else self.ignored)[kind] += 1
        if not kept and kind == "Turn" and self.on_lost_turn is not None:
            self.on_lost_turn()
        new = [d for d in defects(error) if (kind, kept, *d) not in self._told]
        if new:
            self._told.update((kind, kept, *d) for d in new)
            what = "; ".join(f"{where}: {why}" for where, why in new)
            if kept:
                log.warning(
                    "A server %s message does not match the SDK's model (%s); kept the "
                    "rest of it (defaults stand in, unusable list items left out). "
                    "Not logged again on this connection.",
                    kind,
                    what,
                )
            else:
                log.warning(
                    "Ignoring a server %s message without what it cannot do without: %s. "
                    "Not logged again on this connection.",
                    kind,
                    what,
                )
        return message

    def summary(self) -> str | None:
        """What was mended or ignored on this connection, for the log at its end."""
        if not self.mended and not self.ignored:
            return None
        parts = [f"mended {n} {kind}" for kind, n in sorted(self.mended.items())]
        parts += [f"ignored {n} {kind}" for kind, n in sorted(self.ignored.items())]
        return ", ".join(parts)
