"""``captioner transcribe FILE``: caption a WAV file on the terminal, no display needed.

Uses the same audio conversion and engines as the GUI.  Finished turns are
printed as they are recognised, each with its start time on the file's clock,
and with ``-o OUT`` exported at the end in any format the GUI exports.  Both
go through the profanity filter, on by default as in the app
(``--no-profanity-filter`` turns it off); there is no settings file here.
"""

from __future__ import annotations

import argparse
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

from captioner import keystore
from captioner.audio.errors import AudioError
from captioner.audio.source import WavFileSource
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
from captioner.core.transcript import Transcript, Turn, TurnUpdate
from captioner.engines.base import Engine, EngineError, EngineState
from captioner.engines.registry import EngineId, EngineOptions, choose_engine, spec

EXIT_OK, EXIT_ENGINE_ERROR, EXIT_BAD_INPUT = 0, 1, 2


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
        self, out: TextIO, *, expect_formatted: bool, mask_profanity: bool = False
    ) -> None:
        self._out = out
        self._expect_formatted = expect_formatted
        self._mask_profanity = mask_profanity
        self._pending: TurnUpdate | None = None
        self._printed: set[str] = set()
        self._lock = threading.Lock()
        self.errors: list[EngineError] = []
        self.stopped = threading.Event()
        self.transcript = Transcript()

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
                self.transcript.finish_partials()
            self.stopped.set()

    def on_error(self, error: EngineError) -> None:
        self.errors.append(error)

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
        print(f"[{format_timestamp(turn.start_ms)}] {label}{text}", file=self._out, flush=True)


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

    output: Path | None = Path(args.output) if getattr(args, "output", None) else None
    fmt: ExportFormat | None = None
    if output is not None:
        try:  # before recognition: nobody should wait a minute to learn this
            fmt = format_for_path(output, getattr(args, "format", None))
            check_writable(output)
        except ExportError as exc:
            print(f"captioner: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
    started_at = datetime.now(timezone.utc)

    mask_profanity = bool(getattr(args, "profanity_filter", True))
    printer = TurnPrinter(
        out, expect_formatted=engine_id is EngineId.ASSEMBLYAI, mask_profanity=mask_profanity
    )
    engine_options = EngineOptions(realtime=realtime)
    settings: dict[str, object] = {}
    if engine_id is EngineId.ASSEMBLYAI:
        from captioner.engines.assemblyai import AssemblyAIConfig

        key = keystore.load_api_key() or ""
        problem = keystore.api_key_problem()
        if problem:
            print(f"captioner: {problem}", file=sys.stderr)
            return 2
        config = AssemblyAIConfig(api_key=key, api_host=args.api_host)
        settings = {"speech_model": config.speech_model, "format_turns": config.format_turns}
        engine_options = EngineOptions(realtime=realtime, assemblyai=config)
    engine: Engine = spec(engine_id).create(printer, engine_options)
    engine.start(WavFileSource(args.file, realtime=realtime))
    try:
        while not printer.stopped.wait(0.2):
            pass
    except KeyboardInterrupt:
        engine.stop()  # for the cloud: Terminate, so the session is not left open
        printer.stopped.wait(15)
    engine.join(15)
    for error in printer.errors:
        print(f"captioner: {error.message}", file=sys.stderr)
    if output is not None and fmt is not None:
        # Exported even after an engine error: the turns recognised so far are worth keeping.
        info = SessionInfo(
            engine=engine_id.value,
            source=Path(args.file).name,
            settings=settings,
            started_at=started_at,
            ended_at=datetime.now(timezone.utc),
            duration_ms=round(source.duration_s * 1000) if source.duration_s else None,
        )
        try:
            options = ExportOptions(mask_profanity=mask_profanity)
            export(output, printer.finished_turns(), info, fmt=fmt, options=options)
        except ExportError as exc:
            print(f"captioner: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
    return EXIT_ENGINE_ERROR if printer.errors else EXIT_OK
