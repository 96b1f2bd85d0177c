"""A fake AssemblyAI Universal Streaming v3 server for tests.

Tests must exercise the real ``assemblyai`` SDK (its threads, its websocket client, its
error mapping), so instead of mocking the SDK we run a real websockets server on
127.0.0.1 that speaks enough of the v3 protocol for ``StreamingClient`` to talk to it
(``StreamingClientOptions(api_host=server.url)``).

Transcripts come from a scripted ``TurnScript`` and are driven by the amount of audio
received, not by wall-clock time, so tests can stream as fast as they like and still get
deterministic partial/final turns. ``Faults`` inject the failure modes the app must
survive (error frames, odd close codes, dropped TCP, stalls, malformed frames).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import dataclasses
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.frames import EXTERNAL_CLOSE_CODES
from websockets.http11 import Request, Response

from tests.fakes.v3_defects import with_defects
from tests.fakes.v3_extras import (
    Extras,
    begin_configuration,
    gateway_message,
    parse_gateway,
    revision_message,
    send_later,
)


@dataclass
class ScriptTurn:
    """One scripted turn: the spoken (lowercase) words and the formatted final text."""

    words: list[str]
    formatted: str | None = None
    # Diarization label ("A", "B") sent with the turn and its words when the
    # client asked for speaker_labels.
    speaker: str | None = None
    # What goes between two words in the transcript: nothing in Japanese, Chinese
    # or Thai, whose words the service sends as they are written, unspaced.
    joiner: str = " "

    def formatted_text(self, count: int | None = None) -> str:
        """Formatted text for the first ``count`` words (a ForceEndpoint cuts a turn short)."""
        count = len(self.words) if count is None else count
        if count == len(self.words) and self.formatted is not None:
            return self.formatted
        text = self.joiner.join(self.words[:count])
        return (text[:1].upper() + text[1:] + ".") if text else ""


@dataclass
class TurnScript:
    """The turns the fake server "recognises", in order."""

    turns: list[ScriptTurn] = field(default_factory=list)

    @classmethod
    def from_text(cls, text: str) -> TurnScript:
        """One turn per sentence: "hello there. general kenobi" gives two turns."""
        turns = []
        for sentence in re.findall(r"[^.?!]+[.?!]?", text):
            words = re.findall(r"[\w']+", sentence.lower())
            if not words:
                continue
            formatted = sentence.strip()
            formatted = formatted[:1].upper() + formatted[1:]
            if formatted[-1] not in ".?!":
                formatted += "."
            turns.append(ScriptTurn(words=words, formatted=formatted))
        return cls(turns)


@dataclass(frozen=True)
class Faults:
    """Failures to inject into one session; thresholds are in ms of audio received.

    A threshold of 0 fires right after Begin. Only the first terminal fault that is due
    fires (checked in the order of the fields below); ``malformed`` is one-shot and the
    session carries on after it.
    """

    reject_status: int | None = None  # refuse the HTTP handshake with this status
    malformed_after_ms: float | None = None
    # Kinds: see ``MALFORMED_FRAMES`` ("not_json", "unknown_type", "bad_turn", the
    # JSON non-objects "json_number", "json_null", "json_array", "json_string",
    # and "deep_nesting", which no JSON parser reads without a RecursionError).
    malformed_kinds: tuple[str, ...] = ("not_json", "unknown_type")
    # Defects in every matching message sent from Begin on (not one-shot): names
    # from ``tests.fakes.v3_defects.DEFECTS``, one field of one message type off
    # ("turn_no_end_of_turn_confidence", "turn_words_null", "turn_no_turn_order"…).
    defects: tuple[str, ...] = ()
    defective_turns: frozenset[int] | None = None  # Turn defects only for these orders
    error_after_ms: tuple[float, int, str] | None = None  # (ms, error_code, message)
    close_after_ms: tuple[float, int, str] | None = None  # (ms, close_code, reason)
    silent_close_after_ms: float | None = None  # 1000 close, no Termination
    # The service ends the session itself, unasked (its inactivity_timeout): a
    # Termination, then a 1000 close, with no Terminate from the client.
    terminate_after_ms: float | None = None
    drop_after_ms: float | None = None  # abort TCP: the client sees 1006
    stall_after_ms: float | None = None  # stop reading and sending
    stall_seconds: float | None = None  # then abort after this long (None: until shutdown)
    # Go quiet from here on while staying connected: audio is still read (and
    # websocket pings answered, as the library does that), but no Turn, no
    # Heartbeat and no Termination is ever sent again.  Not terminal: the
    # session ends when the client closes it.
    mute_after_ms: float | None = None
    no_termination: bool = False  # ignore Terminate: the SDK waits terminate_timeout
    drop_on_terminate: bool = False  # abort TCP when Terminate arrives (nothing flushed)


@dataclass
class SessionRecord:
    """What happened on one connection attempt (accepted or rejected)."""

    index: int
    authorization: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    path: str = ""
    query: dict[str, str] = field(default_factory=dict)
    rejected_status: int | None = None
    began: bool = False
    session_id: str | None = None
    audio_ms_received: float = 0.0
    chunk_ms: list[float] = field(default_factory=list)
    chunk_violations: int = 0
    audio_bytes: bytes = b""
    control_messages: list[dict[str, Any]] = field(default_factory=list)
    turns_sent: list[dict[str, Any]] = field(default_factory=list)
    finals_sent: list[tuple[int, str, bool]] = field(default_factory=list)
    terminate_received: bool = False
    termination_sent: bool = False
    fault_fired: str | None = None
    closed: bool = False
    close_code: int | None = None
    offset_ms: float | None = None  # timeline mode: input position of the first chunk
    heartbeats_sent: int = 0
    llm_gateway: dict[str, Any] | None = None  # the parsed connect parameter
    gateway_sent: list[int] = field(default_factory=list)  # turn orders answered, in order
    revisions_sent: list[dict[str, Any]] = field(default_factory=list)
    warnings_sent: int = 0
    # encoding=opus: the packets as received (one per message; audio_bytes then
    # holds their decoded 16 kHz PCM), and messages that were not one valid packet.
    encoding: str = "pcm_s16le"
    opus_packets: list[bytes] = field(default_factory=list)
    opus_invalid: int = 0


FaultsArg = Faults | Sequence[Faults] | Callable[[int], Faults] | None

MALFORMED_FRAMES: dict[str, str] = {
    "not_json": "this is {not json",
    "unknown_type": json.dumps({"type": "Mystery", "payload": 1}),
    "json_number": "42",
    "json_null": "null",
    "json_array": json.dumps([{"type": "Turn"}, 1]),
    "json_string": json.dumps("Turn"),
    "deep_nesting": "[" * 100_000 + "]" * 100_000,
}

CHUNK_MS = 50


def coded_chunk(index: int, samples: int = 800) -> bytes:
    """A 50 ms chunk whose samples all hold ``index + 1``: timeline-coded audio."""
    return (index + 1).to_bytes(2, "little", signed=True) * samples


def chunk_index(data: bytes) -> int:
    """The input position (in chunks) of timeline-coded audio (-1: not coded)."""
    return int.from_bytes(data[:2], "little", signed=True) - 1


def chunk_indices(audio: bytes, chunk_bytes: int = 1600) -> list[int]:
    """The input positions of every 50 ms chunk in a session's received audio."""
    return [chunk_index(audio[i : i + 2]) for i in range(0, len(audio), chunk_bytes)]


