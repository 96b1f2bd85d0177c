"""Recording a PulseAudio/PipeWire source with libpulse itself, not PortAudio.

PortAudio reaches the sound server through ALSA's ``pulse`` plugin, whose
poll loop spins while a new stream waits for its first audio: measured here,
2.0-2.1 s of CPU in the first 6 s of every capture (AssemblyAI's quickstart
pays it too), against 0.06 s for the same 6 s read with libpulse (issue 14:
an app open all day on a laptop's battery).  This module offers the small
part of sounddevice's ``RawInputStream`` that
:class:`~captioner.audio.source.DeviceSource` uses (``start``, ``active``,
``abort``, ``close``, the block and finished callbacks), so everything above
it (queueing, levels, lost-device checks) is shared.  Only for 16 kHz mono
16-bit, which the server converts to itself.

The stream is made with ``PA_STREAM_DONT_MOVE``: when its source goes away (a
USB headset unplugged, the output whose monitor is "System audio" removed)
the server ends it, and ``finished_callback`` says the device was lost.  A
movable stream (libpulse-simple's) was moved by the server to the default
source instead, so capture went on, unsaid, from a microphone the user never
chose.  A server that moves it all the same (pipewire-pulse maps the flag to
``node.dont-reconnect``) ends it too: see ``pa_stream_set_moved_callback``.

The monitor of the output that is the default ("System audio — … — default")
follows the default instead (``follow_default_output``): see
:mod:`captioner.audio.pulse_follow`.

One thread of ours ("pulse-record") runs libpulse's plain ``pa_mainloop``
and hands each 50 ms block on from it: no thread of libpulse's own, and no
hand-over between threads per block (libpulse-simple had both).

libpulse ships with every PulseAudio and PipeWire-pulse client
(``libpulse0``); where it cannot be loaded, capture goes through PortAudio as
before.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from captioner.audio import pulse_lib as pa
from captioner.audio.pulse_follow import FollowsDefaultOutput, bridge_seconds
from captioner.audio.pulse_lib import PulseError, available, library

__all__ = ["PulseError", "PulseRecordStream", "available", "bridge_seconds", "library"]

log = logging.getLogger(__name__)

_CONNECT_SECONDS = 10.0  # how long opening waits for the server's answers
# Why the stream ended, when it was the server that went (not a device): PipeWire restarted
# by an update or by hand ends every stream, and "device unplugged?" misled.
SERVER_GONE = "the sound server stopped (PipeWire or PulseAudio restarted?)"
PA_ERR_NOENTITY = 5  # libpulse's error for a source the server does not have


class PulseRecordStream(FollowsDefaultOutput):
    """One recording stream; ``callback(block, frames, None, None)`` runs on its own thread.

    Opening connects at once (raising :class:`PulseError`); ``start`` begins
    reading.  When the server ends the stream (the source was removed, the
    server quit) or moves it, ``active`` turns False and ``finished_callback``
    runs; no audio read after that is handed on.  One the server ended while its
    source is still there (a mixer's "kill", a hiccup) is made again at once and
    ``remade_callback()`` runs: its first audio may take a moment (see
    ``_ask_source``).

    ``follow_default_output`` (the default output's monitor: see the module):
    each time the stream is remade on another output's monitor,
    ``switched_callback(description, monitor)`` runs with that output's
    description and the monitor: the source is named after it, and the app says so.
    """

    def __init__(
        self,
        *,
        source: str | None,
        description: str,
        samplerate: int,
        blocksize: int,
        callback: Callable[[bytes, int, Any, Any], None],
        finished_callback: Callable[[], None],
        follow_default_output: bool = False,
        switched_callback: Callable[[str, str], None] | None = None,
        remade_callback: Callable[[], None] | None = None,
    ) -> None:
        lib = library()
        if lib is None:
            raise PulseError("libpulse is not available")
        self._lib = lib
        self._callback, self._finished_callback = callback, finished_callback
        self._switched_callback = switched_callback
        self._remade_callback = remade_callback
        self._frames = blocksize
        self._bytes = blocksize * 2
        self._rate = samplerate
        self._description = description.encode()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ended = threading.Lock()  # held while the handles are freed, and by abort()'s wakeup
        self._gone = False  # the server ended or moved the stream (set on the reading thread)
        self._named = True  # a source asked for by name (see _connect)
        self._source = source  # as asked (None: the server's default, or $PULSE_SOURCE)
        # Following the default output (all on the reading thread once started):
        self._follow = bool(follow_default_output and source)
        self._sink = (source or "").removesuffix(".monitor")  # the output recorded now
        self._orphaned = False  # its stream ended or moved: waiting for the new default
        self._last_data_at = 0.0  # when the stream last delivered audio
        self._made_at = 0.0  # when the stream now recording was made
        self._bridge_from: float | None = None  # since a switch: the gap to fill (see _run)
        # Kept here: libpulse calls them for as long as the stream exists.
        self._on_state = pa.Notify(self._state_changed)
        self._on_moved = pa.Notify(self._moved)
        self._on_event = pa.Subscribed(self._server_changed)
        self._on_server_info = pa.ServerInfoCallback(self._default_known)
        self._on_sink_info = pa.SinkInfoCallback(self._sink_found)
        self._on_source_info = pa.SourceInfoCallback(self._source_found)
        self.active = False
        self.lost_reason: str | None = None  # set when it ends by itself, if known
        self._mainloop: int | None = lib.pa_mainloop_new()
        self._context: int | None = None
        self._stream: int | None = None
        if not self._mainloop:
            raise PulseError("libpulse could not make a main loop")
        try:
            self._connect(source, samplerate)
        except BaseException:
            self._free()
            raise

    def _connect(self, source: str | None, samplerate: int) -> None:
        lib, mainloop = self._lib, self._mainloop
        context = lib.pa_context_new(lib.pa_mainloop_get_api(mainloop), b"Captioner")
        if not context:
            raise PulseError("libpulse could not make a context")
        self._context = context
        if lib.pa_context_connect(context, None, 0, None) < 0:
            raise PulseError(self._message())
        self._wait(lambda: lib.pa_context_get_state(context), pa.CONTEXT_READY, pa.CONTEXT_ENDED)
        self._spec = pa.SampleSpec(pa.S16_NATIVE, samplerate, 1)
        # A named source (or one $PULSE_SOURCE names, as the PortAudio route and users
        # do) is that device or nothing; the server's default (``--device pulse``) is
        # whichever source is the default now, so that stream may follow it.
        self._named = bool(source or os.environ.get("PULSE_SOURCE"))
        stream = self._record(source)
        try:
            self._wait(lambda: lib.pa_stream_get_state(stream), pa.STREAM_READY, pa.STREAM_ENDED)
        except PulseError:
            if not self._follow:
                raise
            stream = self._record_default_instead()
        if self._follow:
            # Told of changes to the server's defaults: nothing comes while none happens.
            lib.pa_context_set_subscribe_callback(context, self._on_event, None)
            self._done(lib.pa_context_subscribe(context, pa.MASK_SERVER, None, None))
            self._ask_default()  # it may have changed since the device scan

    def _record_default_instead(self) -> int:
        """The default output's monitor now, in place of a followed one gone at opening
        (the sound server restarted, a scan older than the output's removal)."""
        failed, error = self._stream, self._message()
        self._gone, self._orphaned = False, True  # its state callback said "gone"
        self._ask_default()
        deadline = time.monotonic() + _CONNECT_SECONDS
        while self._stream is failed and not self._gone and time.monotonic() < deadline:
            if not pa.step(self._lib, self._mainloop):
                break
        stream = self._stream
        if stream is failed or stream is None or self._gone:
            raise PulseError(error)
        state = self._lib.pa_stream_get_state
        self._wait(lambda: state(stream), pa.STREAM_READY, pa.STREAM_ENDED)
        return stream

    def _record(self, source: str | None) -> int:
        """A new stream recording ``source`` (None: the default), connecting; it is ``_stream``."""
        lib = self._lib
        stream = lib.pa_stream_new(self._context, self._description, ctypes.byref(self._spec), None)
        if not stream:
            raise PulseError(self._message())
        self._stream, self._made_at = stream, time.monotonic()
        lib.pa_stream_set_state_callback(stream, self._on_state, None)
        lib.pa_stream_set_moved_callback(stream, self._on_moved, None)
        # The server hands over one block at a time (fragsize): 50 ms, as PortAudio did.
        attr = pa.BufferAttr(pa.DEFAULT, pa.DEFAULT, pa.DEFAULT, pa.DEFAULT, self._bytes)
        device = source.encode() if source else None  # None: the default, or $PULSE_SOURCE
        flags = (pa.DONT_MOVE if self._named else 0) | pa.ADJUST_LATENCY
        if lib.pa_stream_connect_record(stream, device, ctypes.byref(attr), flags) < 0:
            raise PulseError(self._message())
        return stream

    def _wait(self, state: Callable[[], int], ready: int, ended: tuple[int, ...]) -> None:
        """Run the main loop until ``state()`` is ``ready``; PulseError if it ends or times out."""
        lib, mainloop = self._lib, self._mainloop
        deadline = time.monotonic() + _CONNECT_SECONDS
        while (now := state()) != ready:
            if now in ended:
                raise PulseError(self._message())
            if time.monotonic() > deadline:
                raise PulseError("the sound server did not answer")
            if not pa.step(lib, mainloop):
                raise PulseError("libpulse's main loop failed")

    def start(self) -> None:
        self.active = True
        self._thread = threading.Thread(target=self._run, name="pulse-record", daemon=True)
        self._thread.start()

    def abort(self) -> None:
        """Stop reading; the stream is freed on the reading thread, which this wakes."""
        self._stop.set()
        thread = self._thread
        if thread is None:
            self._free()
        else:
            with self._ended:
                if self._mainloop is not None:
                    self._lib.pa_mainloop_wakeup(self._mainloop)
            if thread is not threading.current_thread():
                thread.join(1.0)
        self.active = False

    stop = abort

    def close(self) -> None:
        self.abort()

    # -- the reading thread --------------------------------------------------

    def _state_changed(self, stream: int | None, _userdata: int | None) -> None:
        if stream != self._stream or self._lib.pa_stream_get_state(stream) not in pa.STREAM_ENDED:
            return
        if self._follow and self.active:  # its output was removed: on to the new default?
            self._orphaned = True
            self._ask_default()
        elif self.active and self._gave_audio():
            self._ask_source()  # it was recording: the same source again, if still there
        else:
            self._gone = True

    def _ask_source(self) -> None:
        """A stream that gave audio ended: a mixer's "kill", a server hiccup, or its device
        going.  If the server still has the source, it is recorded again at once (the stall
        check, then the wait for a lost device, took seconds and said "lost" and "back" for
        nothing); if not, it is lost.  A new stream that ends before any audio is not asked
        about again: that source is going."""
        if self._lib.pa_context_get_state(self._context) != pa.CONTEXT_READY:
            self._gone = True  # the server itself quit: every stream ended with it
            return
        if self._source is None:  # the server's default (or $PULSE_SOURCE's) whatever it is now
            self._record_again(None)
            return
        operation = self._lib.pa_context_get_source_info_by_name(
            self._context, self._source.encode(), self._on_source_info, None
        )
        if not operation:  # the context failed meanwhile: the server is gone
            self._gone = True
        self._done(operation)

    def _source_found(self, _context: int | None, info: Any, eol: int, _data: Any) -> None:
        # The source (eol 0), then the answer's end (1); no such source: an error (-1).
        if eol < 0:
            self._gone = True
        elif eol == 0 and info:
            self._record_again(self._source)

    def _record_again(self, source: str | None) -> None:
        if self._record_anew(source):
            if self._remade_callback is not None:  # a new stream: the start's grace
                self._remade_callback()
            log.info(
                "Recording %s again: the sound server ended its stream",
                source or "the default source",
            )

    def _record_anew(self, source: str | None) -> bool:
        """A new stream on ``source`` in place of the last, which goes first (no audio twice);
        False: none could be made (said gone).  Its first audio follows the gap's silence."""
        old, self._stream = self._stream, None
        if old is not None:
            self._release(old)
        try:
            self._record(source)
        except PulseError as exc:
            log.warning("Cannot record %s: %s", source or "the default source", exc)
            self._gone = True
            return False
        if self._last_data_at:
            self._bridge_from = self._last_data_at
        return True

    def _moved(self, stream: int | None, _userdata: int | None) -> None:
        if stream != self._stream:
            return
        if self._follow:  # wherever it went, the default's monitor is recorded, or nothing
            self._orphaned = True
            self._ask_default()
        elif self._named:  # to another source than the one asked for: that one is gone
            self._gone = True

    def _run(self) -> None:
        lib, mainloop = self._lib, self._mainloop
        size, frames, callback, stop = self._bytes, self._frames, self._callback, self._stop
        data, length = ctypes.c_void_p(), ctypes.c_size_t()
        data_ref, length_ref = ctypes.byref(data), ctypes.byref(length)
        pending = bytearray()
        try:
            # Blocks until the server sends something (or abort() wakes it); the
            # callbacks above run inside, on this thread.
            while not stop.is_set() and lib.pa_mainloop_iterate(mainloop, 1, None) >= 0:
                if self._gone or stop.is_set():
                    break
                stream, before = self._stream, len(pending)
                if stream is None:  # a switch failed: said gone just above
                    continue
                # A stream not ready (or ended) refuses the peek: nothing to read.
                while lib.pa_stream_peek(stream, data_ref, length_ref) == 0 and length.value:
                    if data.value and not self._orphaned:  # else a hole, or not ours to hand on
                        pending += ctypes.string_at(data.value, length.value)
                    lib.pa_stream_drop(stream)
                if len(pending) > before:
                    self._arrived(pending, before)
                while len(pending) >= size:
                    block = bytes(pending[:size])
                    del pending[:size]
                    callback(block, frames, None, None)
        finally:
            self.active = False
            context = self._context
            if context is not None and lib.pa_context_get_state(context) in pa.CONTEXT_ENDED:
                self.lost_reason = SERVER_GONE
            self._free()
            self._finished_callback()

    def _done(self, operation: int | None) -> None:
        if operation:
            self._lib.pa_operation_unref(operation)

    def _release(self, stream: int) -> None:
        lib = self._lib
        # No calls into Python from here on: the stream is being let go.
        lib.pa_stream_set_state_callback(stream, pa.Notify(), None)
        lib.pa_stream_set_moved_callback(stream, pa.Notify(), None)
        lib.pa_stream_disconnect(stream)
        lib.pa_stream_unref(stream)

    def _free(self) -> None:
        with self._ended:
            stream, context, mainloop = self._stream, self._context, self._mainloop
            self._stream = self._context = self._mainloop = None
            lib = self._lib
            if stream is not None:
                self._release(stream)
            if context is not None:
                lib.pa_context_set_subscribe_callback(context, pa.Subscribed(), None)
                lib.pa_context_disconnect(context)
                lib.pa_context_unref(context)
            if mainloop is not None:
                lib.pa_mainloop_free(mainloop)

    def _message(self) -> str:
        context = self._context
        code = self._lib.pa_context_errno(context) if context is not None else 0
        if code == PA_ERR_NOENTITY:  # libpulse says "No such entity"
            return "it is not connected now (unplugged, switched off or removed?)"
        text = self._lib.pa_strerror(code) if code else None
        return text.decode(errors="replace") if text else f"PulseAudio error {code}"
