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
movable stream (libpulse-simple's, the only kind it makes) was moved by the
server to the default source about 1.4 s later instead, so capture went on,
unsaid, from a microphone the user never chose.  Should a server move the
stream all the same, the move ends it too (``pa_stream_set_moved_callback``).
PipeWire's pipewire-pulse maps ``DONT_MOVE`` to ``node.dont-reconnect`` (as
far as is known; the tests run a real PulseAudio); it is the moved callback
that keeps a server which ignored the flag from captioning another source.

One thread of ours ("pulse-record") runs libpulse's plain ``pa_mainloop``
and hands each 50 ms block on from it: no thread of libpulse's own, and no
hand-over between threads per block (libpulse-simple had both).

libpulse ships with every PulseAudio and PipeWire-pulse client
(``libpulse0``); where it cannot be loaded, capture goes through PortAudio as
before.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

_S16_NATIVE = 3 if sys.byteorder == "little" else 4  # pa_sample_format_t: what NativeBlocks reads
_DEFAULT = 0xFFFFFFFF  # (uint32_t) -1: the server's choice for a buffer attribute
_DONT_MOVE, _ADJUST_LATENCY = 0x0200, 0x2000  # pa_stream_flags_t
_CONTEXT_READY, _STREAM_READY = 4, 2  # pa_context_state_t, pa_stream_state_t
_CONTEXT_ENDED, _STREAM_ENDED = (5, 6), (3, 4)  # FAILED, TERMINATED
_CONNECT_SECONDS = 10.0  # how long opening waits for the server's answers
_POLL_USEC = 100_000  # while opening: how often the wait looks at the clock

_Notify = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)  # pa_stream_notify_cb_t


class PulseError(OSError):
    """libpulse refused: the message is pa_strerror's, ready to show."""


class _SampleSpec(ctypes.Structure):
    _fields_ = [("format", ctypes.c_int), ("rate", ctypes.c_uint32), ("channels", ctypes.c_uint8)]


class _BufferAttr(ctypes.Structure):
    _fields_ = [
        ("maxlength", ctypes.c_uint32),
        ("tlength", ctypes.c_uint32),
        ("prebuf", ctypes.c_uint32),
        ("minreq", ctypes.c_uint32),
        ("fragsize", ctypes.c_uint32),
    ]


_library: Any = None
_load_lock = threading.Lock()

_P, _I, _S = ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p
_PROTOTYPES: dict[str, tuple[Any, list[Any]]] = {
    "pa_mainloop_new": (_P, []),
    "pa_mainloop_get_api": (_P, [_P]),
    "pa_mainloop_prepare": (_I, [_P, _I]),
    "pa_mainloop_poll": (_I, [_P]),
    "pa_mainloop_dispatch": (_I, [_P]),
    "pa_mainloop_iterate": (_I, [_P, _I, _P]),
    "pa_mainloop_wakeup": (None, [_P]),
    "pa_mainloop_free": (None, [_P]),
    "pa_context_new": (_P, [_P, _S]),
    "pa_context_connect": (_I, [_P, _S, _I, _P]),
    "pa_context_get_state": (_I, [_P]),
    "pa_context_errno": (_I, [_P]),
    "pa_context_disconnect": (None, [_P]),
    "pa_context_unref": (None, [_P]),
    "pa_stream_new": (_P, [_P, _S, ctypes.POINTER(_SampleSpec), _P]),
    "pa_stream_connect_record": (_I, [_P, _S, ctypes.POINTER(_BufferAttr), _I]),
    "pa_stream_get_state": (_I, [_P]),
    "pa_stream_set_state_callback": (None, [_P, _Notify, _P]),
    "pa_stream_set_moved_callback": (None, [_P, _Notify, _P]),
    "pa_stream_peek": (_I, [_P, ctypes.POINTER(_P), ctypes.POINTER(ctypes.c_size_t)]),
    "pa_stream_drop": (_I, [_P]),
    "pa_stream_disconnect": (_I, [_P]),
    "pa_stream_unref": (None, [_P]),
    "pa_strerror": (_S, [_I]),
}


def library() -> Any | None:
    """libpulse with the prototypes used here declared, or None where it is missing."""
    global _library
    with _load_lock:
        if _library is None:
            _library = _load() or False
        return _library or None


def available() -> bool:
    """Whether :func:`library` would load, found without loading it (a device scan asks).

    Loading libpulse maps its dependencies into an app that may never record;
    the dynamic linker's cache answers the question as well.
    """
    with _load_lock:
        if _library is not None:
            return bool(_library)
    return ctypes.util.find_library("pulse") is not None


def _load() -> Any | None:
    for name in ("libpulse.so.0", ctypes.util.find_library("pulse")):
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
            for function, (restype, argtypes) in _PROTOTYPES.items():
                prototype = getattr(lib, function)
                prototype.restype, prototype.argtypes = restype, argtypes
        except (OSError, AttributeError):  # missing, or too old for a function used here
            continue
        return lib
    return None


