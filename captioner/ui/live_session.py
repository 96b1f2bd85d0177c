"""The session being captioned, as the Sessions window follows it: from memory, not the disk.

The live session's journal trails the screen (its writer has a turn on disk
within 100 ms) and reading it means a trip through the index's worker, so a
window that showed the journal as it was when picked kept that copy while
the session went on ("Saved 1 line" from an export of a 5-line session).
This object hands out the live session as it is now — its info and the
finished turns in memory — and says each finished or revised turn, so a
window showing it can follow without touching the disk; once its journal is
closed it says ``ended``, and the window reads the journal for good.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from captioner.core.session import SessionInfo
from captioner.core.transcript import Change, ChangeKind, Transcript, Turn


class LiveSession(QObject):
    """The live session of a :class:`~captioner.ui.session_manager.SessionManager`.

    Signals:
        turnChanged(str, Change): a turn of the live session (its id) finished
            (``FINISHED``) or changed in place (``REVISED``), at ``change.index``.
        ended(str): that session's journal is closed (all of it on disk, or as
            much as the disk took); what follows is read from there.
    """

    turnChanged = Signal(str, object)
    ended = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._info: SessionInfo | None = None
        self._transcript: Transcript | None = None

    def follow(self, info: SessionInfo, transcript: Transcript) -> None:
        """``transcript`` is the session ``info`` from now on (a Start)."""
        self._info, self._transcript = info, transcript
        # Each run has its own transcript, dropped with its listeners after the run.
        transcript.subscribe(lambda change: self._on_change(transcript, change))

    def stop(self) -> None:
        """The run is over: its journal is being closed (``ended`` says when it is)."""
        self._info = self._transcript = None

    def snapshot(self, session_id: str | None) -> tuple[SessionInfo, list[Turn]] | None:
        """The session ``session_id`` as it is now, if it is the live one (a copy of its turns)."""
        if self._info is None or self._transcript is None or self._info.id != session_id:
            return None
        return self._info, list(self._transcript.finished)

    def _on_change(self, transcript: Transcript, change: Change) -> None:
        if transcript is not self._transcript or self._info is None:
            return  # a transcript of an earlier run
        if change.kind in (ChangeKind.FINISHED, ChangeKind.REVISED):
            self.turnChanged.emit(self._info.id, change)
