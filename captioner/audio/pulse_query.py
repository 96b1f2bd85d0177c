"""Asking the sound server for its sources, sinks and defaults with libpulse itself.

The device scan asks ``pactl`` (:mod:`.pulse_sources`).  Where pactl is not
installed, as on Debian 12's PipeWire desktop (``pipewire-audio`` does not
pull in ``pulseaudio-utils``; PulseAudio did), it asks here: the same three
questions over one connection of its own, with libpulse (``libpulse0``), which
every PulseAudio and pipewire-pulse client has and which records anyway.

Blocking, as a pactl call is: a few milliseconds, at most ``timeout`` seconds
for a server that does not answer; never starts a sound server.  The caller
(a device scan) runs off the GUI thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from captioner.audio import pulse_lib as pa
from captioner.audio.pulse_sources import PulseSnapshot, PulseSource

_TIMEOUT_S = 5.0
_INVALID_INDEX = 0xFFFFFFFF  # PA_INVALID_INDEX: monitor_of_sink of a source that is no monitor


def _text(value: bytes | None) -> str:
    return value.decode(errors="replace") if value else ""


class _Answers:
    """What the server's three answers said; ``done`` counts the answers that are complete."""

    def __init__(self) -> None:
        self.done = 0
        self.sources: list[PulseSource] = []
        self.sinks: dict[str, str] = {}
        self.defaults: tuple[str | None, str | None] = (None, None)
        # Kept here: libpulse calls them until the connection is freed.
        self.on_server = pa.ServerInfoCallback(self._server)
        self.on_source = pa.SourceInfoCallback(self._source)
        self.on_sink = pa.SinkInfoCallback(self._sink)

    def _server(self, _context: Any, info: Any, _data: Any) -> None:
        if info:
            sink, source = info.contents.default_sink_name, info.contents.default_source_name
            self.defaults = (_text(sink) or None, _text(source) or None)
        self.done += 1

    def _source(self, _context: Any, info: Any, eol: int, _data: Any) -> None:
        if eol or not info:
            self.done += 1
            return
        source = info.contents
        monitors = source.monitor_of_sink != _INVALID_INDEX
        self.sources.append(
            PulseSource(
                name=_text(source.name),
                description=_text(source.description),
                monitor_of_sink=(_text(source.monitor_of_sink_name) or None) if monitors else None,
            )
        )

    def _sink(self, _context: Any, info: Any, eol: int, _data: Any) -> None:
        if eol or not info:
            self.done += 1
            return
        self.sinks[_text(info.contents.name)] = _text(info.contents.description)


def snapshot(timeout: float = _TIMEOUT_S) -> PulseSnapshot | None:
    """The server's sources, sinks and defaults; None without libpulse or a server."""
    lib = pa.library()
    if lib is None:
        return None
    mainloop = lib.pa_mainloop_new()
    if not mainloop:
        return None
    context = lib.pa_context_new(lib.pa_mainloop_get_api(mainloop), b"Captioner")
    answers = _Answers()
    try:
        if not context or lib.pa_context_connect(context, None, pa.NOAUTOSPAWN, None) < 0:
            return None
        deadline = time.monotonic() + timeout
        if not _run_until(lib, mainloop, context, deadline, lambda: True):
            return None
        for operation in (
            lib.pa_context_get_server_info(context, answers.on_server, None),
            lib.pa_context_get_source_info_list(context, answers.on_source, None),
            lib.pa_context_get_sink_info_list(context, answers.on_sink, None),
        ):
            if not operation:
                return None
            lib.pa_operation_unref(operation)
        if not _run_until(lib, mainloop, context, deadline, lambda: answers.done >= 3):
            return None
        return PulseSnapshot(
            sources=answers.sources,
            sinks=answers.sinks,
            default_sink=answers.defaults[0],
            default_source=answers.defaults[1],
        )
    finally:
        if context:
            lib.pa_context_disconnect(context)
            lib.pa_context_unref(context)
        lib.pa_mainloop_free(mainloop)


def _run_until(
    lib: Any, mainloop: int, context: int, deadline: float, done: Callable[[], bool]
) -> bool:
    """Run the main loop while the context is ready and ``done()`` is not; False if it
    failed, ended or the deadline passed."""
    while True:
        state = lib.pa_context_get_state(context)
        if state in pa.CONTEXT_ENDED or time.monotonic() > deadline:
            return False
        if state == pa.CONTEXT_READY and done():
            return True
        if not pa.step(lib, mainloop):
            return False