class PulseRecordStream:
    """One recording stream; ``callback(block, frames, None, None)`` runs on its own thread.

    Opening connects at once (raising :class:`PulseError`); ``start`` begins
    reading.  When the server ends the stream (the source was removed, the
    server quit) or moves it, ``active`` turns False and ``finished_callback``
    runs; no audio read after that is handed on.
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
    ) -> None:
        lib = library()
        if lib is None:
            raise PulseError("libpulse is not available")
        self._lib = lib
        self._callback, self._finished_callback = callback, finished_callback
        self._frames = blocksize
        self._bytes = blocksize * 2
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ended = threading.Lock()  # held while the handles are freed, and by abort()'s wakeup
        self._gone = False  # the server ended or moved the stream (set on the reading thread)
        self._named = True  # a source asked for by name (see _connect)
        # Kept here: libpulse calls them for as long as the stream exists.
        self._on_state = _Notify(self._state_changed)
        self._on_moved = _Notify(self._moved)
        self.active = False
        self._mainloop: int | None = lib.pa_mainloop_new()
        self._context: int | None = None
        self._stream: int | None = None
        if not self._mainloop:
            raise PulseError("libpulse could not make a main loop")
        try:
            self._connect(source, description, samplerate)
        except BaseException:
            self._free()
            raise

    def _connect(self, source: str | None, description: str, samplerate: int) -> None:
        lib, mainloop = self._lib, self._mainloop
        context = lib.pa_context_new(lib.pa_mainloop_get_api(mainloop), b"Captioner")
        if not context:
            raise PulseError("libpulse could not make a context")
        self._context = context
        if lib.pa_context_connect(context, None, 0, None) < 0:
            raise PulseError(self._message())
        self._wait(lambda: lib.pa_context_get_state(context), _CONTEXT_READY, _CONTEXT_ENDED)
        spec = _SampleSpec(_S16_NATIVE, samplerate, 1)
        stream = lib.pa_stream_new(context, description.encode(), ctypes.byref(spec), None)
        if not stream:
            raise PulseError(self._message())
        self._stream = stream
        lib.pa_stream_set_state_callback(stream, self._on_state, None)
        lib.pa_stream_set_moved_callback(stream, self._on_moved, None)
        # The server hands over one block at a time (fragsize): 50 ms, as PortAudio did.
        attr = _BufferAttr(_DEFAULT, _DEFAULT, _DEFAULT, _DEFAULT, self._bytes)
        device = source.encode() if source else None  # None: the default, or $PULSE_SOURCE
        # A named source is that device or nothing; the server's default (``--device
        # pulse``) is whichever source is the default now, so that stream may follow it.
        self._named = bool(source)
        flags = (_DONT_MOVE if source else 0) | _ADJUST_LATENCY
        if lib.pa_stream_connect_record(stream, device, ctypes.byref(attr), flags) < 0:
            raise PulseError(self._message())
        self._wait(lambda: lib.pa_stream_get_state(stream), _STREAM_READY, _STREAM_ENDED)

    def _wait(self, state: Callable[[], int], ready: int, ended: tuple[int, ...]) -> None:
        """Run the main loop until ``state()`` is ``ready``; PulseError if it ends or times out."""
        lib, mainloop = self._lib, self._mainloop
        deadline = time.monotonic() + _CONNECT_SECONDS
        while (now := state()) != ready:
            if now in ended:
                raise PulseError(self._message())
            if time.monotonic() > deadline:
                raise PulseError("the sound server did not answer")
            if (
                lib.pa_mainloop_prepare(mainloop, _POLL_USEC) < 0
                or lib.pa_mainloop_poll(mainloop) < 0
                or lib.pa_mainloop_dispatch(mainloop) < 0
            ):
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
        if self._lib.pa_stream_get_state(stream) in _STREAM_ENDED:
            self._gone = True

    def _moved(self, _stream: int | None, _userdata: int | None) -> None:
        if self._named:  # to another source than the one asked for: that one is gone
            self._gone = True

    def _run(self) -> None:
        lib, mainloop, stream = self._lib, self._mainloop, self._stream
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
                while lib.pa_stream_peek(stream, data_ref, length_ref) == 0 and length.value:
                    if data.value:  # else a hole in the stream: nothing to hand on
                        pending += ctypes.string_at(data.value, length.value)
                    lib.pa_stream_drop(stream)
                while len(pending) >= size:
                    block = bytes(pending[:size])
                    del pending[:size]
                    callback(block, frames, None, None)
        finally:
            self.active = False
            self._free()
            self._finished_callback()

    def _free(self) -> None:
        with self._ended:
            stream, context, mainloop = self._stream, self._context, self._mainloop
            self._stream = self._context = self._mainloop = None
            lib = self._lib
            if stream is not None:
                # No calls into Python from here on: the stream is being let go.
                lib.pa_stream_set_state_callback(stream, _Notify(), None)
                lib.pa_stream_set_moved_callback(stream, _Notify(), None)
                lib.pa_stream_disconnect(stream)
                lib.pa_stream_unref(stream)
            if context is not None:
                lib.pa_context_disconnect(context)
                lib.pa_context_unref(context)
            if mainloop is not None:
                lib.pa_mainloop_free(mainloop)

    def _message(self) -> str:
        context = self._context
        code = self._lib.pa_context_errno(context) if context is not None else 0
        text = self._lib.pa_strerror(code) if code else None
        return text.decode(errors="replace") if text else f"PulseAudio error {code}"
