"""What can be captioned: the input picker and call mode's two source pickers.

Lists capture devices and system-audio sources (hardware and the sound
server are injected, so tests pass fakes), puts them in the main window's
input picker and the call panel's pickers, and remembers what the user picks
in each (by device name: PortAudio's indexes change when devices come and go).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject

from captioner.audio.call import MIC, SYSTEM
from captioner.audio.devices import InputDevice, find_device
from captioner.audio.errors import AudioError
from captioner.audio.system import SystemAudioDevice, help_text
from captioner.core.settings import Key, Settings
from captioner.ui.call_panel import CallPanel
from captioner.ui.main_window import InputChoice, MainWindow

# The remembered pick of each call side.
CALL_SOURCE_KEYS = {MIC: Key.CALL_MIC_DEVICE, SYSTEM: Key.CALL_SYSTEM_SOURCE}


class InputPicker(QObject):
    """Fills the input pickers, re-scans on ⟳, and remembers the picks.

    ``input_file`` (``--input-file``) is offered first and selected;
    ``device`` (``--device``, an index or part of a name) beats the
    remembered device.
    """

    def __init__(
        self,
        window: MainWindow,
        panel: CallPanel,
        prefs: Settings,
        *,
        list_devices: Callable[[], list[InputDevice]],
        rescan_devices: Callable[[], None],
        list_system_sources: Callable[[], list[SystemAudioDevice]],
        input_file: str | None = None,
        device: str | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._panel = panel
        self._prefs = prefs
        self._list_devices = list_devices
        self._rescan_devices = rescan_devices
        self._list_system_sources = list_system_sources
        self._input_file = input_file
        self._device = device
        window.refreshDevicesRequested.connect(self.rescan)
        window.inputChosen.connect(self._on_input_chosen)
        panel.sourceChanged.connect(self._on_call_source_chosen)

    def rescan(self) -> None:
        """The ⟳ button: ask PortAudio for devices again (a headset plugged in since)."""
        try:
            self._rescan_devices()
        except AudioError as exc:
            self._window.show_status(str(exc), True)
        self.refresh()

    def refresh(self) -> None:
        choices: list[InputChoice] = []
        if self._input_file:
            path = Path(self._input_file)
            choices.append(InputChoice(f"File: {path.name}", file_path=str(path)))
        try:
            devices = self._list_devices()
        except AudioError as exc:
            devices = []
            self._window.show_status(str(exc), True)
        systems = self._list_system_sources()
        choices += [InputChoice(device.label, device=device) for device in devices]
        choices += [InputChoice(system.label, system=system) for system in systems]
        selected = 0 if self._input_file else self._preferred(choices)
        self._window.set_inputs(choices, selected)
        self._panel.set_sources(devices, systems)
        for side, key in CALL_SOURCE_KEYS.items():
            self._panel.select(side, self._prefs.get(key))
        self._panel.set_help("" if systems else help_text())

    def remember(self, choice: InputChoice) -> None:
        """Remember a device or system-audio pick (a file is a one-off)."""
        name = _name(choice)
        if name:
            self._prefs.set(Key.DEVICE_NAME, name)

    def _preferred(self, choices: list[InputChoice]) -> int:
        """``--device``, else the remembered pick, else the default device, else the first."""
        devices = [choice.device for choice in choices if choice.device is not None]
        if self._device is not None:
            try:
                wanted = find_device(self._device, devices)
            except AudioError as exc:
                self._window.show_status(str(exc), True)
                return 0
            return next(i for i, choice in enumerate(choices) if choice.device == wanted)
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

    def _on_call_source_chosen(self, side: str, item: object) -> None:
        name = getattr(item, "name", None)
        if isinstance(name, str) and side in CALL_SOURCE_KEYS:
            self._prefs.set(CALL_SOURCE_KEYS[side], name)


def _name(choice: InputChoice) -> str:
    if choice.device is not None:
        return choice.device.name
    if choice.system is not None:
        return str(choice.system.name)
    return ""
