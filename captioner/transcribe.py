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
from captioner.audio.source import WavFileSource
from captioner.core.bilingual import language_path
from captioner.core.export import (
    ExportError,
    ExportFormat,
    ExportOptions,
    check_writable,
    export,
    format_for_path,
)
from captioner.core.profanity import mask_text
from captioner.core.session import SessionInfo
from captioner.core.transcript import Transcript, Translation, Turn, TurnUpdate
from captioner.engines.base import Engine, EngineError, EngineState
from captioner.engines.registry import EngineId, EngineOptions, choose_engine, spec
from captioner.transcribe_cloud import cloud_config, offline_problem

EXIT_OK, EXIT_ENGINE_ERROR, EXIT_BAD_INPUT = 0, 1, 2
# Stopped by signal N: exit 128 + N after the orderly stop (the shell's convention,
# so a script can tell a transcript cut short from a complete one).
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
TERMINATE_WAIT_S = 15
# With --translate a printed line waits for its translation (so it prints
# right under it) while at most this many later lines are ready.
MAX_HELD_LINES = 3


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


def format_timestamp(ms: int | None) -> str:
    ms = ms or 0
    minutes, rest = divmod(ms, 60_000)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{rest / 1000:06.3f}"


class TurnPrinter:
    """Prints each finished turn once, preferring its formatted text.

    With AssemblyAI's ``format_turns`` a formatted final may follow the plain
    one (depending on the model), so a plain final is held until its
    formatted twin arrives, another turn begins, or the run ends.
    """

    def __init__(
        self,
        out: TextIO,
        *,
        expect_formatted: bool,
        mask_profanity: bool = False,
        translating: bool = False,
    ) -> None:
        self._out = out
        self._translating = translating
        self._held: list[tuple[str, str]] = []  # (key, line) waiting for a translation
        self._expect_formatted = expect_formatted
        self._mask_profanity = mask_profanity
        self._pending: TurnUpdate | None = None
        self._printed: set[str] = set()
        self._lock = threading.Lock()
        self.errors: list[EngineError] = []
        self.stopped = threading.Event()
        self.transcript = Transcript()
        # Turns the engine showed but never finished (kept in the export as they
        # stood): the server went quiet or its reader died before the final.
        self.unfinished: list[Turn] = []
        self._out_gone = False

    def on_partial(self, update: TurnUpdate) -> None:
        with self._lock:
            self.transcript.apply(update)
            if self._pending is not None and self._pending.key != update.key:
                self._flush()

    def on_final(self, update: TurnUpdate) -> None:
        with self._lock:
            self.transcript.apply(update)
            if update.key in self._printed or not update.text.strip():
                return
            if self._pending is not None and self._pending.key != update.key:
                self._flush()
            if update.formatted or not self._expect_formatted:
                self._pending = update
                self._flush()
            else:
                self._pending = update

    def on_state(self, state: EngineState, detail: str) -> None:
        if state is EngineState.STOPPED:
            with self._lock:
                self._flush()
                self._drain(everything=True)
                self.unfinished += [t for t in self.transcript.partials.values() if t.text.strip()]
                self.transcript.finish_partials()
            self.stopped.set()

    def on_error(self, error: EngineError) -> None:
        self.errors.append(error)

    def on_translation(self, turn_id: str, language: str, text: str) -> None:
        with self._lock:
            self.transcript.apply_translation(turn_id, language, text)
            self._drain()

    def on_speaker_revision(
        self, turn_id: str, speaker: str | None, word_speakers: tuple[str | None, ...]
    ) -> None:
        # Lines already printed stay as they are; the -o export carries the new labels.
        with self._lock:
            self.transcript.apply_speaker_revision(turn_id, speaker, word_speakers)

    def finished_turns(self) -> list[Turn]:
        """A snapshot of the finished turns (safe even if an engine thread lingers)."""
        with self._lock:
            return list(self.transcript.finished)

    def _flush(self) -> None:
        turn = self._pending
        self._pending = None
        if turn is None or turn.key in self._printed:
            return
        self._printed.add(turn.key)
        label = f"{turn.speaker}: " if turn.speaker else ""
        text = mask_text(turn.text) if self._mask_profanity else turn.text
        line = f"[{format_timestamp(turn.start_ms)}] {label}{text}"
        if self._translating:
            self._held.append((turn.key, line))
            self._drain()
        else:
            self._print(line)

    def _translation(self, key: str) -> Translation | None:
        turn = self.transcript.finished_turn(key)
        return turn.translation if turn is not None else None

    def _drain(self, *, everything: bool = False) -> None:
        """Print held lines in order, each with its translation under it once it came."""
        while self._held:
            key, line = self._held[0]
            translation = self._translation(key)
            if translation is None and not everything and len(self._held) <= MAX_HELD_LINES:
                return
            self._held.pop(0)
            self._print(line)
            if translation is not None:
                text = mask_text(translation.text) if self._mask_profanity else translation.text
                self._print(" " * 15 + f"({translation.language}) {text}")

    def _print(self, line: str) -> None:
        if self._out_gone:
            return
        try:
            print(line, file=self._out, flush=True)
        except (OSError, ValueError):
            # stdout closed (a hung-up terminal, a closed pipe): keep recognising,
            # the turns still reach the -o export.
            self._out_gone = True


def run_transcribe(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    engine_id = choose_engine(requested=args.engine, has_key=bool(keystore.load_api_key()))
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
        key = keystore.load_api_key() or ""
        problem = keystore.api_key_problem()
        if problem:
            print(f"captioner: {problem}", file=sys.stderr)
            return 2
        config, settings, problems = cloud_config(args, key)
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
    printer = TurnPrinter(
        out,
        expect_formatted=engine_id is EngineId.ASSEMBLYAI,
        mask_profanity=mask_profanity,
        translating=translating,
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
        code = finish(args, output, fmt, printer, engine_id, settings, source, started_at)
    if interrupted_by is not None:
        problems = [error.message for error in printer.errors]
    else:
        problems = run_problems(printer, tracker, stopped)
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
    """Export the turns so far (after an error or a signal too: they are worth keeping)."""
    if output is None or fmt is None:
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
