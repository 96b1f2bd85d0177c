"""Recording a PulseAudio/PipeWire source through libpulse-simple, not PortAudio.

PortAudio reaches the sound server through ALSA's ``pulse`` plugin, whose
poll loop spins while a new stream waits for its first audio: measured here,
2.0-2.1 s of CPU in the first 6 s of every capture (AssemblyAI's quickstart
pays it too), against 0.06 s for the same 6 s read with libpulse-simple, the
sound server's own blocking API (issue 14: an app open all day on a laptop's
battery).  This module offers the small part of sounddevice's
``RawInputStream`` that :class:`~captioner.audio.source.DeviceSource` uses
(``start``, ``active``, ``abort``, ``close``, the block and finished
callbacks), so everything above it (queueing, levels, lost-device checks) is
shared.  Only for 16 kHz mono 16-bit, which the server converts to itself.

libpulse-simple ships with every PulseAudio and PipeWire-pulse client
(``libpulse0``); where it cannot be loaded, capture goes through PortAudio as
before.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import threading
from collections.abc import Callable
from typing import Any

_STREAM_RECORD = 2  # pa_stream_direction_t
# pa_sample_format_t: 16-bit signed in this machine's byte order (what blocks.NativeBlocks reads).
_S16_NATIVE = 3 if sys.byteorder == "little" else 4
_DEFAULT = 0xFFFFFFFF  # (uint32_t) -1: the server's choice for a buffer attribute


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


def library() -> Any | None:
    """libpulse-simple with its prototypes declared, or None where it is missing."""
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
    return ctypes.util.find_library("pulse-simple") is not None


def _load() -> Any | None:
    for name in ("libpulse-simple.so.0", ctypes.util.find_library("pulse-simple")):
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        error = ctypes.POINTER(ctypes.c_int)
        lib.pa_simple_new.restype = ctypes.c_void_p
        lib.pa_simple_new.argtypes = [
            ctypes.c_char_p,  # server (NULL: the default, or $PULSE_SERVER)
            ctypes.c_char_p,  # application name
            ctypes.c_int,
            ctypes.c_char_p,  # source (NULL: the default, or $PULSE_SOURCE)
            ctypes.c_char_p,  # stream description
            ctypes.POINTER(_SampleSpec),
            ctypes.c_void_p,  # channel map
            ctypes.POINTER(_BufferAttr),
            error,
        ]
        lib.pa_simple_read.restype = ctypes.c_int
        lib.pa_simple_read.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, error]
        lib.pa_simple_free.restype = None
        lib.pa_simple_free.argtypes = [ctypes.c_void_p]
        lib.pa_strerror.restype = ctypes.c_char_p
        lib.pa_strerror.argtypes = [ctypes.c_int]
        return lib
    return None


class PulseRecordStream:
    """One recording stream; ``callback(block, frames, None, None)`` runs on its own thread.

    Opening connects at once (raising :class:`PulseError`); ``start`` begins
    reading.  When the server ends the stream (the source was removed, the
    server quit), ``active`` turns False and ``finished_callback`` runs.
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
            raise PulseError("libpulse-simple is not available")
        self._lib = lib
        self._callback, self._finished_callback = callback, finished_callback
        self._frames = blocksize
        self._bytes = blocksize * 2
        spec = _SampleSpec(_S16_NATIVE, samplerate, 1)
        # The server hands over one block at a time (fragsize): 50 ms, as PortAudio did.
        attr = _BufferAttr(_DEFAULT, _DEFAULT, _DEFAULT, _DEFAULT, self._bytes)
        error = ctypes.c_int(0)
        handle = lib.pa_simple_new(
            None,
            b"Captioner",
            _STREAM_RECORD,
            source.encode() if source else None,
            description.encode(),
            ctypes.byref(spec),
            None,
            ctypes.byref(attr),
            ctypes.byref(error),
        )
        if not handle:
            raise PulseError(self._message(error.value))
        self._handle: int | None = handle
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._ended = threading.Lock()
        self.active = False

    def start(self) -> None:
        self.active = True
        self._thread = threading.Thread(target=self._run, name="pulse-record", daemon=True)
        self._thread.start()

    def abort(self) -> None:
        """Stop reading; the stream is freed once the read in progress returns (≤ a block)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(1.0)
        elif thread is None:
            self._free()
        self.active = False

    stop = abort

    def close(self) -> None:
        self.abort()

    def _run(self) -> None:
        buffer = ctypes.create_string_buffer(self._bytes)
        error = ctypes.c_int(0)
        try:
            while not self._stop.is_set():
                handle = self._handle
                if handle is None or self._lib.pa_simple_read(
                    handle, buffer, self._bytes, ctypes.byref(error)
                ):
                    break  # the server ended the stream
                if self._stop.is_set():
                    break
                self._callback(buffer.raw, self._frames, None, None)
        finally:
            self.active = False
            self._free()
            self._finished_callback()

    def _free(self) -> None:
        with self._ended:
            handle, self._handle = self._handle, None
        if handle is not None:
            self._lib.pa_simple_free(handle)

    def _message(self, code: int) -> str:
        text = self._lib.pa_strerror(code)
        return text.decode(errors="replace") if text else f"PulseAudio error {code}"
