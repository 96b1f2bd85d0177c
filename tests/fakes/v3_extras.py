"""What the fake v3 server says beyond turns: LLM Gateway answers, speaker revisions, warnings.

Shapes follow the SDK's models (``assemblyai.streaming.v3.models``), which is
what the real service is parsed with:

* ``LLMGatewayResponse``: ``{"type", "turn_order", "transcript", "data"}``,
  ``data`` a chat-completion body (``choices[0].message.content``), sent once
  per finished turn when the connect parameters hold ``llm_gateway`` (a JSON
  ``{"model", "messages": [{"role", "content"}], "max_tokens"}`` whose
  content holds ``{{turn}}``).  Each answer is delayed by wall-clock time
  (``Gateway.delays_s``, per turn order), so answers arrive late and out of
  order, as the real gateway's do.
* ``SpeakerRevision``: ``{"type", "revisions": [{"turn_order",
  "speaker_label", "words": [Word…]}]}``, only for turns already finished.
* ``Warning``: ``{"type", "warning_code", "warning"}``.
* ``Begin.configuration``: ``{"model", "mode", "api_version"}`` (the model
  actually used, which may differ from the one asked for).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from websockets.exceptions import ConnectionClosed


@dataclass(frozen=True)
class Gateway:
    """How the fake LLM Gateway answers finished turns.

    ``translate`` makes the translation from the turn's text (deterministic);
    ``delays_s[turn_order % len]`` delays each answer; ``malformed`` turn
    orders get a body without a translation; ``silent`` ones get no answer;
    ``refuse`` (a message) answers every turn with an error body
    (``how="body"``) or sends an ``Error`` naming the gateway and closes the
    session at its first final (``how="error"``).
    """

    translate: Callable[[str], str] = lambda text: "[fr] " + text
    delays_s: Sequence[float] = (0.0,)
    malformed: frozenset[int] = frozenset()
    silent: frozenset[int] = frozenset()
    refuse: str | None = None
    how: str = "body"


@dataclass(frozen=True)
class Extras:
    """Everything beyond turns one fake server sends (see the module docstring)."""

    gateway: Gateway = field(default_factory=Gateway)
    # (audio ms, {turn_order: new speaker label}): sent once that much audio
    # has arrived, for the listed turns the session has finished.
    revisions: Sequence[tuple[float, dict[int, str]]] = ()
    warnings: Sequence[tuple[float, int, str]] = ()  # (audio ms, code, text)
    served_model: str | None = None  # Begin.configuration.model; None: the one asked for
    served_mode: str | None = None
    # Timeline mode: number each session's turns from 0, as the real service
    # does (a reconnect's first turn is turn 0 again), instead of by script index.
    relative_turn_order: bool = False


def parse_gateway(query: dict[str, str]) -> dict[str, Any] | None:
    """The ``llm_gateway`` connect parameter, checked like the service would; None if absent."""
    raw = query.get("llm_gateway")
    if raw is None:
        return None
    config = json.loads(raw)
    assert isinstance(config.get("model"), str) and config["model"], config
    assert isinstance(config.get("max_tokens"), int), config
    messages = config.get("messages")
    assert isinstance(messages, list) and messages, config
    assert any("{{turn}}" in m.get("content", "") for m in messages), "no {{turn}} placeholder"
    return config


def begin_configuration(query: dict[str, str], extras: Extras) -> dict[str, Any]:
    return {
        "model": extras.served_model or query.get("speech_model") or "universal-streaming-english",
        "mode": extras.served_mode or query.get("mode") or "balanced",
        "api_version": "2025-05-12",
    }


def completion(model: str, content: str) -> dict[str, Any]:
    """A chat-completion body as the gateway returns it."""
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion",
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 60, "completion_tokens": 12, "total_tokens": 72},
    }


def gateway_message(
    gateway: Gateway, config: dict[str, Any], turn_order: int, transcript: str
) -> dict[str, Any] | None:
    """The ``LLMGatewayResponse`` for one finished turn (None: no answer)."""
    if turn_order in gateway.silent:
        return None
    if gateway.refuse is not None:
        data: Any = {"error": {"message": gateway.refuse, "type": "invalid_request_error"}}
    elif turn_order in gateway.malformed:
        data = {"id": "chatcmpl-broken", "choices": []}
    else:
        data = completion(config["model"], gateway.translate(transcript))
    return {
        "type": "LLMGatewayResponse",
        "turn_order": turn_order,
        "transcript": transcript,
        "data": data,
    }


async def send_later(conn: Any, delay_s: float, message: dict[str, Any], log: list[int]) -> None:
    """Send ``message`` after ``delay_s``; a session closed meanwhile just misses it."""
    await asyncio.sleep(delay_s)
    with contextlib.suppress(ConnectionClosed, RuntimeError):
        await conn.send(json.dumps(message))
        log.append(message["turn_order"])


def revision_message(
    new_labels: dict[int, str], finals: dict[int, dict[str, Any]]
) -> dict[str, Any] | None:
    """A ``SpeakerRevision`` for the listed turns that are finished (None: none are)."""
    revisions = []
    for order, label in sorted(new_labels.items()):
        final = finals.get(order)
        if final is None:
            continue
        words = [{**word, "speaker": label} for word in final["words"]]
        revisions.append({"turn_order": order, "speaker_label": label, "words": words})
    return {"type": "SpeakerRevision", "revisions": revisions} if revisions else None
