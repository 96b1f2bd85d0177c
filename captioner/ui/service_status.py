"""The status bar says which model the service actually runs, and shows its notices.

AssemblyAI names the model in use when a session begins; it may not be the
one chosen in Settings (the service ignores parameters it does not know).
A small permanent label at the right of the main window's status bar shows
it for the run ("Model: universal-streaming-english"), with what was asked
for in its tooltip; the offline engine names no model and the label hides.
Notices (a service warning, another model than the one asked for) show for
a while in a second permanent label, the whole text in its tooltip: seen,
not alarming, and never in the way of the status line, which keeps saying
what the run is doing (the bar's transient message would hide it, errors
included, and every status change clears that message).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMainWindow, QSizePolicy

from captioner.engines.base import ServiceSession
from captioner.ui.controller import CaptionController
from captioner.ui.elided_label import ElidedLabel

NOTICE_MS = 15_000  # long enough to read a sentence twice


def model_text(session: ServiceSession) -> str:
    return f"Model: {session.model}" if session.model else ""


def model_tooltip(session: ServiceSession) -> str:
    lines = [f"Speech model in use (as AssemblyAI reports it): {session.model or 'not said'}"]
    if session.mode:
        lines.append(f"Mode: {session.mode}")
    if session.requested_model:
        lines.append(f"Asked for: {session.requested_model}")
    if session.model_differs:
        lines.append("AssemblyAI did not use the model chosen in Settings.")
    return "\n".join(lines)


class ServiceStatus(QObject):
    """Keeps the main window's model label and notices in step with the controller.

    ``noticeShown(bool)`` says when a notice comes and goes: the bar's standing
    notes (the overlay out of the way) make room for it, as the bar shares its
    width evenly among the labels it must cut, and a notice is the news.
    """

    noticeShown = Signal(bool)

    def __init__(
        self, window: QMainWindow, controller: CaptionController, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._bar = window.statusBar()
        # Never widens the window: their natural width when there is room, cut
        # with "…" (down to nothing) where there is not: the status line comes first.
        # A notice wraps onto a second line before it is cut: it is a sentence to read.
        self.label = ElidedLabel(window)
        self.label.setObjectName("serviceModel")
        self.label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.label.hide()
        self.notice = ElidedLabel(window, lines=2)
        self.notice.setObjectName("serviceNotice")
        self.notice.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.notice.hide()
        # The notice's own: it goes with the window (a timer of ours firing after the
        # window was deleted raised on the dead label, during the next test or at exit).
        self._notice_timer = QTimer(self.notice)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.timeout.connect(self._hide_notice)
        self._bar.addPermanentWidget(self.notice)
        self._bar.addPermanentWidget(self.label)
        controller.serviceChanged.connect(self.show_session)
        controller.noticed.connect(self.show_notice)
        controller.runningChanged.connect(self._on_running)

    def show_session(self, session: ServiceSession) -> None:
        text = model_text(session)
        self.label.setText(text)
        self.label.setToolTip(model_tooltip(session))
        self.label.setAccessibleName(text)
        self.label.setVisible(bool(text))

    def show_notice(self, message: str, detail: str) -> None:
        """Show ``message`` for ``NOTICE_MS``: on two lines if it needs them; a window too
        narrow for that cuts it, and the tooltip has it all."""
        self.notice.setText(message)
        self.notice.setToolTip(f"{message}\n{detail}" if detail else message)
        self.notice.setAccessibleName(message)
        self.notice.show()
        self._notice_timer.start(NOTICE_MS)
        self.noticeShown.emit(True)

    def _hide_notice(self) -> None:
        self.notice.hide()
        self.noticeShown.emit(False)

    def _on_running(self, running: bool) -> None:
        if running:  # a new run: the last run's model is no longer news
            self.label.clear()
            self.label.hide()
