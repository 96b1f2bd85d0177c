"""The session being captioned, as the Sessions window follows it: from memory, not the disk.

The live session's journal trails the screen (its writer has a turn on disk
within 100 ms) and reading it means a trip through the index's worker, so a
window that showed the journal as it was when picked kept that copy while
the session went on ("Saved 1 line" from an export of a 5-line session).
This object hands out the live session as it is now — its info and the
finished turns in memory — and says each finished or revised turn, so a
window showing it can follow without touching the disk; once its journal is
closed it says ``ended``, and the window reads the journal for good.

An export of it before then carries its length so far (:meth:`export_info`).
"""

from __future__ import annotations

import time
from dataclasses import replace

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
        self._started = 0.0  # time.monotonic() at its Start

    def follow(self, info: SessionInfo, transcript: Transcript, started: float) -> None:
        """``transcript`` is the session ``info`` from now on (a Start at ``started``,
        a :func:`time.monotonic` time)."""
        self._info, self._transcript, self._started = info, transcript, started
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

    def export_info(self, info: SessionInfo | None) -> SessionInfo | None:
        """``info`` as an export should carry it: the live session with its length until now.

        A session gets its end time and length at Stop, once the engine has
        stopped (:meth:`SessionManager.finish`).  Exported before then — while
        it runs, or while Stop is still draining the engine — its length came
        out as how far its turns reach, which leaves out the silence after the
        last one.  A copy with the time it has run so far; ``ended_at`` stays
        ``None``: it has not ended.
        """
        if info is None or info.duration_ms is not None:
            return info
        if self._info is None or info.id != self._info.id:
            return info  # not the live session (a stopped one has its length)
        return replace(info, duration_ms=self.run_ms())

    def run_ms(self) -> int:
        """How long the session followed last has run: until now, or its length at Stop.

        One clock for both lengths, the export's "so far" and the journal's end
        record (:meth:`SessionManager.finish`), so they cannot disagree.
        """
        return int((time.monotonic() - self._started) * 1000)

    def _on_change(self, transcript: Transcript, change: Change) -> None:
        if transcript is not self._transcript or self._info is None:
            return  # a transcript of an earlier run
        if change.kind in (ChangeKind.FINISHED, ChangeKind.REVISED):
            self.turnChanged.emit(self._info.id, change)
