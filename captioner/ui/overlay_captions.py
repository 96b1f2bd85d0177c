"""What the caption overlay shows: the last finished turns, then every turn in progress.

A presenter between the controller's transcript and the overlay widget, so
the app only connects them.  Lines go through the user's profanity filter,
and a change of filter redraws what is on the overlay at once; the
transcript itself keeps the words as recognised.  While there is nothing to
caption the overlay shows the run's status ("Listening…"), and over captions
an interruption shows as a small badge.
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from captioner.core.caption_line import CaptionLine, caption_line
from captioner.core.transcript import Turn
from captioner.ui.controller import CaptionController
from captioner.ui.overlay import CaptionOverlay
from captioner.ui.profanity_filter import ProfanityFilter


class OverlayCaptions(QObject):
    """Keeps the overlay's lines in step with the transcript and the profanity filter."""

    def __init__(
        self,
        controller: CaptionController,
        overlay: CaptionOverlay,
        profanity: ProfanityFilter,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._controller = controller
        self._overlay = overlay
        self._profanity = profanity
        overlay.translationDisplayChanged.connect(self.refresh_history)
        controller.turnFinished.connect(self.refresh_history)
        controller.turnRevised.connect(self.refresh_history)
        controller.transcriptReset.connect(overlay.speaker_colors.forget)  # a new session
        controller.transcriptReset.connect(self.refresh_history)
        controller.partialChanged.connect(self.refresh_partials)
        controller.partialCleared.connect(self.refresh_partials)
        profanity.changed.connect(self.refresh)
        controller.statusChanged.connect(self.show_status)
        controller.runningChanged.connect(self._on_running)

    def show_status(self, text: str, is_error: bool) -> None:
        self._overlay.set_placeholder("Listening…" if text == "Listening" else text)
        # Over captions, interruptions show as a small badge: readers must know
        # when text stops because the link is down, not because nobody speaks.
        interrupted = is_error or text.startswith("Reconnecting")
        self._overlay.set_badge(text if interrupted and self._controller.running else "")

    def _on_running(self, running: bool) -> None:
        if running:
            self._overlay.set_placeholder("")
            self._overlay.captions_started()
        else:
            self._overlay.set_badge("")
            self._overlay.fade_after_stop()  # old captions don't stay over what comes next

    def line(self, turn: Turn) -> CaptionLine:
        """A turn as an overlay line, as the filter shows it, with its translation if any.

        "Translation only" shows a finished line's translation in its place once
        it has come, and the original until then (a translation that never comes
        must not leave a hole where the caption was).
        """
        line = caption_line(turn, mask_profanity=self._profanity.enabled)
        if self._overlay.translation_display == "translation":
            return line.translation_in_place()
        return line

    def refresh(self) -> None:
        self.refresh_history()
        self.refresh_partials()

    def refresh_history(self, *_changed: object) -> None:
        """The newest finished lines; with none asked for, the last until the next begins.

        "Earlier lines of text: 0" means the line being spoken only, yet a line
        that vanished the instant its turn ended was often not yet read: it
        stays until the next line replaces it in place.  Lines filled in after
        a reconnect are old speech: the overlay is about now, so they stay in
        the transcript (marked) and never show here as if just said.
        """
        transcript = self._controller.transcript
        count = self._overlay.history_lines or (0 if self._partials_now() else 1)
        finished = _newest_said_live(transcript.finished, count)
        self._overlay.set_history([self.line(turn) for turn in finished])

    def refresh_partials(self, *_changed: object) -> None:
        """Every side that is mid-sentence keeps its own in-progress line."""
        if not self._overlay.history_lines:
            self.refresh_history()  # the last finished line gives way to the new one
        self._overlay.set_partials([self.line(turn) for turn in self._partials_now()])

    def _partials_now(self) -> list[Turn]:
        """The lines in progress, oldest first, less the stand-ins the cloud is past.

        Offline stand-in lines stay in progress until their gap is transcribed
        again, up to a minute after the reconnect; once a cloud line began after
        one, it is old speech beside the live line, and the overlay is about now.
        """
        transcript = self._controller.transcript
        partials = sorted(transcript.partials.values(), key=lambda t: t.start_ms or 0)
        starts = [t.start_ms for t in partials if not t.provisional]
        for turn in reversed(transcript.finished):  # the newest line said live
            if not (turn.provisional or turn.recovered):
                starts.append(turn.start_ms)
                break
        cloud_from = max((start for start in starts if start is not None), default=None)
        if cloud_from is None:
            return partials
        return [
            t
            for t in partials
            if not t.provisional or t.start_ms is None or t.start_ms > cloud_from
        ]


def _newest_said_live(turns: list[Turn], count: int) -> list[Turn]:
    """The last ``count`` turns that are not recovered, oldest first (from the end: cheap)."""
    newest: list[Turn] = []
    for turn in reversed(turns):
        if len(newest) >= count:
            break
        if not turn.recovered:
            newest.append(turn)
    return newest[::-1]
