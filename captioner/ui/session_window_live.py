"""The Sessions window on the live session: it follows the session instead of a copy of it.

Kept apart from :mod:`captioner.ui.sessions_window` (listing, searching,
showing) so each stays small.  The live session is taken from memory
(:class:`~captioner.ui.live_session.LiveSession`) when picked, each line
that finishes or changes afterwards goes into the view as it does in the
main window, and when its journal is closed the session is read back from
disk on the index's worker — never on the GUI thread — so what the window
holds is what was kept.
"""

from __future__ import annotations

from collections.abc import Callable

from captioner.core.session import SessionInfo
from captioner.core.session_index import LoadedSession
from captioner.core.transcript import Change, ChangeKind, Turn
from captioner.ui.session_library import SessionLibrary
from captioner.ui.session_manager import SessionManager
from captioner.ui.transcript_view import TranscriptView


class LiveFollowing:
    """Follow the live session in the view (mixed into ``SessionsWindow``)."""

    manager: SessionManager
    view: TranscriptView
    _library: SessionLibrary
    _current: tuple[SessionInfo, list[Turn]] | None
    _current_id: str | None
    _drawn: int  # turns of ``_current`` in the view (the rest are drawn a slice per pass)
    _reloading: str | None  # the session read again from its journal, once closed
    _clear_view: Callable[[], None]
    _show_turns: Callable[[int, int | None], None]
    _showing: int
    _reset_find: Callable[[], None]

    def _follow_live(self) -> None:
        self.manager.live.turnChanged.connect(self._on_live_turn)
        self.manager.live.ended.connect(self._on_live_ended)

    def _live_now(self, session_id: str) -> LoadedSession | None:
        """The live session as it is now (memory only), if ``session_id`` is it."""
        live = self.manager.live.snapshot(session_id)
        return LoadedSession(session_id, *live) if live is not None else None

    def _on_live_turn(self, session_id: str, change: Change) -> None:
        if session_id != self._current_id or self._current is None:
            return
        turns, index, turn = self._current[1], change.index, change.turn
        if index is None or turn is None:
            return
        if change.kind is ChangeKind.FINISHED:
            all_drawn = self._drawn == len(turns)
            turns.insert(index, turn)
            # Lines not drawn yet are drawn by the pass on its way (it reads ``turns``).
            if index < self._drawn or all_drawn:
                self.view.insert_turn(index, turn)
                self._drawn += 1
        elif change.kind is ChangeKind.REVISED:
            turns[index] = turn
            if index < self._drawn:
                self.view.revise_turn(index, turn)
        self._reset_find()  # found lines moved

    def _on_live_ended(self, session_id: str) -> None:
        # Wherever it was followed to, the journal is what is kept (title, end time).
        if session_id == self._current_id:
            self._reloading = session_id
            self._library.request_load(session_id)

    def _on_reloaded(self, loaded: LoadedSession) -> None:
        """The followed session, read back from its closed journal."""
        self._reloading = None
        if loaded.session_id != self._current_id or self._current is None:
            return  # another session was picked meanwhile
        shown = self._current[1]
        if loaded.info is None or len(loaded.turns) < len(shown):
            return  # not (all) on disk: kept in memory, as followed
        self._current = (loaded.info, loaded.turns)
        if [_drawn_as(t) for t in loaded.turns] != [_drawn_as(t) for t in shown]:
            self._clear_view()
            self._reset_find()
            self._show_turns(self._showing, None)


def _drawn_as(turn: Turn) -> tuple[object, ...]:
    """What the view shows of a turn (a redraw is needed only when this differs)."""
    return (turn.key, turn.text, turn.speaker, turn.translation, turn.start_ms)
