"""Command-line interface: parsing only, so it can be tested without Qt."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from captioner import __version__
from captioner.engines.assemblyai.limits import DEFAULT_HOST, MAX_SPEAKERS
from captioner.engines.assemblyai.session_options import (
    DOMAINS,
    MAX_INACTIVITY_TIMEOUT_S,
    MIN_INACTIVITY_TIMEOUT_S,
    PII_SUBSTITUTIONS,
    VOICE_FOCUS_CHOICES,
)
from captioner.engines.assemblyai.translation import DEFAULT_TRANSLATION_MODEL, language_problem
from captioner.engines.registry import engine_ids

EXPORT_FORMATS = ("txt", "srt", "vtt", "json", "md")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="captioner",
        description="Live captions from a microphone, system audio or a WAV file. "
        "`captioner transcribe FILE` prints a file's transcript instead (see its --help).",
        epilog="The AssemblyAI API key is read from ASSEMBLYAI_API_KEY or the system keyring "
        "(Settings ▸ AssemblyAI… stores it there).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--engine",
        choices=engine_ids(),
        help="recognition engine (default: AssemblyAI when an API key or a token URL is set, "
        "else offline)",
    )
    parser.add_argument(
        "--device",
        metavar="NAME_OR_INDEX",
        help='input: part of its name as --list-devices shows it, any case ("USB Headset", '
        '"System audio"), or a PortAudio device number; with --call-mode it picks that side',
    )
    parser.add_argument(
        "--call-mode",
        action="store_true",
        help="caption the microphone and the system audio at once, each line labelled (You/Them)",
    )
    parser.add_argument(
        "--input-file",
        metavar="WAV",
        help="caption a WAV file (paced at real time) instead of a device",
    )
    parser.add_argument(
        "--api-host",
        default=DEFAULT_HOST,
        metavar="HOST",
        help=f"AssemblyAI streaming host (default {DEFAULT_HOST}; ws://127.0.0.1:PORT for a "
        "local server)",
    )
    parser.add_argument("--start", action="store_true", help="start captioning at once")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="keep session transcripts here (default: the user data folder)",
    )
    parser.add_argument(
        "--list-devices",
        action="store_true",
        help="print the inputs (microphones by name, system audio, PortAudio devices) and exit",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="caption a bundled clip offscreen with the offline engine, print the result, exit",
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="log more (repeat for debug)"
    )
    return parser


def add_cloud_options(parser: argparse.ArgumentParser) -> None:
    """Options only the AssemblyAI engine has (another engine with any of them: exit 2)."""
    cloud = parser.add_argument_group("AssemblyAI only")
    cloud.add_argument(
        "--translate",
        type=_language,
        metavar="LANG",
        help="translate each finished turn into LANG (a name or code: French, fr, pt-BR) "
        "through AssemblyAI's LLM Gateway, printed under each line and exported beside it; "
        "billed per token, needs a paid account",
    )
    cloud.add_argument(
        "--translation-model",
        metavar="MODEL",
        help=f"the LLM Gateway model that translates (default: {DEFAULT_TRANSLATION_MODEL})",
    )
    cloud.add_argument(
        "--subtitles",
        choices=("bilingual", "separate"),
        default="bilingual",
        help="with --translate and an .srt/.vtt output: the translation under each cue "
        "(bilingual, the default) or a track of its own beside it, OUT.<LANG>.srt",
    )
    cloud.add_argument(
        "--speaker-labels", action="store_true", help="label speakers (A, B…), as revised"
    )
    cloud.add_argument(
        "--max-speakers",
        type=_bounded(int, 1, MAX_SPEAKERS),
        metavar="N",
        help=f"at most N speakers, 1–{MAX_SPEAKERS} (implies labels)",
    )
    cloud.add_argument(
        "--mode", choices=("min_latency", "balanced", "max_accuracy"), help="latency/accuracy"
    )
    cloud.add_argument("--prompt", metavar="TEXT", help="context for the speech model")
    cloud.add_argument(
        "--keyterms",
        metavar="TERMS",
        help="comma-separated words and names to expect (offline: written as given)",
    )
    add_session_options(cloud)
    cloud.add_argument(
        "--token-url",
        metavar="URL",
        help="no API key here: before each connection GET a temporary streaming token from "
        'URL, your organisation\'s endpoint that holds the key (an answer {"token": "…"}; '
        "https://, or http:// to this computer only); default: $CAPTIONER_TOKEN_URL",
    )
    cloud.add_argument(
        "--low-bandwidth",
        action="store_true",
        help="send the audio as Opus, about a tenth of the data of PCM "
        "(needs pip install 'captioner[opus]')",
    )


def _bounded(kind: type, low: float, high: float, unit: str = "") -> Any:
    """An argparse type: a ``kind`` number from ``low`` to ``high`` (a clear error otherwise)."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, not {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}{unit}, not {text}")
        return value

    return parse


