"""The input pickers follow the devices: plugged in, unplugged, a new default.

:class:`~captioner.audio.device_watch.DeviceWatch` says, from its own thread,
that the sound server's devices changed; this looks for inputs again, quietly
(the pickers keep what they show until the answer), once per burst (a headset
brings an output, its monitor and a microphone within a few milliseconds).
While a run is live or a Start waits the pickers are locked and PortAudio may
have a stream open, so the look waits until the run has ended: the list is
then right, and the label of "System audio — … — default" names the output
the run followed.  The watch runs while the main window is shown: hidden
(to the tray) or minimised, nobody reads the picker, so the connection to the
sound server goes, and the inputs are looked for again when it shows.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer

from captioner.audio.device_watch import DeviceWatch
from captioner.ui.gui_relay import to_gui
from captioner.ui.input_picker import InputPicker
from captioner.ui.main_window import MainWindow

# A burst of the server's events settles within this; a person notices no later.
SETTLE_MS = 400


class DeviceChanges(QObject):
    """Re-scans ``picker`` when the sound server's devices change (see the module)."""

    def __init__(
        self, window: MainWindow, picker: InputPicker, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._window, self._picker = window, picker
        self._owed = False  # a change came while the pickers were locked
        self._wanted = False  # start() was called: watch whenever the window shows
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._look)
        window.inputsLocked.connect(self._locked)
        window.installEventFilter(self)
        window.destroyed.connect(self.stop)  # deleted while shown: no Hide event comes
        self._changed = to_gui(self, lambda changes, _none: changes._settle.start())
        self.watch: DeviceWatch | None = None

    def start(self) -> None:
        """Watch while the window is shown (the connection is made on the watch's thread)."""
        self._wanted = True
        if self._window.isVisible():
            self._begin()

    def stop(self) -> None:
        """Stop watching for good (a window shown later starts nothing); returns at once.

        A look still to come goes too: one owed since a run, due when the run ends,
        would scan for a window being deleted (a test ended mid-run: its teardown
        stops the watch, then the run).
        """
        self._wanted = False
        self._owed = False
        self._settle.stop()
        self._let_go()

    def _let_go(self) -> None:
        """Close the watch, for now or for good; its thread ends by itself."""
        watch, self.watch = self.watch, None
        if watch is not None:
            watch.close(timeout=0)

    def _begin(self) -> None:
        if self.watch is None:
            changed = self._changed
            self.watch = DeviceWatch(lambda: changed(None))
            self.watch.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and self._wanted:
            if event.type() == QEvent.Type.Hide:
                self._let_go()  # until it shows again
            elif event.type() == QEvent.Type.Show and self.watch is None:
                self._begin()
                self._settle.start()  # what came or went while nobody looked
        return False

    def _look(self) -> None:
        if self._window.inputs_locked:
            self._owed = True
            return
        self._picker.refresh(rescan_first=True, quietly=True)

    def _locked(self, locked: bool) -> None:
        if not locked and self._owed:
            self._owed = False
            self._settle.start()
