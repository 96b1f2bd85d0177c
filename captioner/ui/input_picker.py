"""What can be captioned: the input picker and call mode's two source pickers.

Looking for inputs blocks: PortAudio starts up (and lists its devices) and
``pactl`` asks the sound server, which takes seconds on a busy PipeWire.  So
the scan runs off the GUI thread, as a coroutine on the qasync loop awaiting
an executor; meanwhile the picker says "Looking for inputs…", and Start waits
for the answer (:attr:`InputPicker.loading`, ``filled``).  An answer from an
older scan (⟳ pressed twice) is dropped.  At launch the loop comes after the
window's first paint, or with ``--start`` after the session opened
(``loop_later``): the first scan starts at once on a thread of its own and its
answer fills the pickers through a queued signal, loop or not (awaited on the
loop if the loop came first).  Without a loop (tests, the self test) the scan
runs in place.

Picks are remembered by name (PortAudio's indexes change when devices come and go).
The scan is told the names wanted (``--device``, the remembered picks): where a
sound server lists everything, PortAudio is only asked when one of them is not
among its sources (see :mod:`captioner.audio.inventory`).
"""

from __future__ import annotations

import argparse
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from captioner.audio.devices import InputDevice, list_input_devices, rescan
from captioner.audio.errors import AudioError
from captioner.audio.inventory import Inventory, find_input, scan_inputs
from captioner.audio.sides import MIC, SYSTEM
from captioner.audio.system import SystemAudioDevice, help_text, list_system_sources
from captioner.core.settings import Key, Settings
from captioner.ui.call_panel import CallPanel
from captioner.ui.gui_relay import to_gui
from captioner.ui.main_window import InputChoice, MainWindow

if TYPE_CHECKING:  # asyncio (~28 ms to import) loads after the window's first paint
    import asyncio

    from captioner.ui.device_changes import DeviceChanges

log = logging.getLogger(__name__)

# The remembered pick of each call side.
CALL_SOURCE_KEYS = {MIC: Key.CALL_MIC_DEVICE, SYSTEM: Key.CALL_SYSTEM_SOURCE}
LOOKING = "Looking for inputs…"

Scan = Callable[[bool], Inventory]  # rescan_first → what was found