def _language(text: str) -> str:
    """An argparse type: a language to translate into (an empty one would translate nothing)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must name a language (French, fr, pt-BR), not ''")
    problem = language_problem(text)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return text.strip()


def add_session_options(cloud: argparse._ArgumentGroup) -> None:
    """The session options of issue 15.3, as Settings ▸ AssemblyAI has them."""
    cloud.add_argument(
        "--voice-focus",
        choices=VOICE_FOCUS_CHOICES,
        help="cut background voices and noise: near-field (a headset, one speaker close to "
        "the microphone) or far-field (a room)",
    )
    cloud.add_argument(
        "--voice-focus-threshold",
        type=_bounded(float, 0.0, 1.0),
        metavar="X",
        help="how hard --voice-focus cuts the background, 0 to 1",
    )
    cloud.add_argument(
        "--redact-pii",
        action="store_true",
        help="replace personal information (names, numbers, addresses…) in the transcript",
    )
    cloud.add_argument(
        "--redact-pii-policies",
        metavar="KINDS",
        help="with --redact-pii: only these comma-separated kinds (default: every kind)",
    )
    cloud.add_argument(
        "--redact-pii-sub",
        choices=PII_SUBSTITUTIONS,
        help="with --redact-pii: what replaces a redacted word (default: the service's)",
    )
    cloud.add_argument("--domain", choices=DOMAINS, help="specialised vocabulary (medical)")
    cloud.add_argument(
        "--inactivity-timeout",
        type=_bounded(int, MIN_INACTIVITY_TIMEOUT_S, MAX_INACTIVITY_TIMEOUT_S, " seconds"),
        metavar="SECONDS",
        help=f"the service ends the session after this long without audio "
        f"({MIN_INACTIVITY_TIMEOUT_S}-{MAX_INACTIVITY_TIMEOUT_S} s; default: never)",
    )


def build_transcribe_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="captioner transcribe",
        description="Print the finished turns of a WAV file as they are recognised "
        "(no display needed), and with -o export them. Ctrl-C, SIGTERM and SIGHUP end the "
        "cloud session properly and still export the turns so far. Exit status: 0 the whole "
        "file was transcribed, 1 recognition failed or stopped with turns missing (the message "
        "says why), 2 bad arguments, an unusable file or an unwritable output, 128+N stopped "
        "by signal N (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP).",
        epilog="The AssemblyAI API key is read from ASSEMBLYAI_API_KEY or the system keyring "
        "(keyring set captioner assemblyai-api-key); --engine offline needs none.",
    )
    parser.add_argument("file", metavar="FILE", help="WAV file (any rate, channels, bit depth)")
    parser.add_argument(
        "--engine",
        choices=engine_ids(),
        help="recognition engine (default: AssemblyAI when an API key or a token URL is set, "
        "else offline)",
    )
    parser.add_argument("--api-host", default=DEFAULT_HOST, metavar="HOST", help="AssemblyAI host")
    parser.add_argument(
        "--realtime",
        action="store_true",
        help="pace the offline engine at real time (AssemblyAI always is)",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help="also export the transcript to OUT when done (format from its extension: "
        ".txt .srt .vtt .json .md); checked for writability before recognition starts",
    )
    parser.add_argument(
        "--format",
        choices=EXPORT_FORMATS,
        help="export format for -o, whatever the extension of OUT (needs -o: without it "
        "there is nothing to export, which is an error)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="let -o replace an existing file (never the input WAV, a symlink or a device: "
        "those are always refused); without it an existing OUT is an error",
    )
    parser.add_argument(
        "--profanity-filter",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="show strong profanity as f*** in the printed lines and the export (default: "
        "on, as in the app; --no-profanity-filter keeps the words as recognised)",
    )
    add_cloud_options(parser)
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log more")
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse ``captioner [options]`` (the GUI) or ``captioner transcribe FILE …``."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["transcribe"]:
        parser = build_transcribe_parser()
        args = parser.parse_args(argv[1:])
        if args.format and not args.output:
            # Ignoring it would let the user believe a file is being written.
            parser.error(f"--format {args.format} needs -o OUT: nothing is exported without it")
        args.command = "transcribe"
        return args
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.call_mode and args.input_file:
        # Call mode records the microphone and system audio: the file would be ignored.
        parser.error("--call-mode captions a microphone and system audio, not --input-file")
    args.command = "gui"
    return args
