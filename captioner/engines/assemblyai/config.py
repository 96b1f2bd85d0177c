"""Settings of the AssemblyAI engine: what the user chooses and how the engine copes.

:class:`AssemblyAIConfig` is a frozen dataclass the Settings dialog builds
from persisted values; :meth:`AssemblyAIConfig.validate` returns problems in
plain words (an empty list means it is usable), and
:meth:`AssemblyAIConfig.streaming_parameters` turns it into the SDK's
``StreamingParameters`` for one connection.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

# The SDK is imported where it is used, not here: with its pydantic models it
# takes ~0.4 s, and the settings dialog and the run starter import this module
# before the main window shows (issue 14).
from captioner.engines.assemblyai.limits import DEFAULT_HOST, MAX_SPEAKERS
from captioner.engines.assemblyai.session_options import option_params, option_problems
from captioner.engines.assemblyai.translation import (
    DEFAULT_TRANSLATION_MAX_TOKENS,
    DEFAULT_TRANSLATION_MODEL,
    language_problem,
    translation_prompt,
)

if TYPE_CHECKING:
    from assemblyai.streaming.v3.models import StreamingParameters

DEFAULT_MODEL = "universal-3-5-pro"
SAMPLE_RATE = 16000
SESSION_LIMIT_S = 3 * 3600  # the service ends a streaming session after this
# The one wording for a missing key, shown by the engine and by the app before a run;
# it names the menu item that holds the key.
NO_KEY_MESSAGE = (
    "No AssemblyAI API key. Choose Settings ▸ AssemblyAI… for a key or a token URL (or "
    "set ASSEMBLYAI_API_KEY), or pick the offline engine."
)


class _SpeechModels(Sequence[str]):
    """The SDK's speech models (its ``SpeechModel`` values), read from the SDK on first use.

    A sequence rather than a tuple built at import so that importing this
    module does not import the SDK; the list is first needed when a run is
    validated or the settings dialog fills its model picker.
    """

    @cached_property
    def _values(self) -> tuple[str, ...]:
        from assemblyai.streaming.v3.models import SpeechModel

        return tuple(m.value for m in SpeechModel if m is not SpeechModel.u3_pro)  # an alias

    def __getitem__(self, index: Any) -> Any:
        return self._values[index]

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"SPEECH_MODELS{self._values!r}"


SPEECH_MODELS: Sequence[str] = _SpeechModels()

# The service limits: keyterms_prompt takes up to 100 terms of up to 50 characters.
MAX_KEYTERMS = 100
MAX_KEYTERM_CHARS = 50
# How long a connection may go without any server message while it is being
# sent audio before it is taken for dead (the session is replaced and the gap
# redone, as after a drop).  The app asks for ``session_heartbeat``; the v3
# reference documents the Heartbeat message (total audio received, realtime
# factor, speech probability "in the interval") but not its period, and the
# SDK does not either.  Fifteen seconds is three periods of a 5 s heartbeat
# (fifteen of a 1 s one) and five times the usual turn silence limits, yet
# short next to the ~60 s the reconnect buffer holds, so the audio of a dead
# session is always still there to redo.  It only applies once a connection
# of the run has sent two Heartbeats (proof that the server sends them, and
# its period: a server heartbeating less often than this gets three of its own
# periods, see liveness.py); from then on every connection of the run is
# watched from its start (a rollover's new session, a reconnect, a backfill).
# A server that does not honour ``session_heartbeat`` is never cut off for
# being quiet during silence; websocket pings still watch that one.
HEARTBEAT_SILENCE_LIMIT_S = 15.0
# The service re-clusters speakers mid-session no more often than this.
MIN_SPEAKER_REVISION_INTERVAL_S = 120
STREAMING_MODES = ("min_latency", "balanced", "max_accuracy")
MAX_PROMPT_CHARS = 1750
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


@dataclass(frozen=True)
class AssemblyAIConfig:
    """One run's settings.  Recognition settings first, then resilience knobs.

    Times are seconds unless the name says ``_ms``.  ``None`` for an optional
    recognition setting means "the service's default" (nothing is sent).
    """

    api_key: str = field(repr=False)
    api_host: str = DEFAULT_HOST
    # -- recognition (Settings dialog, issue 5 item 7) ---------------------
    speech_model: str = DEFAULT_MODEL
    language_codes: tuple[str, ...] = ()  # e.g. ("en", "es"); empty: the model's default
    language_detection: bool = False
    keyterms: tuple[str, ...] = ()  # custom vocabulary (keyterms_prompt)
    filter_profanity: bool = False
    format_turns: bool = True
    min_turn_silence_ms: int | None = None
    max_turn_silence_ms: int | None = None
    end_of_turn_confidence_threshold: float | None = None
    speaker_labels: bool = False
    max_speakers: int | None = None  # 1..MAX_SPEAKERS; None: the service decides
    # Re-cluster speakers every this many seconds (SpeakerRevision events);
    # None: off (the service's default).  At least MIN_SPEAKER_REVISION_INTERVAL_S.
    speaker_revision_interval_s: int | None = None
    mode: str | None = None  # one of STREAMING_MODES; None: the service's default
    prompt: str | None = None  # context for the speech model, ≤ MAX_PROMPT_CHARS
    # -- session options (issue 15.3; limits in session_options) ------------
    voice_focus: str | None = None  # "near-field" / "far-field"; None: off
    voice_focus_threshold: float | None = None  # 0..1, how hard the background is cut
    # Personal information replaced in finished lines; the service then sends no
    # partial lines (they would be unredacted), and neither does the engine.
    redact_pii: bool = False
    redact_pii_policies: tuple[str, ...] = ()  # empty: every kind the service knows
    redact_pii_sub: str | None = None  # "hash" / "entity_name"; None: the service's default
    domain: str | None = None  # "medical-v1"; None: general speech
    inactivity_timeout_s: int | None = None  # close after this long without audio; None: never
    # Instead of a stored key: GET a temporary streaming token from this URL
    # before every connection (the answer is JSON {"token": "…"}).
    token_url: str = ""
    # -- live translation (LLM Gateway; paid, billed per token) --------------
    translate_to: str = ""  # a language name or code; empty: off
    translation_model: str = DEFAULT_TRANSLATION_MODEL
    translation_max_tokens: int = DEFAULT_TRANSLATION_MAX_TOKENS
    # At Stop, wait at most this long for translations of the last turns
    # before sending Terminate (their answers come after the final).
    translation_wait_s: float = 2.0
    # Low-bandwidth audio: Opus packets instead of PCM (~10x fewer bytes; needs
    # PyAV, see opus.py).  Call mode streams PCM whatever this says.
    low_bandwidth: bool = False
    # -- connection ---------------------------------------------------------
    connect_timeout_s: float = 5.0
    begin_timeout_s: float = 10.0
    terminate_timeout_s: float = 5.0
    close_timeout_s: float = 3.0  # websocket close handshake (the SDK's default is 10 s)
    # -- resilience ---------------------------------------------------------
    reconnect: bool = True
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 30.0
    limit_retry_floor_s: float = 5.0  # too many sessions: never retry sooner than this
    bad_audio_retry_floor_s: float = 10.0  # 3007: one slow retry, then give up
    give_up_after_s: float = 300.0  # reconnecting for longer than this ends the run
    buffer_s: float = 60.0  # audio kept for the backfill while disconnected
    # Ask the service for periodic Heartbeat messages.  Silence from the server
    # for ``stall_timeout_s`` (no message, no websocket pong) while we send
    # audio means the connection is dead even if TCP has not noticed; pongs
    # without messages for ``heartbeat_silence_limit_s`` mean the session is.
    session_heartbeat: bool = True
    ping_interval_s: float = 5.0
    stall_timeout_s: float = 15.0
    # A server that answers pings but sends no message (no Heartbeat, no
    # Turn) for this long while it receives audio is dead all the same.
    heartbeat_silence_limit_s: float = HEARTBEAT_SILENCE_LIMIT_S
    rollover_after_s: float = 2 * 3600 + 50 * 60  # the service ends sessions at 3 h
    rollover_overlap_s: float = 2.0  # both sessions hear this much before the handover
    handover_margin_s: float = 1.0  # the old session hears a bit past the handover point
    # The handover waits for a pause (the end of the line being spoken) at most
    # this long before it splits the line by time; the 3 h limit is 10 min away.
    handover_search_s: float = 60.0
    provisional_offline: bool = True  # offline captions while the cloud is unreachable
    # ... from this long into an outage (fed from the drop on, out of the
    # buffer): building an offline decoder holds the GIL for 1-2 s on a busy
    # machine, which delayed the reconnect itself, and most reconnects are
    # done in well under a second.
    provisional_after_s: float = 2.0

    def __repr__(self) -> str:  # never print the key, even in a traceback
        return f"AssemblyAIConfig(api_host={self.api_host!r}, speech_model={self.speech_model!r})"

    @property
    def has_credentials(self) -> bool:
        """A key to send, or a token URL to fetch a token from before each connection."""
        return bool(self.api_key) or self.uses_token_url

    @property
    def uses_token_url(self) -> bool:
        """Connections authorise with a token fetched from ``token_url``, not with the key."""
        return bool(self.token_url.strip())

    @property
    def host_name(self) -> str:
        host = self.api_host
        for prefix in ("wss://", "ws://"):
            host = host.removeprefix(prefix)
        return host

    def validate(self) -> list[str]:
        """Problems with these settings, in plain words; empty when usable."""
        problems: list[str] = []
        if self.speech_model not in SPEECH_MODELS:
            problems.append(
                f"Unknown speech model “{self.speech_model}”. Choose one of: "
                + ", ".join(SPEECH_MODELS)
                + "."
            )
        bad_codes = [c for c in self.language_codes if not _LANGUAGE_CODE.match(c)]
        if bad_codes:
            problems.append(
                "Language codes look like “en” or “pt-BR”; these do not: "
                + ", ".join(repr(c) for c in bad_codes)
                + "."
            )
        if self.language_detection and len(self.language_codes) == 1:
            problems.append(
                "Language detection needs no single fixed language: "
                "clear the language or add more than one."
            )
        terms = [t.strip() for t in self.keyterms if t.strip()]
        if len(terms) > MAX_KEYTERMS:
            problems.append(f"At most {MAX_KEYTERMS} key terms are allowed ({len(terms)} given).")
        long_terms = [t for t in terms if len(t) > MAX_KEYTERM_CHARS]
        if long_terms:
            problems.append(
                f"Key terms may be at most {MAX_KEYTERM_CHARS} characters: “{long_terms[0]}”."
            )
        for name, value in (
            ("Minimum turn silence", self.min_turn_silence_ms),
            ("Maximum turn silence", self.max_turn_silence_ms),
        ):
            if value is not None and not 0 <= value <= 10_000:
                problems.append(f"{name} must be between 0 and 10000 ms.")
        if (
            self.min_turn_silence_ms is not None
            and self.max_turn_silence_ms is not None
            and self.min_turn_silence_ms > self.max_turn_silence_ms
        ):
            problems.append("Minimum turn silence must not exceed the maximum turn silence.")
        threshold = self.end_of_turn_confidence_threshold
        if threshold is not None and not 0.0 <= threshold <= 1.0:
            problems.append("The end-of-turn confidence threshold must be between 0 and 1.")
        problems += self._feature_problems()
        problems += option_problems(self)
        if self.buffer_s < 1:
            problems.append("The reconnect audio buffer must hold at least one second.")
        if self.rollover_after_s <= self.rollover_overlap_s + self.handover_margin_s:
            problems.append("The session rollover time is too short.")
        handed_over_by = self.rollover_after_s + self.handover_search_s + self.handover_margin_s
        if handed_over_by >= SESSION_LIMIT_S:  # the old session would be ended mid-handover
            problems.append("The session rollover comes too late for the 3-hour session limit.")
        return problems

    @property
    def translating(self) -> bool:
        return bool(self.translate_to.strip())

    def _feature_problems(self) -> list[str]:
        """Speaker labels, mode, prompt and translation settings that cannot be sent."""
        problems: list[str] = []
        if self.max_speakers is not None and not 1 <= self.max_speakers <= MAX_SPEAKERS:
            problems.append(f"Maximum speakers must be between 1 and {MAX_SPEAKERS}.")
        interval = self.speaker_revision_interval_s
        if interval is not None and interval < MIN_SPEAKER_REVISION_INTERVAL_S:
            problems.append(
                "The speaker revision interval must be at least "
                f"{MIN_SPEAKER_REVISION_INTERVAL_S} s (or off)."
            )
        if self.mode is not None and self.mode not in STREAMING_MODES:
            problems.append(
                f"Unknown mode “{self.mode}”. Choose one of: {', '.join(STREAMING_MODES)}."
            )
        if self.prompt is not None and len(self.prompt) > MAX_PROMPT_CHARS:
            problems.append(
                f"The prompt may be at most {MAX_PROMPT_CHARS} characters "
                f"({len(self.prompt)} given)."
            )
        if self.translating:
            problem = language_problem(self.translate_to)
            if problem is not None:
                problems.append(problem)
            if not self.translation_model.strip():
                problems.append("Choose the model that translates (the LLM Gateway model).")
            if not 1 <= self.translation_max_tokens <= 8192:
                problems.append("The translation's token limit must be between 1 and 8192.")
            if not 0 <= self.translation_wait_s <= 2:
                problems.append("The wait for the last translations must be 0 to 2 seconds.")
        return problems

    def streaming_parameters(self) -> StreamingParameters:
        """The SDK parameters for one connection of this run."""
        from assemblyai.streaming.v3.models import StreamingParameters

        params: dict[str, Any] = {
            "sample_rate": SAMPLE_RATE,
            "speech_model": self.speech_model,
            "format_turns": self.format_turns,
        }
        if self.language_codes:
            params["language_codes"] = list(self.language_codes)
        if self.language_detection:
            params["language_detection"] = True
        terms = [t.strip() for t in self.keyterms if t.strip()]
        if terms:
            params["keyterms_prompt"] = terms
        if self.filter_profanity:
            params["filter_profanity"] = True
        if self.min_turn_silence_ms is not None:
            params["min_turn_silence"] = self.min_turn_silence_ms
        if self.max_turn_silence_ms is not None:
            params["max_turn_silence"] = self.max_turn_silence_ms
        if self.end_of_turn_confidence_threshold is not None:
            params["end_of_turn_confidence_threshold"] = self.end_of_turn_confidence_threshold
        if self.speaker_labels:
            params["speaker_labels"] = True
            if self.max_speakers is not None:
                params["max_speakers"] = self.max_speakers
            if self.speaker_revision_interval_s is not None:
                params["speaker_labels_revision_interval_ms"] = (
                    self.speaker_revision_interval_s * 1000
                )
        if self.mode is not None:
            params["mode"] = self.mode
        if self.prompt is not None and self.prompt.strip():
            params["prompt"] = self.prompt.strip()
        params.update(option_params(self))
        if self.translating:
            params["llm_gateway"] = self.gateway_config()
        if self.session_heartbeat:
            params["session_heartbeat"] = True
        if self.low_bandwidth:
            params["encoding"] = "opus"  # one Opus packet per message (opus.py)
        return StreamingParameters(**params)

    def gateway_config(self) -> Any:
        """The SDK's ``LLMGatewayConfig`` that translates every finished turn."""
        from assemblyai.streaming.v3.models import LLMGatewayConfig, LLMGatewayMessage

        prompt = translation_prompt(self.translate_to)
        return LLMGatewayConfig(
            model=self.translation_model.strip(),
            messages=[LLMGatewayMessage(role="user", content=prompt)],
            max_tokens=self.translation_max_tokens,
        )
