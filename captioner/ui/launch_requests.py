"""A later launch's options, applied by the running instance (or refused, out loud).

``captioner --input-file talk.wav --start`` while Captioner already runs hands
over to the running instance (:mod:`captioner.ui.single_instance`).  What it
asked for is applied here as if the user had picked it in the window: the
engine, the input (a file or ``--device``), then Start.  When it cannot be
applied — a run is going or a Start waits, or the option belongs to start-up
only (another data folder or host) — both sides say so plainly: the second
launch prints the answer, and this window's status line tells what was asked
and not done.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from PySide6.QtCore import QObject, QTimer

from captioner.engines.assemblyai.limits import DEFAULT_HOST
from captioner.engines.registry import EngineId, spec
from captioner.ui.single_instance import REPLY_TIMEOUT_MS, HandoverReply, LaunchRequest

if TYPE_CHECKING:  # the second launch needs only launch_options and tell_handover (issue 14)
    from captioner.ui.controller import CaptionController
    from captioner.ui.engine_picker import EnginePicker
    from captioner.ui.input_picker import InputPicker
    from captioner.ui.main_window import MainWindow
    from captioner.ui.run_starter import RunStarter

# Options fixed when an instance starts: a running one cannot switch to others.
START_UP_ONLY = {"data_dir": "--data-dir", "api_host": "--api-host", "call_mode": "--call-mode"}
SHOWN = "showing its window"
# A --device name waits for the inputs to be found, but answers before the other launch
# stops waiting (REPLY_TIMEOUT_MS), with time to spare for its GUI thread being busy.
ANSWER_WITHIN_MS = REPLY_TIMEOUT_MS - 1500
Answer = Callable[[bool, str], None]  # (applied, what the other launch prints)


def launch_options(args: Any) -> dict[str, Any]:
    """The options of this launch worth handing over (paths made absolute here,
    where they were typed: the running instance has another working directory)."""
    options: dict[str, Any] = {}
    for key in ("engine", "device", "input_file", "start", *START_UP_ONLY):
        value = getattr(args, key, None)
        if value in (None, False, "") or (key == "api_host" and value == DEFAULT_HOST):
            continue  # not given (the default host is every instance's)
        if key in ("input_file", "data_dir"):
            value = str(Path(value).expanduser().resolve())
        options[key] = value
    return options


def tell_handover(reply: HandoverReply, out: TextIO | None = None) -> int:
    """The second launch's last words: what the running instance did; its exit status.

    1 when options were given and not applied, so a script that asked for
    ``--input-file … --start`` learns that nothing started.
    """
    if reply.message == SHOWN:
        text = f"Captioner is already running; {SHOWN}."
    else:
        text = f"Captioner is already running: {reply.message}."
    print(text, file=out or sys.stderr)
    return 0 if reply.applied else 1


class LaunchRequests(QObject):
    """Applies what a later launch asked for, and answers it."""

    def __init__(
        self,
        window: MainWindow,
        controller: CaptionController,
        engines: EnginePicker,
        inputs: InputPicker,
        runs: RunStarter,
        *,
        start_up: dict[str, Any],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._controller = controller
        self._engines = engines
        self._inputs = inputs
        self._runs = runs
        # This instance's own start-up-only values (normalised like launch_options).
        self._start_up = start_up

    @classmethod
    def of(cls, app: Any, args: Any) -> LaunchRequests:
        """The requests handler of a running :class:`~captioner.app.CaptionerApp`."""
        return cls(
            app.window,
            app.controller,
            app.engines,
            app.inputs,
            app.runs,
            start_up=launch_options(args),
            parent=app,
        )

    def handle(self, request: LaunchRequest) -> None:
        request.take()
        self.apply(request.options, request.answer)

    def apply(self, options: dict[str, Any], answer: Answer) -> None:
        """Apply ``options``; ``answer(applied, what to tell the other launch)``.

        ``answer`` is :meth:`LaunchRequest.answer`, which reaches the other launch
        once: a later call (the inputs found after a "too slow" answer) is dropped.
        A ``--device`` name is answered only once the inputs have been looked for:
        "selected" before that would be a guess, and a name that picks no input is
        a refusal (the other launch exits 1 naming the inputs).
        """
        self._window.bring_to_front()
        fixed = [
            flag
            for key, flag in START_UP_ONLY.items()
            if key in options and options[key] != self._start_up.get(key)
        ]
        wanted = describe(options)
        if not wanted and not fixed:
            answer(True, SHOWN)
            return
        why_fixed = f"{', '.join(fixed)} not applied: set when Captioner starts; quit it first"
        note = f" ({why_fixed})" if fixed else ""
        if not wanted:
            self._window.show_status(f"A second launch's {', '.join(fixed)} was not applied.", True)
            answer(False, why_fixed)
            return
        if self._refused_while_busy(wanted, note, answer):
            return
        if "input_file" in options or "device" in options:
            self._inputs.request(input_file=options.get("input_file"), device=options.get("device"))

        def go_on() -> None:
            self._apply_selected(options, wanted, not fixed, note, answer)

        if options.get("device") and not options.get("input_file") and self._inputs.loading:
            self._after_inputs_found(wanted, bool(options.get("start")), go_on, answer)
        else:
            go_on()

    def _refused_while_busy(self, wanted: str, note: str, answer: Answer) -> bool:
        """A run is going or a Start waits: say so on both sides (True), else False."""
        if not (self._controller.running or self._runs.pending):
            return False
        # A waiting Start (the keyring) has its picks already: it would begin with
        # them, not with these, though the other launch was told "captioning".
        busy, undo = (
            ("captioning is running", "stop")
            if self._controller.running
            else ("a Start is waiting", "cancel")
        )
        self._window.show_status(f"A second launch asked for {wanted}: not applied, {busy}.", True)
        answer(False, f"{wanted} not applied: {busy}; {undo} it, then launch again{note}")
        return True

    def _after_inputs_found(
        self, wanted: str, start: bool, go_on: Callable[[], None], answer: Answer
    ) -> None:
        """Go on once the inputs are found; if that takes too long, answer honestly now."""

        def filled() -> None:
            self._inputs.filled.disconnect(filled)
            go_on()  # an answer already given (too slow) is not given twice: LaunchRequest

        def too_slow() -> None:
            then = " and starts captioning if it is" if start else ""
            answer(
                False,
                f"still looking for inputs, so {wanted} is not confirmed; "
                f"the window will say whether the input was found{then}",
            )

        self._inputs.filled.connect(filled)
        QTimer.singleShot(ANSWER_WITHIN_MS, self, too_slow)

    def _apply_selected(
        self, options: dict[str, Any], wanted: str, applied: bool, note: str, answer: Answer
    ) -> None:
        """The inputs are found: pick the engine, start if asked, and answer.

        A request is applied whole or not at all: ``--device X --engine Y`` asks for
        X *with* Y, and the answer "not selected" (exit 1, so a script tries again
        with the right name) must leave the engine as it was.  Picking Y alone would
        change the next run behind a reply that says nothing changed.
        """
        problem = self._inputs.device_problem if options.get("device") else ""
        if problem:  # named no input, or several: nothing else is selected or started
            self._window.show_status(f"A second launch asked for {wanted}: {problem}", True)
            answer(False, f"{wanted} not selected: {problem.rstrip('.')}")
            return
        if options.get("start") and self._refused_while_busy(wanted, note, answer):
            return  # started meanwhile (the inputs were being found): not even the engine
        engine_id = EngineId.parse(options.get("engine"))
        if engine_id is not None:
            self._engines.request(engine_id)
        if not options.get("start"):
            self._window.show_status(f"Selected {wanted} (asked by a second launch).", False)
            answer(applied, f"selected {wanted}{note}")
            return
        problems: list[str] = []

        def on_status(text: str, is_error: bool) -> None:
            if is_error:
                problems.append(text)

        self._controller.statusChanged.connect(on_status)
        try:
            self._runs.start()
        finally:
            self._controller.statusChanged.disconnect(on_status)
        if problems and not self._controller.running:
            answer(False, f"selected {wanted}, but captioning did not start: {problems[-1]}")
            return
        answer(applied, f"captioning {wanted}{note}")


def describe(options: dict[str, Any]) -> str:
    """The applicable part of a request in words: "talk.wav with the offline engine"."""
    parts = []
    if options.get("input_file"):
        parts.append(Path(options["input_file"]).name)
    elif options.get("device"):
        parts.append(f"input “{options['device']}”")
    if options.get("engine"):
        engine_id = EngineId.parse(options["engine"])
        name = spec(engine_id).display_name if engine_id is not None else options["engine"]
        parts.append(f"with {name}" if parts else f"the {name} engine")
    if options.get("start") and not parts:
        parts.append("Start")
    return " ".join(parts)
