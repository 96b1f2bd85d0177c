"""Edit ▸ Copy transcript: the text is built off the GUI thread, the clipboard set on it.

Writing out three hours of turns takes ~50 ms, ~300 ms with the profanity
filter (every word of every turn is masked), and the captions stood still
meanwhile: the GUI thread never stalls that long.  :class:`TranscriptCopier`
builds the text (:func:`~captioner.ui.session_export.plain_text`) from a
snapshot of the turns on a worker (:func:`~captioner.ui.keyring_access.off_gui_thread`)
and sets the clipboard when it is ready, on the GUI thread, as Qt requires.
Only the newest copy asked lands on the clipboard: an older, longer one
finishing after it does not replace it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject
from PySide6.QtGui import QGuiApplication

from captioner.core.transcript import Turn
from captioner.ui.keyring_access import off_gui_thread
from captioner.ui.session_export import plain_text

log = logging.getLogger(__name__)


class TranscriptCopier(QObject):
    """Puts a transcript's text on the clipboard once it is built (off the GUI thread)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._asked = 0  # copies asked for: only the newest one's text is used

    def copy(
        self,
        turns: Sequence[Turn],
        done: Callable[[str | None], None],
        *,
        mask_profanity: bool = False,
    ) -> None:
        """Copy ``turns`` as plain text; ``done(None)`` once copied, else ``done(problem)``.

        Returns at once; ``done`` runs on the GUI thread, and not at all for
        a copy overtaken by a newer one.
        """
        self._asked += 1
        asked = self._asked
        # The transcript replaces a revised turn rather than changing it: a list is a snapshot.
        snapshot = list(turns)

        def build() -> str:
            return plain_text(snapshot, mask_profanity=mask_profanity)

        def built(text: str) -> None:
            if asked == self._asked:
                QGuiApplication.clipboard().setText(text)
                done(None)

        def failed(exc: Exception) -> None:  # a bug or memory: say so, the transcript is intact
            log.error("Building the text to copy failed: %r", exc)
            if asked == self._asked:
                done(f"The transcript could not be copied: {exc}")

        off_gui_thread(build, built, self, on_error=failed, name="copy")
