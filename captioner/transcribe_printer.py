"""How ``captioner transcribe`` prints turns: once each, formatted text first, translations under.

A listener of its own (the engine calls it on its threads), so the run in
:mod:`captioner.transcribe` only wires engine, printer and export together.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TextIO

from captioner.core.caption_line import caption_line
from captioner.core.transcript import Transcript, Turn, TurnUpdate
from captioner.engines.base import EngineError, EngineNotice, EngineState, ServiceSession

# With --translate a printed line waits for its translation (so it prints
# right under it) while at most this many later lines are ready.
MAX_HELD_LINES = 3


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
        notify: Callable[[str], None] | None = None,
    ) -> None:
        self._out = out
        self._notify = notify or (lambda _message: None)
        # What the service said it runs (Begin.configuration), for the export's
        # settings; the last connection's, like the app's session record.
        self.service: ServiceSession | None = None
        self._told_substitution = False
        self._translating = translating
        self._held: list[tuple[str, str]] = []  # (key, line) waiting for a translation
        self._expect_formatted = expect_formatted
        self._mask_profanity = mask_profanity
        self._pending: TurnUpdate | None = None
        self._printed: set[str] = set()
        self._lock = threading.Lock()
        self.errors: list[EngineError] = []
        self.output_problem = ""  # printing failed (not a closed pipe): said, exit 1
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

    def on_service_session(self, session: ServiceSession) -> None:
        """Keep the model in use; say once if it is not the one asked for."""
        with self._lock:
            self.service = session
            tell = session.model_differs and not self._told_substitution
            self._told_substitution = self._told_substitution or tell
        if tell:
            self._notify(
                f"AssemblyAI is using the “{session.model}” model, not “{session.requested_model}” "
                "that was asked for (the service ignored the choice): the transcript is that "
                "model's"
            )

    def on_notice(self, notice: EngineNotice) -> None:
        """Service warnings on stderr; the model substitution is said by on_service_session.

        The engine's own wording of the substitution points at the app's
        Settings, which a terminal user has not got.
        """
        # Imported here: only the cloud engine sends notices, and the offline
        # path imports none of its modules.
        from captioner.engines.assemblyai.service_report import substitution_message

        with self._lock:
            session = self.service
        if session is not None and notice.message == substitution_message(session):
            return
        self._notify(notice.message)

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
        finished = self.transcript.finished_turn(turn.key)  # the final was applied first
        shown = caption_line(
            finished or Turn(turn.key, turn.order, turn.text, turn.words, speaker=turn.speaker),
            mask_profanity=self._mask_profanity,
        )
        line = f"[{format_timestamp(turn.start_ms)}] {shown.label}{shown.text}"
        if self._translating:
            self._held.append((turn.key, line))
            self._drain()
        else:
            self._print(line)

    def _translation(self, key: str) -> str | None:
        """``(fr) Bonjour.`` once the turn's translation came (filtered like its line)."""
        turn = self.transcript.finished_turn(key)
        if turn is None:
            return None
        return caption_line(turn, mask_profanity=self._mask_profanity).translation_note

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
                self._print(" " * 15 + translation)

    def _print(self, line: str) -> None:
        if self._out_gone:
            return
        try:
            print(line, file=self._out, flush=True)
        except UnicodeEncodeError:  # an output encoding without these letters (cp1252)
            encoding = getattr(self._out, "encoding", None) or "ascii"
            self._print(line.encode(encoding, "replace").decode(encoding))
        except (BrokenPipeError, ValueError):
            # stdout closed (a hung-up terminal, a closed pipe): keep recognising,
            # the turns still reach the -o export.
            self._out_gone = True
        except OSError as exc:  # a full disk, an I/O error: the transcript is not there
            self._out_gone = True
            self.output_problem = f"The transcript could not be printed: {exc.strerror or exc}."
