"""``captioner transcribe FILE``: caption a WAV file on the terminal, no display needed.

Uses the same audio conversion and engines as the GUI.  Finished turns are
printed as they are recognised, each with its start time on the file's clock,
and with ``-o OUT`` exported at the end in any format the GUI exports.  Both
go through the profanity filter, on by default as in the app
(``--no-profanity-filter`` turns it off); there is no settings file here.

Ctrl-C, SIGTERM (``kill``, a service manager) and SIGHUP (the terminal closed)
all end a run the same way: the engine is stopped (for the cloud: Terminate,
so the session is not left open and billed), the turns so far are exported,
and the exit status is 128 + the signal's number.  A run that ends short of
the file's end, or with a turn the engine never finished, is not a success:
it says so and exits 1 (see ``EXIT_*``).
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

from captioner import keystore
from captioner.audio.errors import AudioError
from captioner.audio.file_source import WavFileSource
from captioner.core.bilingual import language_path
from captioner.core.export import (
    ExportError,
    ExportFormat,
    ExportOptions,
    check_writable,
    export,
    format_for_path,
)
from captioner.core.journal_format import apply_service
from captioner.core.session import SessionInfo
from captioner.engines.base import Engine
from captioner.engines.registry import EngineId, EngineOptions, choose_engine, spec
from captioner.transcribe_cloud import NO_KEY_MESSAGE, cloud_config, offline_problem, token_url
from captioner.transcribe_printer import TurnPrinter, format_timestamp

EXIT_OK, EXIT_ENGINE_ERROR, EXIT_BAD_INPUT = 0, 1, 2
# Stopped by signal N: exit 128 + N after the orderly stop (the shell's convention,
# so a script can tell a transcript cut short from a complete one).
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
TERMINATE_WAIT_S = 15


def say(message: str) -> None:
    """A message on stderr; after SIGHUP the terminal may be gone, which must not crash."""
    with contextlib.suppress(OSError, ValueError):
        print(f"captioner: {message}", file=sys.stderr, flush=True)


class Interrupted(Exception):
    """A stop signal arrived while waiting for the engine (Ctrl-C, SIGTERM, SIGHUP)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class StopSignals:
    """Turns Ctrl-C, SIGTERM and SIGHUP into :class:`Interrupted` while armed.

    Python's default for SIGTERM and SIGHUP kills the process at once: no
    Terminate reaches the cloud (the session stays open and billed) and the
    ``-o`` export is never written.  While armed the first signal raises in the
    main thread, like Ctrl-C's KeyboardInterrupt; once disarmed (the orderly
    stop and the export are under way) further signals are noted and ignored,
    so an impatient second ``kill`` or Ctrl-C cannot lose the export either.
    """

    def __init__(self) -> None:
        self.armed = False
        self._previous: dict[int, object] = {}

    @contextlib.contextmanager
    def installed(self) -> Iterator[StopSignals]:
        if threading.current_thread() is not threading.main_thread():
            yield self  # signals are delivered to the main thread only; nothing to do
            return
        for signum in STOP_SIGNALS:
            self._previous[signum] = signal.signal(signum, self._on_signal)
        self.armed = True
        try:
            yield self
        finally:
            self.armed = False
            for signum, handler in self._previous.items():
                signal.signal(signum, handler)  # type: ignore[arg-type]

    def _on_signal(self, signum: int, _frame: object) -> None:
        if self.armed:
            self.armed = False
            raise Interrupted(signum)


class EndTracker:
    """Wraps the file source to learn whether the engine read it to the end.

    A run whose engine stops before the end of the file (and nobody asked it
    to) has lost the rest of the transcript, whatever the engine reported.
    """

    def __init__(self, source: WavFileSource) -> None:
        self._source = source
        self.name = source.name
        self.reached_end = False
        self.read_ms = 0

    def open(self) -> None:
        self._source.open()

    def read(self, timeout: float) -> bytes | None:
        chunk = self._source.read(timeout)
        if chunk == b"":
            self.reached_end = True
        elif chunk:
            self.read_ms += len(chunk) * 1000 // (2 * 16000)  # 16 kHz mono s16le
        return chunk

    def close(self) -> None:
        self._source.close()