@dataclass
class _Session:
    """Live per-connection state, owned by the server's event loop thread."""

    record: SessionRecord
    faults: Faults
    conn: ServerConnection | None = None
    sample_rate: int = 16000
    bytes_per_sample: int = 2
    format_turns: bool = False
    audio: bytearray = field(default_factory=bytearray)
    started: float = field(default_factory=time.monotonic)
    turn_index: int = 0
    words_out: int = 0
    turn_start_ms: float = 0.0
    malformed_done: bool = False
    first_word: int = 0  # timeline mode: first word of the current turn this session heard
    heartbeat: bool = False
    next_heartbeat_ms: float = 0.0
    speaker_labels: bool = False
    muted: bool = False
    last_finals: dict[int, dict[str, Any]] = field(default_factory=dict)  # by turn order
    extras_done: set[str] = field(default_factory=set)  # revisions/warnings already sent
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    first_turn: int = 0  # timeline mode: the script turn this session joined at
    opus: Any = None  # encoding=opus: this session's OpusStream (tests/fakes/v3_opus.py)


class FakeV3Server:
    """Real websockets server on a background thread; use as a context manager."""

    def __init__(
        self,
        api_key: str = "test-key",
        script: TurnScript | None = None,
        faults: FaultsArg = None,
        *,
        ms_per_word: float = 300.0,
        gap_ms: float = 400.0,
        min_chunk_ms: float = 50.0,
        max_chunk_ms: float = 1000.0,
        timeline: bool = False,
        heartbeat_every_ms: float = 1000.0,
        heartbeats: bool = True,
        extras: Extras | None = None,
        tokens: Container[str] | None = None,
    ) -> None:
        self.api_key = api_key
        # Temporary tokens also accepted in place of the key (a token endpoint's,
        # see tests/fakes/token_endpoint.py); checked at each handshake.
        self.tokens = tokens
        self.extras = extras or Extras()
        self.script = script or TurnScript()
        self.ms_per_word = ms_per_word
        self.gap_ms = gap_ms
        self.min_chunk_ms = min_chunk_ms
        self.max_chunk_ms = max_chunk_ms
        # Timeline mode: the input audio is timeline-coded (see ``coded_chunk``), so
        # the fake knows where each session's audio lies in the input, recognises
        # the script on that absolute timeline (a session that starts mid-turn
        # hears only the words that start after it joined) and reports word times
        # relative to the session's own first audio, like the real service.
        self.timeline = timeline
        self.heartbeat_every_ms = heartbeat_every_ms
        # False: a server that ignores session_heartbeat (and so says nothing
        # at all while nobody speaks).
        self.heartbeats = heartbeats
        self._faults = faults
        self._sessions: list[_Session] = []
        self._final_snapshot: list[SessionRecord] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._shutdown: asyncio.Event | None = None
        self._ready = threading.Event()
        # Bumped (and waiters woken) by the loop thread whenever a session's record
        # may have changed: wait_for re-checks on that, not on a polling clock.
        self._changed = threading.Condition()
        self._changes = 0
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="FakeV3Server", daemon=True)
        self.port = 0

    # -- test-facing API ----------------------------------------------------------

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def sessions(self) -> list[SessionRecord]:
        """A consistent copy, taken on the loop thread so no locking is needed."""
        if self._final_snapshot is not None or self._loop is None:
            return copy.deepcopy(self._final_snapshot or [])
        future = asyncio.run_coroutine_threadsafe(self._snapshot(), self._loop)
        return future.result(timeout=5)

    def wait_for(self, predicate: Callable[[FakeV3Server], bool], timeout: float = 10) -> None:
        """Wait until ``predicate(self)`` holds, re-checking it whenever the server's
        state changes (a connection, a message in, a delayed answer sent, a close);
        the TimeoutError shows the sessions."""
        deadline = time.monotonic() + timeout
        while True:
            with self._changed:
                seen = self._changes
            if predicate(self):
                return
            with self._changed:
                remaining = max(deadline - time.monotonic(), 0)
                changed = self._changed.wait_for(lambda seen=seen: self._changes != seen, remaining)
            if not changed:  # outside the lock: reading the sessions needs the loop thread
                raise TimeoutError(f"condition not met in {timeout}s; sessions={self.sessions!r}")

    def _touch(self) -> None:
        """A record may have changed (loop thread): wake wait_for."""
        with self._changed:
            self._changes += 1
            self._changed.notify_all()

    def __enter__(self) -> FakeV3Server:
        self._thread.start()
        self._ready.wait(timeout=10)
        if self._error is not None or not self.port:
            self._thread.join(timeout=5)
            raise RuntimeError("FakeV3Server failed to start") from self._error
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._loop is not None and self._shutdown is not None:
            with contextlib.suppress(RuntimeError):  # loop already gone
                self._loop.call_soon_threadsafe(self._shutdown.set)
        self._thread.join(timeout=15)
        if self._thread.is_alive():
            raise RuntimeError("FakeV3Server thread did not stop")
        if self._error is not None:
            raise RuntimeError("FakeV3Server crashed") from self._error

    # -- loop thread ----------------------------------------------------------------

    def _run(self) -> None:
        # Errors are kept and re-raised in the test thread: an exception escaping a
        # thread would surface as PytestUnhandledThreadExceptionWarning instead.
        try:
            asyncio.run(self._main())
        except BaseException as exc:
            self._error = exc
        finally:
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._shutdown = asyncio.Event()
        async with serve(
            self._handle, "127.0.0.1", 0, process_request=self._process_request
        ) as server:
            self.port = next(iter(server.sockets)).getsockname()[1]
            self._ready.set()
            await self._shutdown.wait()
        self._final_snapshot = await self._snapshot()
        self._touch()

    async def _snapshot(self) -> list[SessionRecord]:
        return [
            dataclasses.replace(copy.deepcopy(s.record), audio_bytes=bytes(s.audio))
            for s in self._sessions
        ]

    def _faults_for(self, index: int) -> Faults:
        faults = self._faults
        if faults is None:
            return Faults()
        if isinstance(faults, Faults):
            return faults
        if callable(faults):
            return faults(index)
        return faults[min(index, len(faults) - 1)] if faults else Faults()

    def _process_request(self, conn: ServerConnection, request: Request) -> Response | None:
        """Validate the handshake like the real service: auth, path, sample_rate."""
        parts = urlsplit(request.path)
        record = SessionRecord(
            index=len(self._sessions),
            authorization=request.headers.get("Authorization"),
            headers=dict(request.headers.raw_items()),
            path=parts.path,
            query=dict(parse_qsl(parts.query)),
        )
        session = _Session(record=record, faults=self._faults_for(record.index))
        self._sessions.append(session)
        status, text = self._reject_reason(session)
        if status is not None:
            record.rejected_status = status
            record.closed = True
            self._touch()
            return conn.respond(status, text + "\n")
        session.conn = conn
        self._touch()
        return None

    def _reject_reason(self, session: _Session) -> tuple[int | None, str]:
        record = session.record
        if session.faults.reject_status is not None:
            return session.faults.reject_status, "Injected rejection"
        if record.path != "/v3/ws":
            return 404, "Not Found"
        auth = record.authorization
        if auth != self.api_key and not (auth and self.tokens is not None and auth in self.tokens):
            return 401, "Unauthorized"
        rate = record.query.get("sample_rate", "")
        if record.query.get("encoding") == "opus":
            # Self-describing packets: the sample rate may be omitted (the service ignores it).
            from tests.fakes.v3_opus import OUT_RATE, OpusStream

            record.encoding = "opus"
            session.opus = OpusStream()
            rate = str(OUT_RATE)
        if not rate.isdigit() or int(rate) <= 0:
            return 400, "sample_rate must be a positive integer"
        session.sample_rate = int(rate)
        session.bytes_per_sample = 1 if record.query.get("encoding") == "pcm_mulaw" else 2
        session.format_turns = record.query.get("format_turns", "").lower() == "true"
        asked = record.query.get("session_heartbeat", "").lower() == "true"
        session.heartbeat = asked and self.heartbeats
        session.speaker_labels = record.query.get("speaker_labels", "").lower() == "true"
        try:
            record.llm_gateway = parse_gateway(record.query)
        except (ValueError, AssertionError) as exc:
            return 400, f"Invalid llm_gateway: {exc}"
        return None, ""

    async def _handle(self, conn: ServerConnection) -> None:
        session = next(s for s in self._sessions if s.conn is conn)
        record = session.record
        try:
            record.session_id = str(uuid.uuid4())
            begin = {
                "type": "Begin",
                "id": record.session_id,
                "expires_at": int(time.time()) + 10800,
                "configuration": begin_configuration(record.query, self.extras),
            }
            await conn.send(self._dumps(session, begin))
            record.began = True
            self._touch()
            if await self._check_faults(session):
                return
            async for message in conn:
                if isinstance(message, bytes):
                    done = await self._on_audio(session, message)
                else:
                    done = await self._on_text(session, message)
                self._touch()
                if done:
                    return
        except ConnectionClosed:
            pass
        finally:
            for task in session.tasks:  # answers still on their way die with the session
                task.cancel()
            await conn.close()  # idempotent; completes the close (or the abort)
            record.closed = True
            sent = conn.protocol.close_sent  # what the client saw; None after an abort
            record.close_code = int(sent.code) if sent is not None else 1006
            self._touch()

    async def _on_audio(self, session: _Session, data: bytes) -> bool:
        """Account for one audio chunk, emit any turns it completes; True ends the session."""
        record = session.record
        if session.opus is not None:
            decoded = session.opus.decode(data)
            record.opus_invalid = session.opus.invalid
            if decoded is None:  # not one Opus packet: refused like bad PCM
                await session.conn.close(3007, "Invalid Opus packet")
                return True
            record.opus_packets.append(data)
            data, opus_ms = decoded
        ms = len(data) / session.bytes_per_sample / session.sample_rate * 1000
        if session.opus is not None:
            ms = opus_ms  # exact, while the resampler holds a few samples back
        record.chunk_ms.append(ms)
        # Opus packets are 2.5-120 ms each: the PCM chunk limits do not apply to them.
        if session.opus is None and not self.min_chunk_ms <= ms <= self.max_chunk_ms:
            # The real service closes the socket with 3007 rather than sending an Error.
            record.chunk_violations += 1
            await session.conn.close(3007, f"Input duration violation: {ms:.0f} ms")
            return True
        if self.timeline and record.offset_ms is None:
            record.offset_ms = chunk_index(data) * CHUNK_MS
            self._join_timeline(session)
        session.audio += data
        record.audio_ms_received += ms
        if session.muted:
            return False
        if self.timeline:
            await self._advance_timeline(session)
        else:
            await self._advance(session)
        await self._send_extras(session)
        if session.heartbeat and record.audio_ms_received >= session.next_heartbeat_ms:
            session.next_heartbeat_ms = record.audio_ms_received + self.heartbeat_every_ms
            heartbeat = {
                "type": "Heartbeat",
                "total_audio_received_ms": round(record.audio_ms_received),
                "total_duration_ms": round((time.monotonic() - session.started) * 1000),
                "realtime_factor": 1.0,
            }
            await session.conn.send(self._dumps(session, heartbeat))
            record.heartbeats_sent += 1
        return await self._check_faults(session)

    async def _on_text(self, session: _Session, text: str) -> bool:
        """Handle a control message; True ends the session."""
        record = session.record
        try:
            message = json.loads(text)
        except json.JSONDecodeError:
            message = {"_raw": text}
        record.control_messages.append(message)
        kind = message.get("type") if isinstance(message, dict) else None
        if session.muted:
            record.terminate_received |= kind == "Terminate"
            return False
        if kind == "UpdateConfiguration" and "format_turns" in message:
            session.format_turns = bool(message["format_turns"])
        elif kind == "ForceEndpoint":
            await self._finish_turn(session, record.audio_ms_received)
        elif kind == "Terminate":
            record.terminate_received = True
            if session.faults.drop_on_terminate:
                record.fault_fired = "drop_on_terminate"
                await self._abort(session.conn)
                return True
            await self._finish_turn(session, record.audio_ms_received)
            if session.faults.no_termination:
                return False
            termination = {
                "type": "Termination",
                "audio_duration_seconds": round(record.audio_ms_received / 1000),
                "session_duration_seconds": round(time.monotonic() - session.started),
            }
            await session.conn.send(self._dumps(session, termination))
            record.termination_sent = True
            await session.conn.close(1000)
            return True
        return False

    # -- the scripted recogniser -----------------------------------------------------

    async def _advance(self, session: _Session) -> None:
        """Emit every partial/final that the audio received so far makes due."""
        audio_ms = session.record.audio_ms_received
        while session.turn_index < len(self.script.turns):
            count = len(self.script.turns[session.turn_index].words)
            next_word_due = session.turn_start_ms + (session.words_out + 1) * self.ms_per_word
            if session.words_out < count and audio_ms >= next_word_due:
                session.words_out += 1
                await self._send_turn(session, end_of_turn=False, formatted=False)
                continue
            final_due = session.turn_start_ms + count * self.ms_per_word + self.gap_ms
            if session.words_out == count and audio_ms >= final_due:
                await self._finish_turn(session, final_due)
                continue
            return

    async def _finish_turn(self, session: _Session, next_turn_start_ms: float) -> None:
        """Send the final(s) for the words heard so far and move to the next turn."""
        if session.words_out == 0 or session.turn_index >= len(self.script.turns):
            return
        await self._send_turn(session, end_of_turn=True, formatted=False)
        if session.format_turns:
            await self._send_turn(session, end_of_turn=True, formatted=True)
        session.turn_index += 1
        session.words_out = 0
        session.first_word = 0
        session.turn_start_ms = next_turn_start_ms

    # -- timeline mode -----------------------------------------------------------------

    def schedule(self) -> list[tuple[float, float]]:
        """Absolute (start, final_due) of every script turn in timeline mode."""
        spans, start = [], 0.0
        for turn in self.script.turns:
            due = start + len(turn.words) * self.ms_per_word + self.gap_ms
            spans.append((start, due))
            start = due
        return spans

    def script_words(self) -> list[tuple[str, int]]:
        """Every scripted word with its absolute start (ms), in timeline mode."""
        out = []
        for (start, _), turn in zip(self.schedule(), self.script.turns, strict=True):
            out += [(w, round(start + i * self.ms_per_word)) for i, w in enumerate(turn.words)]
        return out

    def _join_timeline(self, session: _Session) -> None:
        """Place a session that starts at ``offset_ms`` on the script's timeline."""
        offset = session.record.offset_ms or 0.0
        for index, (start, due) in enumerate(self.schedule()):
            if due > offset:
                session.turn_index = index
                session.first_turn = index
                session.turn_start_ms = start
                first = 0
                while start + first * self.ms_per_word < offset:
                    first += 1
                session.first_word = first
                return
        session.turn_index = len(self.script.turns)

    async def _advance_timeline(self, session: _Session) -> None:
        now = (session.record.offset_ms or 0.0) + session.record.audio_ms_received
        spans = self.schedule()
        while session.turn_index < len(self.script.turns):
            count = len(self.script.turns[session.turn_index].words)
            start, due = spans[session.turn_index]
            nxt = session.first_word + session.words_out
            if nxt < count and now >= start + (nxt + 1) * self.ms_per_word:
                session.words_out += 1
                await self._send_turn(session, end_of_turn=False, formatted=False)
                continue
            if nxt >= count and now >= due:
                if session.words_out:
                    await self._send_turn(session, end_of_turn=True, formatted=False)
                    if session.format_turns:
                        await self._send_turn(session, end_of_turn=True, formatted=True)
                session.turn_index += 1
                session.words_out = 0
                session.first_word = 0
                if session.turn_index < len(spans):
                    session.turn_start_ms = spans[session.turn_index][0]
                continue
            return

    async def _send_turn(self, session: _Session, *, end_of_turn: bool, formatted: bool) -> None:
        turn = self.script.turns[session.turn_index]
        first = session.first_word
        texts = turn.words[first : first + session.words_out]
        transcript = turn.joiner.join(texts)
        if formatted and first == 0:
            transcript = turn.formatted_text(session.words_out)
            split = transcript.split()
            texts = split if len(split) == len(texts) else texts
        elif formatted:
            transcript = transcript[:1].upper() + transcript[1:] + "."
        # Word times are relative to the session's own audio, like the real service.
        base = session.turn_start_ms - (session.record.offset_ms or 0.0)
        words = [
            {
                "start": round(base + (first + i) * self.ms_per_word),
                "end": round(base + (first + i + 0.8) * self.ms_per_word),
                "confidence": 0.9,
                "text": text,
                "word_is_final": True,
            }
            for i, text in enumerate(texts)
        ]
        if turn.speaker is not None and session.speaker_labels:
            for word in words:
                word["speaker"] = turn.speaker
        message = {
            "type": "Turn",
            "turn_order": self._turn_order(session),
            "turn_is_formatted": formatted,
            "end_of_turn": end_of_turn,
            "transcript": transcript,
            "end_of_turn_confidence": 0.9 if end_of_turn else 0.1,
            "words": words,
        }
        if turn.speaker is not None and session.speaker_labels:
            message["speaker_label"] = turn.speaker
        sent = with_defects(message, session.faults.defects, session.faults.defective_turns)
        await session.conn.send(json.dumps(sent))
        session.record.turns_sent.append(sent)
        if end_of_turn:
            session.record.finals_sent.append((session.turn_index, transcript, formatted))
            order = self._turn_order(session)
            session.last_finals[order] = message
            if formatted or not session.format_turns:
                await self._answer_gateway(session, order, transcript)

    def _turn_order(self, session: _Session) -> int:
        """The turn's number as the session reports it (the real service counts from 0)."""
        if self.extras.relative_turn_order:
            return session.turn_index - session.first_turn
        return session.turn_index

    async def _answer_gateway(self, session: _Session, order: int, transcript: str) -> None:
        """Schedule the LLM Gateway's answer to a finished turn (late, maybe out of order)."""
        config = session.record.llm_gateway
        if config is None:
            return
        gateway = self.extras.gateway
        if gateway.refuse is not None and gateway.how == "error":
            message = f"LLM Gateway request failed: {gateway.refuse}"
            await session.conn.send(json.dumps({"type": "Error", "error": message}))
            await session.conn.close(1008, message[:120])
            return
        answer = gateway_message(gateway, config, order, transcript)
        if answer is None:
            return
        delay = gateway.delays_s[order % len(gateway.delays_s)] if gateway.delays_s else 0.0
        task = asyncio.create_task(
            send_later(session.conn, delay, answer, session.record.gateway_sent)
        )
        task.add_done_callback(lambda _task: self._touch())
        session.tasks.append(task)

    async def _send_extras(self, session: _Session) -> None:
        """Speaker revisions and warnings that the audio received so far makes due."""
        record = session.record
        ms = record.audio_ms_received
        for number, (due, labels) in enumerate(self.extras.revisions):
            if ms >= due and f"revision-{number}" not in session.extras_done:
                session.extras_done.add(f"revision-{number}")
                message = revision_message(labels, session.last_finals)
                if message is not None and session.speaker_labels:
                    await session.conn.send(self._dumps(session, message))
                    record.revisions_sent.append(message)
        for number, (due, code, text) in enumerate(self.extras.warnings):
            if ms >= due and f"warning-{number}" not in session.extras_done:
                session.extras_done.add(f"warning-{number}")
                warning = {"type": "Warning", "warning_code": code, "warning": text}
                await session.conn.send(self._dumps(session, warning))
                record.warnings_sent += 1

    # -- fault injection --------------------------------------------------------------

    @staticmethod
    def _dumps(session: _Session, message: dict[str, Any]) -> str:
        """A message as sent: with the session's ``Faults.defects`` that apply to it."""
        faults = session.faults
        return json.dumps(with_defects(message, faults.defects, faults.defective_turns))

    async def _check_faults(self, session: _Session) -> bool:
        """Fire any fault that is due; True means the session is over."""
        faults, record, conn = session.faults, session.record, session.conn
        ms = record.audio_ms_received

        def due(threshold: float | None) -> bool:
            return threshold is not None and ms >= threshold

        if due(faults.malformed_after_ms) and not session.malformed_done:
            session.malformed_done = True
            record.fault_fired = "malformed"
            frames = {
                **MALFORMED_FRAMES,
                "bad_turn": json.dumps({"type": "Turn", "turn_order": session.turn_index}),
            }
            for kind in faults.malformed_kinds:
                await conn.send(frames[kind])
        if due(faults.mute_after_ms) and not session.muted:
            session.muted = True
            record.fault_fired = "mute"
            return False
        if faults.error_after_ms is not None and due(faults.error_after_ms[0]):
            _, code, message = faults.error_after_ms
            record.fault_fired = "error"
            await conn.send(json.dumps({"type": "Error", "error_code": code, "error": message}))
            valid = code in EXTERNAL_CLOSE_CODES or 3000 <= code < 5000
            await conn.close(code if valid else 1011, message[:120])
            return True
        if faults.close_after_ms is not None and due(faults.close_after_ms[0]):
            _, code, reason = faults.close_after_ms
            record.fault_fired = "close"
            await conn.close(code, reason)
            return True
        if due(faults.terminate_after_ms):
            record.fault_fired = "terminate"
            await conn.send(
                self._dumps(
                    session,
                    {
                        "type": "Termination",
                        "audio_duration_seconds": round(ms / 1000),
                        "session_duration_seconds": round(time.monotonic() - session.started),
                    },
                )
            )
            record.termination_sent = True
            await conn.close(1000)
            return True
        if due(faults.silent_close_after_ms):
            record.fault_fired = "silent_close"
            await conn.close(1000)
            return True
        if due(faults.drop_after_ms):
            record.fault_fired = "drop"
            await self._abort(conn)
            return True
        if due(faults.stall_after_ms):
            record.fault_fired = "stall"
            self._touch()  # the stall holds this message's handling: say so now
            conn.transport.pause_reading()
            assert self._shutdown is not None
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._shutdown.wait(), faults.stall_seconds)
            await self._abort(conn)
            return True
        return False

    @staticmethod
    async def _abort(conn: ServerConnection) -> None:
        """Drop TCP with no close frame (the client sees 1006), like a crashed server."""
        conn.transport.abort()
        await conn.wait_closed()
