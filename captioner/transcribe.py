"""``captioner transcribe FILE``: caption a WAV file on the terminal, no display needed.

Uses the same audio conversion and engines as the GUI.  Finished turns are
printed as they are recognised, each with its start time on the file's clock.
"""

from __future__ import annotations

import argparse
import sys
import threading
from typing import TextIO

from captioner import keystore
from captioner.audio.errors import AudioError
from captioner.audio.source import WavFileSource
from captioner.core.transcript import TurnUpdate
from captioner.engines.base import Engine, EngineError, EngineState

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

    def __init__(self, out: TextIO, *, expect_formatted: bool) -> None:
        self._out = out
        self._expect_formatted = expect_formatted
        self._pending: TurnUpdate | None = None
        self._printed: set[str] = set()
        self._lock = threading.Lock()
        self.errors: list[EngineError] = []
        self.stopped = threading.Event()

    def on_partial(self, update: TurnUpdate) -> None:
        with self._lock:
            if self._pending is not None and self._pending.key != update.key:
                self._flush()

    def on_final(self, update: TurnUpdate) -> None:
        with self._lock:
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
            self.stopped.set()

    def on_error(self, error: EngineError) -> None:
        self.errors.append(error)

    def _flush(self) -> None:
        turn = self._pending
        self._pending = None
        if turn is None or turn.key in self._printed:
            return
        self._printed.add(turn.key)
        label = f"{turn.speaker}: " if turn.speaker else ""
        print(f"[{format_timestamp(turn.start_ms)}] {label}{turn.text}", file=self._out, flush=True)


def run_transcribe(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    engine_id = args.engine or ("assemblyai" if keystore.load_api_key() else "offline")
    # The cloud service rejects audio sent faster than real time.
    realtime = args.realtime or engine_id == "assemblyai"
    source = WavFileSource(args.file, realtime=realtime)
    try:
        source.open()  # validate up front: a clear message and exit 2
    except AudioError as exc:
        print(f"captioner: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        source.close()

    printer = TurnPrinter(out, expect_formatted=engine_id == "assemblyai")
    engine: Engine
    if engine_id == "assemblyai":
        from captioner.engines.assemblyai import AssemblyAIConfig, AssemblyAIEngine

        key = keystore.load_api_key() or ""
        engine = AssemblyAIEngine(printer, AssemblyAIConfig(api_key=key, api_host=args.api_host))
    else:
        from captioner.engines.offline import OfflineEngine

        engine = OfflineEngine(printer, realtime=realtime)
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
    return EXIT_ENGINE_ERROR if printer.errors else EXIT_OK