def run_transcribe(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    url = token_url(args)  # a token URL stands in for the key
    # One keyring read at most (it may wait on D-Bus or an unlock prompt), none for
    # --engine offline or a token URL.
    key, key_problem = (None, None) if url or args.engine == "offline" else keystore.key_for_run()
    engine_id = choose_engine(requested=args.engine, has_key=bool(url or key))
    # The cloud service rejects audio sent faster than real time.
    realtime = args.realtime or engine_id is EngineId.ASSEMBLYAI
    source = WavFileSource(args.file, realtime=realtime)
    try:
        source.open()  # validate up front: a clear message and exit 2
    except AudioError as exc:
        print(f"captioner: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        source.close()
    if source.warning:  # e.g. a header that disagrees with the file: read anyway, say so
        print(f"captioner: warning: {source.warning}", file=sys.stderr)

    output: Path | None = Path(args.output) if getattr(args, "output", None) else None
    fmt: ExportFormat | None = None
    if output is not None:
        try:  # before recognition: nobody should wait a minute to learn this
            fmt = format_for_path(output, getattr(args, "format", None))
            for target in early_targets(args, output, fmt):
                check_writable(target, overwrite=forcing(args), inputs=[args.file])
        except ExportError as exc:
            print(f"captioner: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
    started_at = datetime.now(timezone.utc)

    mask_profanity = bool(getattr(args, "profanity_filter", True))
    engine_options = EngineOptions(realtime=realtime)
    settings: dict[str, object] = {}
    translating = False
    if engine_id is EngineId.ASSEMBLYAI:
        # With a token URL no key is read or sent (not even a stored one): the
        # token alone authorises each connection.
        if key_problem:
            print(f"captioner: {key_problem}", file=sys.stderr)
            return 2
        if not (key or url):  # said here, in a terminal's words, not by the engine
            print(f"captioner: {NO_KEY_MESSAGE}", file=sys.stderr)
            return EXIT_ENGINE_ERROR
        config, settings, problems = cloud_config(args, key or "", url)
        if problems:
            print(f"captioner: {' '.join(problems)}", file=sys.stderr)
            return EXIT_BAD_INPUT
        translating = config.translating
        engine_options = EngineOptions(realtime=realtime, assemblyai=config)
    else:
        problem = offline_problem(args)
        if problem is not None:
            print(f"captioner: {problem}", file=sys.stderr)
            return EXIT_BAD_INPUT
        # Key terms the offline engine cannot listen for, but writes as given ("Dashwood").
        names = tuple((getattr(args, "keyterms", None) or "").split(","))
        engine_options = EngineOptions(realtime=realtime, names=names)
    printer = TurnPrinter(
        out,
        expect_formatted=engine_id is EngineId.ASSEMBLYAI,
        mask_profanity=mask_profanity,
        translating=translating,
        notify=say,
    )
    engine: Engine = spec(engine_id).create(printer, engine_options)
    tracker = EndTracker(WavFileSource(args.file, realtime=realtime))
    signals = StopSignals()
    interrupted_by: int | None = None
    with signals.installed():
        try:
            engine.start(tracker)
            while not printer.stopped.wait(0.2):
                pass
            signals.armed = False
        except (KeyboardInterrupt, Interrupted) as exc:
            interrupted_by = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
            signals.armed = False  # from here on a signal may not cut the export short
            say(
                f"{signal.Signals(interrupted_by).name}: ending the session; the turns so far "
                + (f"go to {output}" if output is not None else "were printed")
            )
            engine.stop()  # for the cloud: Terminate, so the session is not left open
            printer.stopped.wait(TERMINATE_WAIT_S)
        stopped = engine.join(TERMINATE_WAIT_S)
        if printer.service is not None:  # the model that made the text, as the app records it
            apply_service(settings, printer.service.model, printer.service.mode)
        code = finish(args, output, fmt, printer, engine_id, settings, source, started_at)
    if interrupted_by is not None:
        problems = [error.message for error in printer.errors]
    else:
        problems = run_problems(printer, tracker, stopped)
    if printer.output_problem:
        problems.append(printer.output_problem)
    for problem in problems:
        say(problem)
    if code != EXIT_OK:
        return code
    if interrupted_by is not None:
        return 128 + int(interrupted_by)
    return EXIT_ENGINE_ERROR if problems else EXIT_OK


def forcing(args: argparse.Namespace) -> bool:
    """``--force``: -o may replace an existing file (never the input, a link or a device)."""
    return bool(getattr(args, "force", False))


def early_targets(args: argparse.Namespace, output: Path, fmt: ExportFormat) -> list[Path]:
    """The files ``-o`` will write, as far as known before recognition (``OUT.<LANG>.srt`` too)."""
    language = (getattr(args, "translate", None) or "").strip()
    separate = getattr(args, "subtitles", "bilingual") == "separate"
    if language and separate and fmt in (ExportFormat.SRT, ExportFormat.VTT):
        return [output, language_path(output, language)]
    return [output]


def run_problems(printer: TurnPrinter, tracker: EndTracker, stopped: bool) -> list[str]:
    """Why a run that was not interrupted has turns missing (empty: it is complete)."""
    problems = [error.message for error in printer.errors]
    if not stopped:
        problems.append(
            f"the engine did not stop within {TERMINATE_WAIT_S} s; the transcript may be incomplete"
        )
    if not printer.errors and not tracker.reached_end:
        problems.append(
            f"recognition stopped at {format_timestamp(tracker.read_ms)}, before the end of "
            "the file; the transcript is incomplete"
        )
    if not printer.errors and printer.unfinished:
        last = printer.unfinished[-1]
        problems.append(
            f"{len(printer.unfinished)} turn(s) were never finished by the engine (the last "
            f"began at {format_timestamp(last.start_ms)}: “{last.text[:60]}”); the server "
            "may have gone quiet, so the transcript may be missing its end"
        )
    return problems


def finish(
    args: argparse.Namespace,
    output: Path | None,
    fmt: ExportFormat | None,
    printer: TurnPrinter,
    engine_id: EngineId,
    settings: dict[str, object],
    source: WavFileSource,
    started_at: datetime,
) -> int:
    """Export the turns so far (after an error or a signal too: they are worth keeping).

    A run that failed before any turn (a refused key, no network) writes
    nothing: an empty file replaced the user's transcript under ``--force``,
    and without it blocked the retry ("already exists").
    """
    if output is None or fmt is None:
        return EXIT_OK
    if printer.errors and not printer.finished_turns():
        say(f"Nothing was written to “{output}”: no speech was transcribed.")
        return EXIT_OK
    info = SessionInfo(
        engine=engine_id.value,
        source=Path(args.file).name,
        settings=settings,
        started_at=started_at,
        ended_at=datetime.now(timezone.utc),
        duration_ms=round(source.duration_s * 1000) if source.duration_s else None,
    )
    try:
        options = ExportOptions(
            mask_profanity=bool(getattr(args, "profanity_filter", True)),
            subtitle_translation=getattr(args, "subtitles", "bilingual"),
        )
        export(
            output,
            printer.finished_turns(),
            info,
            fmt=fmt,
            options=options,
            overwrite=forcing(args),
            inputs=[args.file],
        )
    except ExportError as exc:
        say(str(exc))
        return EXIT_BAD_INPUT
    return EXIT_OK
