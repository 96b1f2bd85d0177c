"""The session options of issue 15.3: what each allows, how it is sent, which change live.

Kept apart from :mod:`~captioner.engines.assemblyai.config` (which holds the
dataclass) so that file stays readable: here are the service's limits for
voice focus, PII redaction, the medical domain, the inactivity timeout and the
token URL, the connect parameters they become, and which settings the service
lets a running session change with ``UpdateConfiguration``.

Like ``config``, this module does not import the SDK at import time (the
settings dialog imports it before the main window shows); the SDK's list of
PII policies is read on first use.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from captioner.engines.assemblyai.config import AssemblyAIConfig

VOICE_FOCUS_CHOICES = ("near-field", "far-field")
PII_SUBSTITUTIONS = ("hash", "entity_name")
DOMAINS = ("medical-v1",)
# The service closes a session that received no audio for this long (seconds).
MIN_INACTIVITY_TIMEOUT_S = 5
MAX_INACTIVITY_TIMEOUT_S = 3600

# What a running session may change (``UpdateConfiguration``), by connect
# parameter name.  The service's reference lists mode, the turn silences and
# the prompts as changeable mid-session; language_codes is part of the SDK's
# session parameters too.  Voice focus, redaction, the domain and the
# inactivity timeout are fixed when the connection opens: a change to them
# applies from the next Start.
LIVE_FIELDS = (
    "keyterms_prompt",
    "prompt",
    "min_turn_silence",
    "max_turn_silence",
    "end_of_turn_confidence_threshold",
    "language_codes",
    "mode",
)


class _PiiPolicies(Sequence[str]):
    """The SDK's PII policy names (``StreamingPiiPolicy``), read from the SDK on first use."""

    @cached_property
    def _values(self) -> tuple[str, ...]:
        from assemblyai.streaming.v3.models import StreamingPiiPolicy

        return tuple(p.value for p in StreamingPiiPolicy)

    def __getitem__(self, index: Any) -> Any:
        return self._values[index]

    def __len__(self) -> int:
        return len(self._values)


PII_POLICIES: Sequence[str] = _PiiPolicies()


def option_problems(config: AssemblyAIConfig) -> list[str]:
    """Voice focus, redaction, domain, timeout and token URL settings that cannot be sent."""
    problems: list[str] = []
    if config.voice_focus is not None and config.voice_focus not in VOICE_FOCUS_CHOICES:
        problems.append(
            f"Unknown voice focus “{config.voice_focus}”. Choose one of: "
            + ", ".join(VOICE_FOCUS_CHOICES)
            + "."
        )
    threshold = config.voice_focus_threshold
    if threshold is not None:
        if config.voice_focus is None:
            problems.append("The voice focus strength needs voice focus (near or far) turned on.")
        elif not 0.0 <= threshold <= 1.0:
            problems.append("The voice focus strength must be between 0 and 1.")
    unknown = [p for p in config.redact_pii_policies if p not in PII_POLICIES]
    if unknown:
        problems.append("Unknown kinds of personal information: " + ", ".join(unknown) + ".")
    if config.redact_pii_sub is not None and config.redact_pii_sub not in PII_SUBSTITUTIONS:
        problems.append(
            "Redacted words are replaced by “hash” or “entity_name”, "
            f"not “{config.redact_pii_sub}”."
        )
    if config.domain is not None and config.domain not in DOMAINS:
        problems.append(f"Unknown domain “{config.domain}”. Choose: {', '.join(DOMAINS)}.")
    timeout = config.inactivity_timeout_s
    if timeout is not None and not MIN_INACTIVITY_TIMEOUT_S <= timeout <= MAX_INACTIVITY_TIMEOUT_S:
        problems.append(
            f"The inactivity timeout must be between {MIN_INACTIVITY_TIMEOUT_S} and "
            f"{MAX_INACTIVITY_TIMEOUT_S} seconds (or off)."
        )
    if config.token_url:
        problem = token_url_problem(config.token_url)
        if problem is not None:
            problems.append(problem)
    return problems


def token_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be the token URL (``None`` when it can).

    The answer is a credential, so it must travel over HTTPS; plain HTTP is
    allowed only to this computer (a local helper, tests).
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "The token URL must be a web address such as https://example.org/assemblyai-token."
    if parts.scheme == "http" and not _loopback(parts.hostname):
        return (
            "The token URL must use https:// (a token is as secret as a key while it is "
            "valid); http:// is allowed only for this computer (localhost)."
        )
    return None


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def option_params(config: AssemblyAIConfig) -> dict[str, Any]:
    """The connect parameters of these options (nothing for "the service's default")."""
    params: dict[str, Any] = {}
    if config.voice_focus is not None:
        params["voice_focus"] = config.voice_focus
        if config.voice_focus_threshold is not None:
            params["voice_focus_threshold"] = config.voice_focus_threshold
    if config.redact_pii:
        params["redact_pii"] = True
        if config.redact_pii_policies:
            params["redact_pii_policies"] = list(config.redact_pii_policies)
        if config.redact_pii_sub is not None:
            params["redact_pii_sub"] = config.redact_pii_sub
    if config.domain is not None:
        params["domain"] = config.domain
    if config.inactivity_timeout_s is not None:
        params["inactivity_timeout"] = config.inactivity_timeout_s
    return params


def live_values(config: AssemblyAIConfig) -> dict[str, Any]:
    """The :data:`LIVE_FIELDS` of ``config`` as connect parameters (``None``: not sent)."""
    terms = [t.strip() for t in config.keyterms if t.strip()]
    prompt = config.prompt.strip() if config.prompt else ""
    return {
        "keyterms_prompt": terms or None,
        "prompt": prompt or None,
        "min_turn_silence": config.min_turn_silence_ms,
        "max_turn_silence": config.max_turn_silence_ms,
        "end_of_turn_confidence_threshold": config.end_of_turn_confidence_threshold,
        "language_codes": list(config.language_codes) or None,
        "mode": config.mode,
    }


def live_changes(before: AssemblyAIConfig, after: AssemblyAIConfig) -> dict[str, Any]:
    """What changed between two configs among the settings a running session can take.

    A value going back to the service's default is ``None`` (key terms: an
    empty list, which the service reads as "none"): ``UpdateConfiguration``
    cannot unset a field, so the running connection keeps the old value while
    every connection opened later in the run goes without it.
    """
    old, new = live_values(before), live_values(after)
    changes = {name: new[name] for name in LIVE_FIELDS if new[name] != old[name]}
    if "keyterms_prompt" in changes and changes["keyterms_prompt"] is None:
        changes["keyterms_prompt"] = []
    return changes
