"""Say which input a run really captions when it is not the one the picker named.

Two cases.  The remembered input is missing and another stands in for it
(:attr:`~captioner.ui.input_picker.InputPicker.stand_in`): each state of the
run says so, as a note on the status line.  And "System audio — Speakers —
default" follows the desktop's default output (:mod:`captioner.audio.pulse_record`):
a call that moves to a Bluetooth headset mid-run goes on being captioned, from
the headset's monitor now, but the picker (locked while the run is live, and
looked at again only after it) went on naming the speakers until Stop, and
nothing said where the captions came from.  So when the recording follows, at
once: the locked picker names the output followed (call mode's system-audio
picker in call mode), which becomes the remembered pick (the look after Stop
selects it, not the speakers, which are no longer the default), and a notice
says so quietly, to screen readers too (politely: the captions go on, nothing
is wrong).

The source is told on its capture thread; that crosses to the GUI thread
through :func:`~captioner.ui.gui_relay.to_gui`.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QComboBox

from captioner.audio.pulse_monitor import SYSTEM_AUDIO_PREFIX, PulseMonitorSource
from captioner.audio.sides import SYSTEM
from captioner.audio.system import SystemAudioDevice
from captioner.core.settings import Settings
from captioner.ui.controller import CaptionController
from captioner.ui.gui_relay import to_gui
from captioner.ui.input_choice import InputChoice
from captioner.ui.input_picker import CALL_SOURCE_KEYS, InputPicker

if TYPE_CHECKING:
    from captioner.ui.main_window import MainWindow
    from captioner.ui.run_starter import RunStarter

STAND_IN_NOTE = "input"  # the controller's status note of a stand-in input
FOLLOWED = "Following the new default output: “{output}”."
FOLLOWED_DETAIL = (
    "System audio follows the desktop's default output: captions now come from what "
    "“{output}” plays ({monitor})."
)


class InputInUse(QObject):
    """Keeps the status line and the locked pickers saying what the run captions."""

    def __init__(
        self,
        window: MainWindow,
        controller: CaptionController,
        runs: RunStarter,
        inputs: InputPicker,
        prefs: Settings,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._window, self._controller, self._runs = window, controller, runs
        self._inputs, self._prefs = inputs, prefs
        self._following: PulseMonitorSource | None = None  # the run's system audio
        self._call = False  # that run is a call (its system side is call mode's picker)
        self._moved = to_gui(self, lambda me, moved: me._on_moved(*moved))
        self._back = to_gui(self, lambda me, run_source: me._follow(run_source))
        controller.set_status_note(inputs.stand_in, STAND_IN_NOTE)  # the scan may have answered
        inputs.standInChanged.connect(lambda note: controller.set_status_note(note, STAND_IN_NOTE))
        controller.runningChanged.connect(self._on_running)

    def _on_running(self, running: bool) -> None:
        self._unfollow()
        if not running:
            return
        self._call = self._window.call_panel.call_mode()
        run_source: Any = self._runs.source
        watch = getattr(run_source, "watch", None)  # a source that comes back when lost
        if callable(watch):
            back = self._back
            watch(on_source_back=lambda side, _text: back(run_source) if side == SYSTEM else None)
        self._follow(run_source)

    def _unfollow(self) -> None:
        if self._following is not None:
            # Told nothing more; what it said during the run, still on its way, is shown.
            self._following.on_followed = None
        self._following = None

    def _follow(self, run_source: Any) -> None:
        """Listen to the run's system audio, if it follows the default output.

        Again when that side came back after its device went away: the
        reopened source is a new one, and the picker must go on following.
        """
        if run_source is None or run_source is not self._runs.source:
            return  # an ended run's
        self._unfollow()
        source = run_source.source(SYSTEM) if self._call else run_source  # CallSources' side
        inner = getattr(source, "inner", source)  # inside EarlyCapture
        if not (isinstance(inner, PulseMonitorSource) and inner.follow_default):
            return
        self._following, moved = inner, self._moved
        inner.on_followed = lambda output, monitor: moved((inner, output, monitor))
        # It may have followed already, while the Start waited (the keyring, an import).
        # The monitor first: the capture thread renames the source before it sets that.
        monitor = inner.monitor
        self._on_moved(inner, inner.name.removeprefix(SYSTEM_AUDIO_PREFIX), monitor)

    def _picked(self) -> tuple[QComboBox, SystemAudioDevice | None]:
        """The picker that names the run's system audio, and what it names."""
        if self._call:
            picker = self._window.call_panel.pickers[SYSTEM]
            return picker, picker.currentData()
        picker = self._window.input_combo
        choice = picker.currentData()
        return picker, getattr(choice, "system", None)

    def _on_moved(self, source: PulseMonitorSource, output: str, monitor: str) -> None:
        """The run's system audio records ``monitor`` now (``output`` plays there)."""
        picker, shown = self._picked()
        if source is not self._following or shown is None or shown.monitor == monitor:
            return  # an earlier run's, or named already
        if not shown.is_default:
            return  # picked since (the run has ended): only a followed pick is renamed
        system = dataclasses.replace(
            shown, name=SYSTEM_AUDIO_PREFIX + output, output=output, monitor=monitor
        )
        index = picker.currentIndex()
        if self._call:
            picker.setItemData(index, system)
            self._prefs.set(CALL_SOURCE_KEYS[SYSTEM], system.name)
        else:
            choice = InputChoice(system.label, system=system)
            picker.setItemData(index, choice)
            self._inputs.remember(choice)
        picker.setItemText(index, system.label)
        text = FOLLOWED.format(output=output)
        self._controller.noticed.emit(text, FOLLOWED_DETAIL.format(output=output, monitor=monitor))
        event = QAccessibleAnnouncementEvent(picker, text)
        event.setPoliteness(QAccessible.AnnouncementPoliteness.Polite)
        QAccessible.updateAccessibility(event)
