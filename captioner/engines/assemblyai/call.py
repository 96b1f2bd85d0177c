"""Call mode in the cloud: microphone and system audio in ONE AssemblyAI session.

The SDK's ``ChannelStreamer`` (``assemblyai.streaming.v3.extras``) takes each
side's PCM separately, mixes them into the one mono stream the service
hears, runs an energy VAD per side, and attributes every word of every Turn
to the side that was speaking during that word (``word.channel``, rolled up
into ``turn.channel``).  Speaker diarization (``speaker_labels``) stays
independent of that: it tells remote speakers apart ("Them (A)", "Them (B)").

How it fits the resilient engine (:mod:`captioner.engines.assemblyai.session`):

* the source is a :class:`~captioner.audio.call.CallSources`, whose chunks are
  call frames (both sides of the same 50 ms).  The session loop, its audio
  ring and the backfill handle them as opaque 50 ms chunks, so both sides
  stay aligned through a reconnect and a backfill replays both;
* a ``ChannelStreamer`` is bound to one SDK client, and clients are
  single-use, so every connection (:class:`ChannelLink`: live, reconnect,
  rollover, backfill) builds its own.  Its VAD timeline starts with that
  connection's first audio, which is also where the service's word times
  start, so attribution needs no offset; the link then moves words onto the
  session clock as for any connection;
* provisional captions while disconnected come from the injected
  ``offline_factory`` (the registry passes the offline call engine, one
  recogniser per side, labelled the same way); this package does not
  import the offline engine itself.

Simplification: a turn is labelled by its duration-weighted majority side
(``turn.channel``); when both sides speak within one turn, the minority's
words carry the majority's label.  A turn the VAD cannot attribute keeps the
label it had in an earlier partial, or none, also after a speaker revision
(see :meth:`ChannelLink._revised_speaker`).  Word speakers are named like
their turn ("You", "Them (B)"), as first shown and as revised.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from assemblyai.streaming.v3.extras import ChannelAttributionOptions, ChannelStreamer
from assemblyai.streaming.v3.models import TurnEvent

from captioner.audio.call_frames import split_frame
from captioner.audio.ring import CHUNK_MS
from captioner.audio.sides import MIC, SIDES, SYSTEM
from captioner.engines.assemblyai.config import SAMPLE_RATE, AssemblyAIConfig
from captioner.engines.assemblyai.engine import AssemblyAIEngine
from captioner.engines.assemblyai.link import ClientFactory, Link
from captioner.engines.assemblyai.provisional import OfflineFactory
from captioner.engines.assemblyai.turn_extras import speaker_label
from captioner.engines.base import EngineListener
from captioner.engines.call_labels import CallLabels

__all__ = ["AssemblyAICallEngine", "ChannelLink"]


class ChannelLink(Link):
    """A connection that streams both sides through its own ``ChannelStreamer``."""

    def __init__(
        self,
        *,
        labels: CallLabels,
        attribution: ChannelAttributionOptions | None = None,
        **link_args: Any,
    ) -> None:
        self.labels = labels
        self._attribution = attribution
        self.streamer: ChannelStreamer | None = None
        self._turn_sides: dict[int, str] = {}
        self._sides_lock = threading.Lock()
        super().__init__(**link_args)

    def _turn_events(self) -> Any:
        # Called from Link.__init__ once the client exists.
        self.streamer = ChannelStreamer(self.client, list(SIDES), SAMPLE_RATE, self._attribution)
        return self.streamer

    def send(self, chunk: bytes) -> None:
        mic, system = split_frame(chunk)
        streamer = self.streamer
        assert streamer is not None
        # Both sides of the same 50 ms: the streamer mixes once it has both.
        streamer.stream(MIC, mic)
        streamer.stream(SYSTEM, system)
        self.sent_ms += CHUNK_MS
        self.liveness.sent()

    def _labels(self, event: TurnEvent) -> tuple[str, str | None]:
        side = getattr(event, "channel", None)
        with self._sides_lock:
            if side in SIDES:
                self._turn_sides[event.turn_order] = side
            else:
                side = self._turn_sides.get(event.turn_order)
            if event.end_of_turn and event.turn_is_formatted:
                self._turn_sides.pop(event.turn_order, None)
        if side is None:
            return "", None
        return side, self.labels.speaker(side, speaker_label(event.speaker_label))

    def _revised_speaker(self, source: str, label: str | None) -> str | None:
        """A service label on a turn (or word) of ``source``, named by side as ``_labels`` does.

        Used for revisions and for word speakers from the first final on, so a
        session keeps one scheme ("You", "Them (B)"), never raw "A"/"B" beside
        it.  A turn with no side (both sides spoke at once, the VAD could not
        tell them apart) stays unlabelled, whatever the service's label: the
        diarization runs on the mixed audio and labels the microphone's speaker
        too, so "B" says nothing about which side spoke; shown bare it reads as
        a third participant, and taken as "Them (B)" it could put the user's
        own words in the other side's mouth.
        """
        return self.labels.speaker(source, label) if source in SIDES else None


class AssemblyAICallEngine(AssemblyAIEngine):
    """The resilient cloud engine, streaming a call's two sides in one session.

    ``names`` maps ``"mic"``/``"system"`` to speaker names; ``attribution``
    tunes the SDK's per-word channel attribution; ``offline_factory`` builds
    the provisional call engine (it must label sides with the same names).
    """

    name = "assemblyai-call"

    def __init__(
        self,
        listener: EngineListener,
        config: AssemblyAIConfig,
        *,
        names: Mapping[str, str] | None = None,
        attribution: ChannelAttributionOptions | None = None,
        client_factory: ClientFactory | None = None,
        offline_factory: OfflineFactory | None = None,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.labels = CallLabels(names)
        self._attribution = attribution
        # The SDK's ChannelStreamer attributes words by each side's PCM and sends the
        # mix as PCM itself: call mode has no low-bandwidth (Opus) mode.
        super().__init__(
            listener,
            replace(config, low_bandwidth=False),
            client_factory=client_factory,
            source_label="",
            offline_factory=offline_factory,
            clock=clock,
            rng=rng,
        )

    def _build_link(self, **link_args: Any) -> Link:
        return ChannelLink(labels=self.labels, attribution=self._attribution, **link_args)
