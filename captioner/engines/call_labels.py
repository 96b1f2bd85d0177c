"""Call-mode pieces every engine shares: who a side is, and a source's side notices.

Both call engines (:mod:`captioner.engines.offline.call` and
:mod:`captioner.engines.assemblyai.call`) label turns the same way and report
a lost side or an echo the same way.  Those rules live here, beside the
engine packages, so that neither package has to import the other.
"""

from __future__ import annotations

from collections.abc import Mapping

from captioner.audio.sides import DEFAULT_NAMES, MIC, SIDES, SYSTEM
from captioner.engines.base import AudioSource, EngineListener, EngineNotice, report_notice

# AssemblyAI labels words it cannot place with a speaker this way.
_NO_SPEAKER = {"", "UNKNOWN", "unknown", None}


class CallLabels:
    """Side → speaker name, with remote speakers told apart: ``"Them (A)"``."""

    def __init__(self, names: Mapping[str, str] | None = None) -> None:
        merged = dict(DEFAULT_NAMES)
        for side, name in (names or {}).items():
            if side not in SIDES:
                raise ValueError(f"unknown call side {side!r}; use {MIC!r} or {SYSTEM!r}")
            if name and name.strip():
                merged[side] = name.strip()
        self.names = merged

    def speaker(self, side: str, diarized: str | None = None) -> str | None:
        """The label for a turn of ``side``; ``diarized`` is the service's speaker label.

        Only the system side is split by speaker: everyone at the microphone is "You".
        """
        name = self.names.get(side)
        if name is None:
            return None
        if side == SYSTEM and diarized not in _NO_SPEAKER:
            return f"{name} ({diarized})"
        return name


# What a call's status says once a side's device is gone, until it is back.
LOST_SIDE = {MIC: "microphone lost", SYSTEM: "system audio lost"}


def watch_call_source(source: AudioSource, listener: EngineListener) -> None:
    """Report a source's lost side through ``listener``, as a lasting notice, and the side
    back, as a notice that ends it: a :class:`CallSources`, or a one-source run's
    ``ReturningCapture`` waiting for its device (any source with ``watch``).

    Not an error: the other side goes on being captioned (or the run waits for
    its device), and an error would be the run's last word (its later states, a
    reconnect, "Stopped", unsaid).
    The echo hint is not the engine's to say: the call panel shows it.
    """
    watch = getattr(source, "watch", None)  # CallSources, or a one-source ReturningCapture
    if watch is None:
        return

    def lost(side: str, message: str) -> None:
        report_notice(listener, EngineNotice(message, lasting=LOST_SIDE.get(side, "input lost")))

    def back(side: str, message: str) -> None:
        report_notice(listener, EngineNotice(message, ends=LOST_SIDE.get(side, "input lost")))

    watch(on_source_lost=lost, on_source_back=back)
