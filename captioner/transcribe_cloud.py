"""The AssemblyAI-only options of ``captioner transcribe``: checked, then turned into a config.

Kept out of :mod:`captioner.transcribe` so that the offline path never
imports the cloud engine's modules, and so that the checks (which must all
happen before recognition starts: exit 2, nothing transcribed) sit together.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from captioner import keystore

# The token URL when --token-url is not given (a deployment sets it once for
# every run, like ASSEMBLYAI_API_KEY); used only by the cloud engine, so an
# offline run with it set is not an error.
TOKEN_URL_ENV = "CAPTIONER_TOKEN_URL"

# The options only the cloud engine has, with the flag that names each.
CLOUD_OPTIONS = {
    "translate": "--translate",
    "translation_model": "--translation-model",
    "speaker_labels": "--speaker-labels",
    "max_speakers": "--max-speakers",
    "mode": "--mode",
    "prompt": "--prompt",
    "low_bandwidth": "--low-bandwidth",
    "token_url": "--token-url",
    "voice_focus": "--voice-focus",
    "voice_focus_threshold": "--voice-focus-threshold",
    "redact_pii": "--redact-pii",
    "redact_pii_policies": "--redact-pii-policies",
    "redact_pii_sub": "--redact-pii-sub",
    "domain": "--domain",
    "inactivity_timeout": "--inactivity-timeout",
}


# The app's wording names its Settings menu, which a terminal does not have.
NO_KEY_MESSAGE = (
    f"No AssemblyAI API key. Set the {keystore.ENV_VAR} environment variable, or store "
    f"the key in the system keyring with “keyring set {keystore.SERVICE} {keystore.ACCOUNT}”, "
    "or give --token-url URL; --engine offline works without a key."
)


def token_url(args: argparse.Namespace) -> str:
    """The token URL of this run: ``--token-url``, else ``$CAPTIONER_TOKEN_URL``, else ""."""
    given = (getattr(args, "token_url", None) or "").strip()
    return given or os.environ.get(TOKEN_URL_ENV, "").strip()


def offline_problem(args: argparse.Namespace) -> str | None:
    """The message for cloud-only options given to another engine; ``None`` if none were."""
    # Given at all, even empty (--prompt ''): not only when the value is truthy.
    given = [
        flag
        for name, flag in CLOUD_OPTIONS.items()
        if getattr(args, name, None) not in (None, False)
    ]
    if not given:
        return None
    if getattr(args, "translate", None) is not None:
        return (
            "translation needs the cloud engine: add --engine assemblyai (and an AssemblyAI "
            "API key); the offline engine cannot translate"
        )
    verb = "needs" if len(given) == 1 else "need"
    return f"{', '.join(given)} {verb} the cloud engine: add --engine assemblyai"


def cloud_config(
    args: argparse.Namespace, key: str, url: str = ""
) -> tuple[Any, dict[str, object], list[str]]:
    """``(AssemblyAIConfig, session settings, problems)`` for this run's options.

    ``problems`` (plain words) means the run must not start.  The settings
    are what the export's session records about how the text was made
    (never the key, nor the token URL: it may carry a secret in its query).
    ``url``, the token URL, replaces the key: a token is fetched from it
    before each connection.
    """
    from captioner.engines.assemblyai import AssemblyAIConfig
    from captioner.engines.assemblyai.translation import DEFAULT_TRANSLATION_MODEL

    max_speakers = getattr(args, "max_speakers", None)
    labels = bool(getattr(args, "speaker_labels", False)) or max_speakers is not None
    terms = tuple(t.strip() for t in (getattr(args, "keyterms", None) or "").split(","))
    config = AssemblyAIConfig(
        api_key=key,
        api_host=args.api_host,
        speaker_labels=labels,
        max_speakers=max_speakers,
        mode=getattr(args, "mode", None),
        prompt=getattr(args, "prompt", None),
        keyterms=tuple(t for t in terms if t),
        translate_to=(getattr(args, "translate", None) or "").strip(),
        translation_model=getattr(args, "translation_model", None) or DEFAULT_TRANSLATION_MODEL,
        low_bandwidth=bool(getattr(args, "low_bandwidth", False)),
        token_url=url,
        voice_focus=getattr(args, "voice_focus", None),
        voice_focus_threshold=getattr(args, "voice_focus_threshold", None),
        redact_pii=bool(getattr(args, "redact_pii", False)),
        redact_pii_policies=comma_list(getattr(args, "redact_pii_policies", None)),
        redact_pii_sub=getattr(args, "redact_pii_sub", None),
        domain=getattr(args, "domain", None),
        inactivity_timeout_s=getattr(args, "inactivity_timeout", None),
    )
    settings: dict[str, object] = {
        "speech_model": config.speech_model,
        "format_turns": config.format_turns,
    }
    if labels:
        settings["speaker_labels"] = True
        if max_speakers is not None:
            settings["max_speakers"] = max_speakers
    if config.mode:
        settings["mode"] = config.mode
    if config.translating:
        settings["translate_to"] = config.translate_to
        settings["translation_model"] = config.translation_model
    settings.update(session_option_settings(config))
    problems = config.validate()
    if (config.redact_pii_policies or config.redact_pii_sub) and not config.redact_pii:
        # Sent without it they would do nothing: the user would believe the text redacted.
        problems.append("--redact-pii-policies and --redact-pii-sub need --redact-pii.")
    if config.low_bandwidth:
        from captioner.engines.assemblyai.opus import opus_problem

        settings["audio_encoding"] = "opus"
        problem = opus_problem()  # asked for by name: refused, not quietly sent as PCM
        if problem is not None:
            problems.append(f"--low-bandwidth: {problem}")
    return config, settings, problems


def comma_list(text: str | None) -> tuple[str, ...]:
    """``"a, b,,c"`` → ``("a", "b", "c")``."""
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def session_option_settings(config: Any) -> dict[str, object]:
    """The session options (issue 15.3) an export records; nothing for the service defaults.

    Redaction above all: a reader of the export must know the text was redacted.
    """
    from captioner.engines.assemblyai.session_options import option_params

    settings: dict[str, object] = option_params(config)  # what the session was asked for
    if "inactivity_timeout" in settings:  # exports name the unit
        settings["inactivity_timeout_s"] = settings.pop("inactivity_timeout")
    return settings