class InputPicker(QObject):
    """Fills the input pickers off the GUI thread, re-scans on ⟳, and remembers the picks.

    From ``args``: ``--input-file`` is offered first and selected;
    ``--device`` (an index or part of any input's name, system audio
    included) beats the remembered pick, and in call mode picks the side it
    belongs to; when it picks none (no match, or several), the picker and
    :attr:`device_problem` say so and Start refuses rather than caption another
    input, until the user picks one.  ``scan`` looks for inputs (blocking); the older
    ``list_devices``/``rescan_devices``/``list_system_sources`` hooks are
    still accepted for tests that pass fakes.

    Signals:
        filled(): the pickers now hold the answer of the latest scan.
        standInChanged(str): the remembered input is missing (``stand_in`` says
            so, for each state of the runs on the input used instead), or "".
    """

    filled = Signal()
    standInChanged = Signal(str)

    def __init__(
        self,
        window: MainWindow,
        panel: CallPanel,
        prefs: Settings,
        *,
        scan: Scan | None = None,
        list_devices: Callable[[], list[InputDevice]] | None = None,
        rescan_devices: Callable[[], None] | None = None,
        list_system_sources: Callable[[], list[SystemAudioDevice]] | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
        loop_later: bool = False,
        args: argparse.Namespace | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._panel = panel
        self._prefs = prefs
        hooks = (list_devices, rescan_devices, list_system_sources)
        if scan is None and any(h is not None for h in hooks):
            scan = _scan_with(*hooks)
        self._scan = scan  # None: the real scan (not a bound method: no cycle through self)
        self._wanted_names: tuple[str, ...] = ()
        self._loop = loop
        # use_loop() will bring the loop.  The first scan starts at once on a thread
        # of its own (PortAudio and pactl work while the window is built and paints:
        # with --start the session waits for it); any later one waits for the loop.
        self._loop_later = loop is None and loop_later
        self._early: tuple[int, Future[Inventory]] | None = None
        self._waiting: bool | None = None  # a later scan's rescan_first
        self._last_scan: asyncio.Future[None] | None = None
        self._generation = 0
        self._input_file: str | None = getattr(args, "input_file", None)
        self._device: str | None = getattr(args, "device", None)
        self.loading = False
        self.device_changes: DeviceChanges | None = None  # see watch_devices
        self.inventory = Inventory()
        self.stand_in = ""  # "“Jabra Evolve2 65” not connected" while another stands in
        # Why ``--device`` picked no input (it names none, or several), until the user picks.
        self.device_problem = ""
        window.refreshDevicesRequested.connect(self.rescan)
        window.inputChosen.connect(self._on_input_chosen)
        panel.sourceChanged.connect(self._on_call_source_chosen)

    # -- scanning ------------------------------------------------------------

    def use_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Scan on ``loop`` from now on (the app makes it after the window's first paint)."""
        self._loop, self._loop_later = loop, False
        early, self._early = self._early, None
        if early is not None:  # the pickers fill when the first scan answers
            loop.create_task(self._fill_when_done(*early))
        waiting, self._waiting = self._waiting, None
        if waiting is not None:
            self.refresh(rescan_first=waiting)

    def watch_devices(self) -> None:
        """From now on look again by itself when devices come, go or change default."""
        from captioner.ui.device_changes import DeviceChanges  # libpulse: after the paint

        if self.device_changes is None:
            self.device_changes = DeviceChanges(self._window, self, self)
            self.device_changes.start()

    def stop_watching(self) -> None:
        """No more looks by itself (the app ends; the watch's thread ends on its own)."""
        if self.device_changes is not None:
            self.device_changes.stop()

    def rescan(self) -> None:
        """The ⟳ button: ask PortAudio for devices again (a headset plugged in since)."""
        self.refresh(rescan_first=True)

    def refresh(self, *, rescan_first: bool = False, quietly: bool = False) -> None:
        """Look for inputs; the pickers are filled when the answer comes.

        ``quietly``: the pickers keep what they show meanwhile (a device came
        or went: the list changes once, without "Looking for inputs…").
        """
        self._generation += 1
        generation = self._generation
        self.loading = True
        if not quietly:
            self._show_looking()
        self._wanted_names = self._names_wanted()  # read here: the scan runs on a thread
        if self._loop_later:
            if self._early is None and self._waiting is None and not rescan_first:
                self._early = (generation, self._scan_on_a_thread())
            else:
                self._waiting = bool(self._waiting) or rescan_first
            return
        if self._loop is None or self._loop.is_closed():
            self._fill(generation, self._scan_safely(rescan_first)())
            return
        self._loop.create_task(self._scan_and_fill(generation, rescan_first))

    async def _scan_and_fill(self, generation: int, rescan_first: bool) -> None:
        loop = self._loop
        assert loop is not None
        # One scan at a time: PortAudio's re-initialisation is not re-entrant, so a
        # second ⟳ waits for the first (whose answer is then dropped as stale).
        previous, self._last_scan = self._last_scan, (done := loop.create_future())
        try:
            if previous is not None:
                await previous
            if generation != self._generation:
                return  # a newer scan was asked for while this one waited
            inventory = await loop.run_in_executor(None, self._scan_safely(rescan_first))
        finally:
            done.set_result(None)
        self._fill(generation, inventory)

    def _scan_on_a_thread(self) -> Future[Inventory]:
        answer: Future[Inventory] = Future()
        done = to_gui(self, lambda picker, _none: picker._on_first_scan())  # may be deleted
        scan_safely = self._scan_safely(False)

        def scan() -> None:
            answer.set_result(scan_safely())
            done(None)

        threading.Thread(target=scan, name="first-input-scan", daemon=True).start()
        return answer

    def _on_first_scan(self) -> None:
        """The first scan answered before the loop took it over: fill the pickers now."""
        early, self._early = self._early, None
        if early is not None:
            generation, answer = early
            self._fill(generation, answer.result())

    async def _fill_when_done(self, generation: int, answer: Future[Inventory]) -> None:
        import asyncio

        loop = self._loop
        assert loop is not None
        # Counts as the scan in progress: a ⟳ meanwhile waits for it (see _scan_and_fill).
        self._last_scan = done = loop.create_future()
        try:
            inventory = await asyncio.wrap_future(answer)
        finally:
            done.set_result(None)
        self._fill(generation, inventory)

    def _names_wanted(self) -> tuple[str, ...]:
        """What the scan must be able to find: ``--device`` or the remembered picks."""
        if self._device is not None:
            return (self._device,)
        keys = (Key.DEVICE_NAME, *CALL_SOURCE_KEYS.values())
        return tuple(name for key in keys if isinstance(name := self._prefs.get(key), str) and name)

    def _scan_safely(self, rescan_first: bool) -> Callable[[], Inventory]:
        """The scan to run on a thread; it holds no reference to the picker (see gui_relay)."""
        return partial(_scan_safely, self._scan, self._wanted_names, rescan_first)

    def request(self, *, input_file: str | None, device: str | None) -> None:
        """Offer and select what ``--input-file``/``--device`` name (a later launch asked)."""
        self._input_file, self._device = input_file, device
        self.refresh()

    # -- filling -------------------------------------------------------------

    def _file_choices(self) -> list[InputChoice]:
        if not self._input_file:
            return []
        path = Path(self._input_file)
        return [InputChoice(f"File: {path.name}", file_path=str(path))]

    def _show_looking(self) -> None:
        self._window.set_inputs([*self._file_choices(), InputChoice(LOOKING)], 0)

    def _fill(self, generation: int, inventory: Inventory) -> None:
        if generation != self._generation:
            return  # an older scan answered late: a newer one is on its way
        self.inventory = inventory
        devices, systems = inventory.devices, inventory.systems
        choices = self._file_choices()
        choices += [InputChoice(device.label, device=device) for device in devices]
        choices += [InputChoice(system.label, system=system) for system in systems]
        missing = bool(self.device_problem)
        wanted = self._wanted()
        if missing and wanted is not None:
            # The input --device names has come (a headset plugged in, a Bluetooth
            # one connected after login): the red "No audio input matches" goes.
            self._window.show_status(f"“{wanted.name}” is connected: press Start to caption it.")
        if self.device_problem:
            # Asked for one input by name: never stand another in for it (Start would
            # caption the wrong microphone); the picker says so until the user picks.
            choices.insert(0, InputChoice(f"Choose an input (“{self._device}” picked none)"))
        selected = 0 if self._input_file else self._preferred(choices, wanted)
        self._window.set_inputs(choices, selected)
        remembered = self._prefs.get(Key.DEVICE_NAME)
        absent = remembered and all(_name(choice) != remembered for choice in choices)
        if choices and absent and not self._input_file and self._device is None:
            # A headset left at the office: say what will be captioned instead, and
            # go on saying it while captioning (a --start run's status comes at once).
            used = choices[selected].label
            self._window.show_status(f"“{remembered}” is not connected: using {used}.", False)
            self._set_stand_in(f"“{remembered}” not connected")
        else:
            self._set_stand_in("")
        self._panel.set_sources(devices, systems)
        for side, key in CALL_SOURCE_KEYS.items():
            self._panel.select(side, self._prefs.get(key))
        if wanted is not None and self._panel.call_mode():
            self._panel.select(
                SYSTEM if isinstance(wanted, SystemAudioDevice) else MIC, wanted.name
            )
        self._panel.set_help("" if systems else help_text())
        for problem in inventory.problems:
            self._window.show_status(problem, True)
        self.loading = False
        self.filled.emit()

    def _wanted(self) -> InputDevice | SystemAudioDevice | None:
        """What ``--device`` names, or None (after saying why when it names none or several)."""
        self.device_problem = ""
        if self._device is None:
            return None
        try:
            return find_input(self._device, self.inventory)
        except AudioError as exc:
            if not self._input_file:  # a file given too is what is captioned: no harm
                self.device_problem = str(exc)
            self._window.show_status(f"{exc} Choose one, then press Start.", True)
            return None

    def remember(self, choice: InputChoice) -> None:
        """Remember a device or system-audio pick (a file is a one-off)."""
        name = _name(choice)
        if name:
            self._prefs.set(Key.DEVICE_NAME, name)

    def _preferred(
        self, choices: list[InputChoice], wanted: InputDevice | SystemAudioDevice | None
    ) -> int:
        """``--device``, else the remembered pick, else the default device, else the first."""
        if wanted is not None:
            for index, choice in enumerate(choices):
                if wanted in (choice.device, choice.system):
                    return index
        if self._device is not None and wanted is None:
            return 0
        remembered = self._prefs.get(Key.DEVICE_NAME)
        for index, choice in enumerate(choices):
            if remembered and _name(choice) == remembered:
                return index
        for index, choice in enumerate(choices):
            if choice.device is not None and choice.device.is_default:
                return index
        return 0

    def _on_input_chosen(self, choice: InputChoice) -> None:
        self.remember(choice)
        self._set_stand_in("")  # the user's own pick
        self._user_picked()

    def _user_picked(self) -> None:
        """The user's own pick replaces ``--device`` (a ⟳ keeps it, and Start may use it)."""
        self._device = None
        self.device_problem = ""

    def _set_stand_in(self, note: str) -> None:
        if note != self.stand_in:
            self.stand_in = note
            self.standInChanged.emit(note)

    def _on_call_source_chosen(self, side: str, item: object) -> None:
        name = getattr(item, "name", None)
        if isinstance(name, str) and side in CALL_SOURCE_KEYS:
            self._prefs.set(CALL_SOURCE_KEYS[side], name)
            self._user_picked()


def _scan_with(
    list_devices: Callable[[], list[InputDevice]] | None,
    rescan_devices: Callable[[], None] | None,
    list_systems: Callable[[], list[SystemAudioDevice]] | None,
) -> Scan:
    """A scan over separate hooks (fakes in tests); the real function for a missing one."""

    def scan(rescan_first: bool) -> Inventory:
        problems: list[str] = []
        devices: list[InputDevice] = []
        try:
            if rescan_first:
                (rescan_devices or rescan)()
        except AudioError as exc:
            problems.append(str(exc))
        try:
            devices = (list_devices or list_input_devices)()
        except AudioError as exc:
            problems.append(str(exc))
        systems = (list_systems or list_system_sources)()
        return Inventory(devices=devices, systems=systems, problems=problems)

    return scan


def _name(choice: InputChoice) -> str:
    if choice.device is not None:
        return choice.device.name
    if choice.system is not None:
        return str(choice.system.name)
    return ""


def _scan_safely(scan: Scan | None, wanted: tuple[str, ...], rescan_first: bool) -> Inventory:
    try:
        if scan is None:
            return scan_inputs(rescan_first=rescan_first, wanted=wanted)
        return scan(rescan_first)
    except Exception as exc:  # a bug in a scan must not leave the picker "looking" forever
        log.exception("Looking for inputs failed")
        return Inventory(problems=[f"Could not look for inputs: {exc}"])
