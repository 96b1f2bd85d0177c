"""libpulse through ctypes: loading it, and the few types and functions Captioner calls.

:mod:`.pulse_record` records with it; a device scan only asks whether it would
load (:func:`available`).  Every prototype used is declared here, so a libpulse
too old for one of them counts as missing and capture goes through PortAudio.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import threading
from typing import Any

S16_NATIVE = 3 if sys.byteorder == "little" else 4  # pa_sample_format_t: what NativeBlocks reads
DEFAULT = 0xFFFFFFFF  # (uint32_t) -1: the server's choice for a buffer attribute
DONT_MOVE, ADJUST_LATENCY = 0x0200, 0x2000  # pa_stream_flags_t
CONTEXT_READY, STREAM_READY = 4, 2  # pa_context_state_t, pa_stream_state_t
CONTEXT_ENDED, STREAM_ENDED = (5, 6), (3, 4)  # FAILED, TERMINATED
NOAUTOSPAWN = 0x0001  # pa_context_flags_t: never start a sound server just to ask it
MASK_SERVER = 0x0080  # pa_subscription_mask_t: the server's defaults (and little else)
FACILITY_MASK, FACILITY_SERVER = 0x000F, 0x0007  # pa_subscription_event_type_t


class PulseError(OSError):
    """libpulse refused: the message is pa_strerror's, ready to show."""


class SampleSpec(ctypes.Structure):
    _fields_ = [("format", ctypes.c_int), ("rate", ctypes.c_uint32), ("channels", ctypes.c_uint8)]


class BufferAttr(ctypes.Structure):
    _fields_ = [
        ("maxlength", ctypes.c_uint32),
        ("tlength", ctypes.c_uint32),
        ("prebuf", ctypes.c_uint32),
        ("minreq", ctypes.c_uint32),
        ("fragsize", ctypes.c_uint32),
    ]


class ServerInfo(ctypes.Structure):
    """The start of ``pa_server_info``: up to the default sink and source (only read)."""

    _fields_ = [
        ("user_name", ctypes.c_char_p),
        ("host_name", ctypes.c_char_p),
        ("server_version", ctypes.c_char_p),
        ("server_name", ctypes.c_char_p),
        ("sample_spec", SampleSpec),
        ("default_sink_name", ctypes.c_char_p),
        ("default_source_name", ctypes.c_char_p),
    ]


class SinkInfo(ctypes.Structure):
    """The start of ``pa_sink_info``: its name and description (only read)."""

    _fields_ = [
        ("name", ctypes.c_char_p),
        ("index", ctypes.c_uint32),
        ("description", ctypes.c_char_p),
    ]


class _ChannelMap(ctypes.Structure):
    _fields_ = [("channels", ctypes.c_uint8), ("map", ctypes.c_int * 32)]  # PA_CHANNELS_MAX


class _ChannelVolumes(ctypes.Structure):
    _fields_ = [("channels", ctypes.c_uint8), ("values", ctypes.c_uint32 * 32)]


class SourceInfo(ctypes.Structure):
    """The start of ``pa_source_info``: up to the sink it monitors (only read)."""

    _fields_ = [
        ("name", ctypes.c_char_p),
        ("index", ctypes.c_uint32),
        ("description", ctypes.c_char_p),
        ("sample_spec", SampleSpec),
        ("channel_map", _ChannelMap),
        ("owner_module", ctypes.c_uint32),
        ("volume", _ChannelVolumes),
        ("mute", ctypes.c_int),
        ("monitor_of_sink", ctypes.c_uint32),
        ("monitor_of_sink_name", ctypes.c_char_p),
    ]


_P, _I, _S, _U = ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32
# Callback types: pa_stream_notify_cb_t, pa_context_subscribe_cb_t, pa_server_info_cb_t,
# pa_sink_info_cb_t, pa_source_info_cb_t.  An instance must be kept alive for as long as
# libpulse may call it.
Notify = ctypes.CFUNCTYPE(None, _P, _P)
Subscribed = ctypes.CFUNCTYPE(None, _P, _U, _U, _P)
ServerInfoCallback = ctypes.CFUNCTYPE(None, _P, ctypes.POINTER(ServerInfo), _P)
SinkInfoCallback = ctypes.CFUNCTYPE(None, _P, ctypes.POINTER(SinkInfo), _I, _P)
SourceInfoCallback = ctypes.CFUNCTYPE(None, _P, ctypes.POINTER(SourceInfo), _I, _P)

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
    "pa_context_set_subscribe_callback": (None, [_P, Subscribed, _P]),
    "pa_context_subscribe": (_P, [_P, _U, _P, _P]),
    "pa_context_get_server_info": (_P, [_P, ServerInfoCallback, _P]),
    "pa_context_get_sink_info_by_name": (_P, [_P, _S, SinkInfoCallback, _P]),
    "pa_context_get_sink_info_list": (_P, [_P, SinkInfoCallback, _P]),
    "pa_context_get_source_info_list": (_P, [_P, SourceInfoCallback, _P]),
    "pa_context_get_source_info_by_name": (_P, [_P, _S, SourceInfoCallback, _P]),
    "pa_operation_unref": (None, [_P]),
    "pa_stream_new": (_P, [_P, _S, ctypes.POINTER(SampleSpec), _P]),
    "pa_stream_connect_record": (_I, [_P, _S, ctypes.POINTER(BufferAttr), _I]),
    "pa_stream_get_state": (_I, [_P]),
    "pa_stream_set_state_callback": (None, [_P, Notify, _P]),
    "pa_stream_set_moved_callback": (None, [_P, Notify, _P]),
    "pa_stream_peek": (_I, [_P, ctypes.POINTER(_P), ctypes.POINTER(ctypes.c_size_t)]),
    "pa_stream_drop": (_I, [_P]),
    "pa_stream_disconnect": (_I, [_P]),
    "pa_stream_unref": (None, [_P]),
    "pa_strerror": (_S, [_I]),
}

_library: Any = None
_load_lock = threading.Lock()


def library() -> Any | None:
    """libpulse with the prototypes used here declared, or None where it is missing."""
    global _library
    with _load_lock:
        if _library is None:
            _library = _load() or False
        return _library or None


# How long one bounded main-loop step may wait while connecting or asking: short, so
# the caller looks at its clock and its stop flag in between.
STEP_USEC = 100_000


def step(lib: Any, mainloop: int, timeout_usec: int = STEP_USEC) -> bool:
    """One pass of libpulse's main loop, waiting at most ``timeout_usec``; False if it failed.

    ``pa_mainloop_iterate`` blocks without a bound; a caller with a deadline
    (connecting, a query) needs prepare/poll/dispatch with a timeout instead.
    """
    return not (
        lib.pa_mainloop_prepare(mainloop, timeout_usec) < 0
        or lib.pa_mainloop_poll(mainloop) < 0
        or lib.pa_mainloop_dispatch(mainloop) < 0
    )


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
