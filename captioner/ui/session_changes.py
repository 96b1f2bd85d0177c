"""Recover, import, rename and delete: the disk work happens on the session index's worker.

Each used to run on the GUI thread (a journal read and rewritten, a file
deleted or written and fsynced): on a slow or stalled disk the window froze.
They now run on the worker that answers listings, in order with them — a
refresh asked for after a delete is answered after the delete — and the
result comes back on the GUI thread, to the ``done`` callback and the
manager's signals (``problem``, ``sessionsChanged``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import SignalInstance

from captioner.core.journal import JournalError
from captioner.core.journal_format import rename_record
from captioner.core.journal_writer import JournalWriter
from captioner.core.session import SessionInfo
from captioner.core.sessions import SessionStore
from captioner.core.transcript import Turn
from captioner.ui.session_library import SessionLibrary

log = logging.getLogger(__name__)


class SessionChanges:
    """Changes to stored sessions, for :class:`~captioner.ui.session_manager.SessionManager`."""

    store: SessionStore
    library: SessionLibrary
    problem: SignalInstance
    sessionsChanged: SignalInstance
    writer: JournalWriter | None  # the live session's
    info: SessionInfo | None

    def recover(
        self, session_id: str, done: Callable[[list[Turn], str | None], None] | None = None
    ) -> None:
        """Close a crashed session (off the GUI thread); ``done(turns, problem)`` on it.

        A folder that refuses the write (read-only) is said in ``problem``
        (and the signal), and the turns are returned as they read: nothing
        is lost to the user.
        """
        store = self.store

        def work() -> tuple[list[Turn], str | None]:
            try:
                return store.recover(session_id), None
            except KeyError:
                return [], "This session no longer exists."
            except Exception as exc:  # JournalError (read-only…), or unforeseen: never stuck
                if not isinstance(exc, JournalError):
                    log.exception("Could not recover session %s", session_id)
                said = f"{exc} The session is shown as it was left."
                try:
                    return store.load(session_id)[1], said
                except Exception:
                    return [], said

        def recovered(result: tuple[list[Turn], str | None]) -> None:
            turns, said = result
            if said is not None:
                self.problem.emit(said)
            self.sessionsChanged.emit()
            if done is not None:
                done(turns, said)

        self.library.run(work, recovered, changes=session_id)

    def import_file(
        self, path: str | Path, done: Callable[[str | None, str | None], None] | None = None
    ) -> None:
        """Bring a JSON export back into the history, off the GUI thread.

        ``done(session_id, None)``, or ``done(None, message)`` in plain words.
        The imported session keeps its metadata, but gets a fresh id when one
        with the same id is already here (importing twice makes two copies).
        """
        store = self.store

        def work() -> tuple[str | None, str | None]:
            # Imported here, on the worker: captioner.core.export (formats, cues) is
            # not needed before the main window shows (issue 14).
            from captioner.core.export import TranscriptFileError, import_json

            try:
                info, turns = import_json(path)
                info = info or SessionInfo(engine="imported", source=Path(path).name)
                if store.path(info.id).exists():
                    info = replace(info, id=uuid.uuid4().hex)
                store.add(info, turns)
            except (TranscriptFileError, JournalError) as exc:
                return None, str(exc)
            except Exception:  # unforeseen: say so rather than leave "Importing…" up
                log.exception("Could not import %s", path)
                return None, f"“{path}” could not be imported."
            self.library.index.invalidate(info.id)
            return info.id, None

        def imported(result: tuple[str | None, str | None]) -> None:
            if result[0] is not None:
                self.sessionsChanged.emit()
            if done is not None:
                done(*result)

        self.library.run(work, imported)

    def discard(self, session_id: str, done: Callable[[str | None], None] | None = None) -> None:
        """Delete a stored session off the GUI thread; ``done(problem or None)`` on it.

        A listing asked for after this call shows it gone (same worker, in order).
        """
        store = self.store

        def work() -> str | None:
            try:
                store.delete(session_id)
            except KeyError:
                return None  # already gone
            except JournalError as exc:  # a read-only folder, a live session
                return str(exc)
            except Exception:  # unforeseen: say so rather than leave "Deleting…" up
                log.exception("Could not delete session %s", session_id)
                return "The session could not be deleted."
            return None

        def deleted(problem: str | None) -> None:
            if problem is not None:
                self.problem.emit(problem)
            self.sessionsChanged.emit()
            if done is not None:
                done(problem)

        self.library.run(work, deleted, changes=session_id)

    def rename(self, session_id: str, title: str, done: Callable[[], None] | None = None) -> None:
        """Rename a session: the live one through its writer, a stored one off the GUI thread.

        A stored session's journal is rewritten (and synced): on the GUI
        thread a slow disk froze the window.  Lists follow once it is on disk.
        """
        writer = self.writer
        if writer is not None and writer.info.id == session_id:
            writer.rename(title)
            if self.info is not None:
                self.info.title = writer.info.title
            return
        store = self.store

        def work() -> str | None:
            try:
                store.rename(session_id, title)
            except KeyError:
                return "This session no longer exists."
            except JournalError as exc:  # a read-only folder
                return str(exc)
            except Exception:
                log.exception("Could not rename session %s", session_id)
                return "The session could not be renamed."
            return None

        def renamed(problem: str | None) -> None:
            if problem is not None:
                self.problem.emit(problem)
            elif self.info is not None and self.info.id == session_id:  # the last run's session:
                self.info.title = rename_record(title)["title"]  # File ▸ Export names it so
            self.sessionsChanged.emit()
            if done is not None:
                done()

        self.library.run(work, renamed, changes=session_id)
