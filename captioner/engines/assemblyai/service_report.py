"""What the service says about itself: the model it runs, and its warnings.

AssemblyAI's ``Begin`` carries ``configuration`` (the speech model and mode
actually in use).  The service ignores connect parameters it does not know
instead of refusing the session, so a session may run another model than the
one asked for; the user should learn that from the app, not from worse
captions.  ``Warning`` events are the service saying something is off while
the session goes on (a parameter ignored, audio arriving oddly…).

:class:`ServiceReport` is shared by all connections of one run (it lives on
:class:`~captioner.engines.assemblyai.turn_extras.RunExtras`), so a reconnect
or a backfill that lands on the same model says nothing new, and "the service
uses another model" is said once per run, not once per connection.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from captioner.engines.base import (
    EngineListener,
    EngineNotice,
    ServiceSession,
    report_notice,
    report_service_session,
)

log = logging.getLogger(__name__)


def served(event: Any, requested_model: str | None, requested_mode: str | None) -> ServiceSession:
    """The model and mode a ``BeginEvent`` names (``None`` where it names none)."""
    configuration = getattr(event, "configuration", None)
    model = getattr(configuration, "model", None) or None
    mode = getattr(configuration, "mode", None) or None
    return ServiceSession(
        model=str(model) if model is not None else None,
        mode=str(mode) if mode is not None else None,
        requested_model=requested_model,
        requested_mode=requested_mode,
    )


def substitution_message(session: ServiceSession) -> str:
    """Plain words for a session that runs another model than the one asked for."""
    return (
        f"AssemblyAI is using the “{session.model}” model, not “{session.requested_model}” "
        "as set in Settings (the service ignored the choice). Captions come from "
        f"“{session.model}”."
    )


LOST_TURN_MESSAGE = "Some captions from AssemblyAI could not be read and are missing."
LOST_TURN_DETAIL = (
    "A Turn message lacked its turn_order, transcript or end_of_turn; the log names the field."
)


class ServiceReport:
    """One run's account of what the service said it runs, and its warnings (thread-safe)."""

    def __init__(self, listener: EngineListener) -> None:
        self.listener = listener
        self._lock = threading.Lock()
        self._last: ServiceSession | None = None
        self._told_substitution = False
        self._told_lost_turn = False

    @property
    def session(self) -> ServiceSession | None:
        """What the last connection to begin said (``None`` before any began)."""
        with self._lock:
            return self._last

    def begun(
        self,
        link_id: int,
        event: Any,
        *,
        requested_model: str | None,
        requested_mode: str | None,
    ) -> None:
        """A connection began: report the model in use if it is news, and a substitution once."""
        session = served(event, requested_model, requested_mode)
        log.info(
            "Connection %d began: model %s, mode %s (asked: %s, %s)",
            link_id,
            session.model,
            session.mode,
            requested_model,
            requested_mode or "service default",
        )
        with self._lock:
            news = session != self._last
            self._last = session
            tell = session.model_differs and not self._told_substitution
            if tell:
                self._told_substitution = True
        if news:
            report_service_session(self.listener, session)
        if tell:
            message = substitution_message(session)
            log.warning("%s", message)
            detail = (
                f"asked for {session.requested_model}; Begin.configuration.model is {session.model}"
            )
            report_notice(self.listener, EngineNotice(message, detail))

    def warning(self, link_id: int, event: Any) -> None:
        """The service warned: log it and pass it on as a notice (the run goes on)."""
        text = str(getattr(event, "warning", "") or "").strip() or "no details"
        code = getattr(event, "warning_code", None)
        log.warning("AssemblyAI warning on connection %d: %s (code %s)", link_id, text, code)
        detail = f"warning code {code}" if code is not None else ""
        report_notice(self.listener, EngineNotice(f"AssemblyAI warning: {text}", detail))

    def turn_lost(self) -> None:
        """A Turn the service sent could not be read at all: say so once a run (the
        log names the field), so nobody takes the missing words for silence."""
        with self._lock:
            tell, self._told_lost_turn = not self._told_lost_turn, True
        if tell:
            report_notice(self.listener, EngineNotice(LOST_TURN_MESSAGE, LOST_TURN_DETAIL))
