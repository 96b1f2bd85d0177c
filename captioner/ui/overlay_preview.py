"""Where Settings ▸ Captions… shows the overlay while Position and Width are tried out.

They are tried on the overlay itself: docked at the edge tried, or floating
around the user's place at the Width tried.  None of it is the user's place
unless OK keeps it, and Cancel puts the overlay back exactly where the user
has it: where it was, or where they dragged it meanwhile, not where a preview
pushed it (a bigger font grows it, and keep_on_screen moves it up to stay
whole on the screen).

Nor is a place the app gave it.  While the monitor the overlay was last put
on is unplugged, it stands in on another screen (see
:mod:`captioner.ui.overlay_screens`); OK and Cancel saved that stand-in as
the user's place (OK docked it to that screen), so the monitor stayed empty
when plugged in again, at that launch and every later one.  Only what the
user did here is kept now.  And when that monitor comes back while the
dialog is open, the overlay goes back to it at once: the previews and Cancel
follow it there (they had put it back on the other screen).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QPoint, QRect, QSize

from captioner.core.settings import Key, Settings
from captioner.ui import overlay_placement as placement
from captioner.ui.overlay import CaptionOverlay

DOCKS = ("top", "bottom")


class PlacePreview(QObject):
    """The overlay's place while a dialog tries Position and Width; what OK and Cancel keep."""

    def __init__(
        self, overlay: CaptionOverlay, settings: Settings, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._overlay = overlay
        self._settings = settings
        # Where the user has it (Cancel puts it back there exactly).
        self._home = QRect(overlay.geometry())
        self._opened = QRect(self._home)  # where it was: a place other than that is the user's
        self._shown = QRect(self._home)  # where the last preview left it
        self._shown_floating = True  # that was a place of the user's, not a dock tried
        self._tried: tuple[str, bool] | None = None  # the last preview's Position, Width tried
        self._following = True
        overlay.screens.homeBack.connect(self._home_back)

    def end(self) -> None:
        """The dialog is closed: its monitor coming back is the overlay's own business again."""
        if self._following:  # once, though a dialog can be finished again
            self._following = False
            self._overlay.screens.homeBack.disconnect(self._home_back)

    def note_home(self) -> None:
        """A floating overlay moved or resized since the last preview: the user did it.

        The previews leave it at ``_shown``.  A side of a docked overlay dragged is
        Width instead (see the dialog's _width_dragged): only a move un-docks it.
        Stepped aside for one of the app's windows, it stands where the clearance put it.
        """
        overlay = self._overlay
        floating = self._shown_floating and self._settings.get(Key.OVERLAY_DOCK) == "float"
        if floating and not overlay.held and overlay.geometry() != self._shown:
            self._home = QRect(overlay.geometry())

    def show(self, where: str, width_tried: bool) -> None:
        """Docked at the edge ``where``, or floating at its home (at Width if ``width_tried``)."""
        overlay = self._overlay
        self._tried = (where, width_tried)
        if where in DOCKS:
            overlay.place(overlay.default_rect(overlay.screen(), where))
        else:  # around the same centre, at the width asked for here if Width was changed
            docked = overlay.default_rect(overlay.screen(), "bottom")
            self._place(self._home, docked.width() if width_tried else self._home.width())
        self._shown = QRect(overlay.geometry())
        self._shown_floating = where not in DOCKS

    def put_back(self) -> None:
        """Cancel: where the user has it (docked again, if it is), remembered if put there here."""
        home = self._home
        self._place(home, home.width())
        if home != self._opened:  # dragged there meanwhile (the preview did not save it)
            self._overlay.remember_place()

    def users_choice(self, where: str) -> bool:
        """Whether OK keeps a place of the user's: dragged here, floated here, a Width tried.

        Asked before OK saves the Position ``where``.  Otherwise the place was already
        saved, or is not the user's (it stands in for an unplugged monitor).
        """
        now, was = self._overlay.geometry(), self._opened
        return (
            self._home != was
            or where != self._settings.get(Key.OVERLAY_DOCK)
            or (now.x(), now.width()) != (was.x(), was.width())
        )

    def _place(self, rect: QRect, width: int) -> None:
        centre = rect.center().x()
        rect = QRect(rect.topLeft(), QSize(width, self._overlay.height()))
        rect.moveCenter(QPoint(centre, rect.center().y()))
        if rect != self._overlay.geometry():
            self._overlay.place(rect)
            self._overlay.keep_on_screen()

    def _home_back(self) -> None:
        """Its monitor is back and the overlay went there (its own slot runs first)."""
        overlay = self._overlay
        percent = overlay.style_settings.width_percent  # (a dock's width is the style's)
        self._home = placement.restored_rect(self._settings, percent, overlay.height())
        self._shown = QRect(overlay.geometry())  # perhaps pushed up by a bigger font tried
        if self._tried is not None:
            self.show(*self._tried)  # what is tried, on that monitor
