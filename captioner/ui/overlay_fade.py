"""Fading the overlay out after a silence, and back in with the next words.

Optional (Settings ▸ Captions… ▸ Fade out after): an overlay that stays up
over a video is distracting when nobody speaks.  The level is stepped from a
timer, about 0.8 s from visible to invisible.  Where the window system sets
a window's opacity (X11, Windows, macOS) the window's opacity is that level;
where it cannot (Qt's Wayland plugin: "does not support setting window
opacity", and nothing faded) the overlay paints itself with that alpha
(:attr:`OverlayFade.level`), repainted at each step.

A window's opacity is only a request: an X11 desktop without a compositor
(openbox, i3 or a bare window manager as they come) ignores it, and the
"faded" captions stayed in full view, though clicks went through them to the
window below.  So once faded out the window is also shaped to nothing (a
window mask, which every X server obeys); the shape is dropped as soon as it
is shown again.  Neither unmaps nor restacks it (see
:func:`set_click_through` for why that matters on X11).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QRegion
from PySide6.QtWidgets import QWidget

from captioner.ui.platform_caps import DESKTOP, PlatformCaps

STEP_MS = 40
STEP = 0.05
# Outside the window: a shape that shows none of it (an empty region would mean "no mask").
NOTHING = QRegion(-1, -1, 1, 1)


class OverlayFade(QObject):
    """Fades ``window`` out ``seconds`` after the last activity (0: never).

    Signals:
        fadedOut(): the window has become fully transparent.
        shown(): it is fully visible again after a fade (new text, or asked to).
    """

    fadedOut = Signal()
    shown = Signal()

    def __init__(
        self, window: QWidget, parent: QObject | None = None, caps: PlatformCaps = DESKTOP
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._window_opacity = caps.window_opacity  # else painted: see paint_opacity
        self._shape_away = caps.opacity_needs_compositor  # the opacity may be ignored
        self._remap_takes_focus = caps.remap_takes_focus
        self._level = 1.0
        self._shaped_away = False  # masked to nothing while gone (see the module)
        self._seconds = 0
        self._after_stop = 0  # while stopped: fade this long after the last text
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.timeout.connect(self._start_fading)
        self._step = QTimer(self)
        self._step.setInterval(STEP_MS)
        self._step.timeout.connect(self._tick)

    @property
    def level(self) -> float:
        """How visible the window is: 1 shown, 0 faded out."""
        return self._level

    @property
    def paint_opacity(self) -> float:
        """The alpha to paint with: the level, unless the window's opacity shows it."""
        return 1.0 if self._window_opacity else self._level

    def set_seconds(self, seconds: int) -> None:
        self._seconds = seconds
        if seconds <= 0 and not self._after_stop:
            self._idle.stop()
            self.show_fully()

    @property
    def gone(self) -> bool:
        """Fully transparent: out of sight, yet still a window the mouse could hit."""
        return self._level <= 0.0

    @property
    def lets_clicks_through(self) -> bool:
        """Gone, and out of the mouse's way without a cost: click-through while gone.

        Not where a change of input flags maps a new window (Wayland: it took the
        keyboard from the app in use, and landed elsewhere, at each silence).
        """
        return self.gone and not self._remap_takes_focus

    @property
    def faded(self) -> bool:
        """True while fading out or faded."""
        return self._step.isActive() or self._level < 0.5

    def activity(self) -> None:
        """New text: fully visible again, and the silence count starts over."""
        self.show_fully()
        # A last line that arrives after Stop restarts the count, never cancels it.
        delay = self._seconds or self._after_stop
        if delay > 0:
            self._idle.start(delay * 1000)
        else:
            self._idle.stop()

    def fade_after(self, seconds: int) -> None:
        """Stopped: fade out ``seconds`` after the last text, whatever the silence setting."""
        self._after_stop = max(0, seconds)
        if self._after_stop:
            self._idle.start(self._after_stop * 1000)

    def resume(self) -> None:
        """Captioning again: only the silence setting applies."""
        self._after_stop = 0
        self.activity()

    def hold(self) -> None:
        """Shown on purpose (the sample, to place it): fully visible, no fade pending.

        The fade after the last Stop is dropped: the sample is not the last captions.
        """
        self._after_stop = 0
        self._idle.stop()
        self.show_fully()

    def show_fully(self) -> None:
        self._step.stop()
        if self._shaped_away:
            self._shaped_away = False
            self._window.clearMask()
        if self._level < 1.0:
            self._set_level(1.0)
            self.shown.emit()

    def _start_fading(self) -> None:
        self._step.start()

    def _set_level(self, level: float) -> None:
        self._level = level
        if self._window_opacity:
            self._window.setWindowOpacity(level)
        else:
            self._window.update()

    def _tick(self) -> None:
        self._set_level(max(0.0, self._level - STEP))
        if self._level <= 0.0:
            self._step.stop()
            if self._shape_away:  # the opacity may have been ignored: shaped away too
                self._shaped_away = True
                self._window.setMask(NOTHING)
            self.fadedOut.emit()


def set_click_through(window: QWidget, caps: PlatformCaps, through: bool) -> None:
    """Mouse input to ``window`` passes to the window below (or no longer does)."""
    if bool(window.windowFlags() & Qt.WindowType.WindowTransparentForInput) == through:
        return
    handle = window.windowHandle()
    if caps.bypasses_window_manager and handle is not None:
        # X11: the input shape changes in place.  Shown again, an override-redirect
        # window goes on top of everything, a screen locker's window too, at each fade.
        flags = window.windowFlags() ^ Qt.WindowType.WindowTransparentForInput
        window.overrideWindowFlags(flags)
        handle.setFlags(flags)
        return
    visible = window.isVisible()
    window.setWindowFlag(Qt.WindowType.WindowTransparentForInput, through)
    if visible:
        window.show()  # changing window flags hides a window
