"""Call mode: the remembered switch and side names, and the two live sources of a run.

The call panel (:class:`~captioner.ui.call_panel.CallPanel`) only renders and
reports; this object restores what the user chose last time (call mode on or
off, the names shown for each side), remembers each change at once, and
during a call-mode run owns the :class:`~captioner.audio.call.CallSources`:
it opens them, feeds the panel's meters, applies mute, and brings the
sources' notices (from capture threads) onto the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from captioner.audio.devices import InputDevice
from captioner.audio.early_capture import EarlyCapture
from captioner.audio.errors import AudioError
from captioner.audio.sides import MIC, SYSTEM
from captioner.audio.system import help_text
from captioner.core.settings import Key, Settings
from captioner.ui.call_panel import CallPanel

if TYPE_CHECKING:
    from captioner.audio.call import CallSources
    from captioner.audio.call_revive import SideReviver
    from captioner.engines.base import AudioSource

NAME_KEYS = {MIC: Key.CALL_MIC_NAME, SYSTEM: Key.CALL_SYSTEM_NAME}
LEVEL_POLL_MS = 100  # as the main meter's (level_monitor.POLL_MS; meter_pace: fewer behind)


class CallMode(QObject):
    """Restores and remembers the call panel's choices; runs its meters during a call.

    Signals:
        echo(str): the microphone hears the speakers (suggest headphones).
    """

    echo = Signal(str)

    def __init__(
        self,
        panel: CallPanel,
        prefs: Settings,
        open_device: Callable[[InputDevice], AudioSource],
        parent: QObject | None = None,
        *,
        start_on: bool = False,
        file_given: bool = False,
    ) -> None:
        super().__init__(parent)
        self._panel = panel
        self._prefs = prefs
        self._open_device = open_device
        self._sources: CallSources | None = None
        self._reviver: SideReviver | None = None
        self._levels = QTimer(self)
        self._levels.setInterval(LEVEL_POLL_MS)
        self._levels.timeout.connect(self.show_levels)
        panel.set_names({side: prefs.get(key) for side, key in NAME_KEYS.items()})
        # --input-file: that file is what this launch captions, whatever the last call was
        # (a call left on recorded the microphone instead), and the switch stays remembered.
        panel.set_call_mode(prefs.get(Key.CALL_MODE) and not file_given)
        panel.callModeToggled.connect(lambda on: prefs.set(Key.CALL_MODE, on))
        if start_on:  # --call-mode: on, and remembered like a click on the switch
            panel.set_call_mode(True)
        panel.namesChanged.connect(self._remember_names)
        panel.muteToggled.connect(self._on_mute)
        self.echo.connect(panel.show_echo_hint)

    @property
    def level_timer(self) -> QTimer:
        """The timer that looks at the two sides' levels (paced by ``MeterPace``)."""
        return self._levels

    @property
    def enabled(self) -> bool:
        return self._panel.call_mode()

    def names(self) -> dict[str, str]:
        return self._panel.names()

    def open_sources(self, on_overflow: Callable[[str], None] | None = None) -> CallSources:
        """The microphone and the system audio side by side, each already capturing.

        AudioError when either is missing.  Each side starts capturing now and
        keeps what it hears until the engine reads (``on_overflow`` if it falls
        too far behind), so the first words of either side are not lost.
        A side whose device goes away (or cannot open now) is opened again
        when it comes back, where the sound server records it by name or
        PortAudio can find it again (:mod:`captioner.audio.call_revive`).
        """
        mic, system = self._panel.selected(MIC), self._panel.selected(SYSTEM)
        if mic is None or system is None:
            raise AudioError(
                "Call mode needs a microphone and a system audio source. " + help_text()
            )
        # Each side's maker makes its source now, and again if its device comes back.
        makers: dict[str, Callable[[Any], AudioSource]] = {
            MIC: self._open_device,
            SYSTEM: lambda item: item.make_source(),
        }
        sides = {MIC: mic, SYSTEM: system}
        captures = [
            EarlyCapture(makers[s](item), on_overflow=on_overflow) for s, item in sides.items()
        ]
        for capture in captures:
            capture.start()
        from captioner.audio.call import CallSources  # numpy: imported when a call starts
        from captioner.audio.call_revive import SideReviver, reopens_by_name
        from captioner.audio.found_again import rescanning_opener

        sources = CallSources(*captures, on_echo=self.echo.emit)
        revivable: dict[str, Callable[[], Any]] = {}
        relisting: set[str] = set()
        for side, item in sides.items():
            if reopens_by_name(item):
                revivable[side] = partial(makers[side], item)
            elif (again := rescanning_opener(item, makers[side])) is not None:
                revivable[side] = again
                relisting.add(side)
        self._reviver = SideReviver(
            sources, revivable, on_overflow=on_overflow, relisting=relisting
        )
        sources.watch(on_source_lost=self._reviver.lost)
        for side in (MIC, SYSTEM):
            sources.set_muted(side, self._panel.muted(side))
        self._sources = sources
        self._levels.start()
        return sources

    def run_ended(self) -> None:
        self._levels.stop()
        self._sources = None
        reviver, self._reviver = self._reviver, None
        if reviver is not None:
            reviver.close()

    def _remember_names(self, names: dict[str, str]) -> None:
        for side, key in NAME_KEYS.items():
            if side in names:
                self._prefs.set(key, names[side])

    def show_levels(self) -> None:
        """Both sides' levels on the call panel's meters (its timer's look; see MeterPace)."""
        if self._sources is not None:
            self._panel.set_levels(self._sources.level(MIC), self._sources.level(SYSTEM))

    def _on_mute(self, side: str, muted: bool) -> None:
        if self._sources is not None:
            self._sources.set_muted(side, muted)
