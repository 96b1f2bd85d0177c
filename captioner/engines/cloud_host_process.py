"""The cloud engine's host process: runs the real engine for the app (see :mod:`.cloud_host`).

The app's audio arrives on a channel of its own where the system can pass one
(:func:`audio_channel`): the engine's thread reads it directly, so no thread
of the host wakes per 50 ms chunk just to hand it on (issue 14).  Control
messages keep the first pipe and its reading thread, so Stop reaches the engine
at any moment, even while it connects.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import sys
import threading
from multiprocessing.connection import Connection
from typing import Any

from captioner.audio.errors import AudioError

# The audio channel's messages: a kind byte, then a chunk (b"" ends the input) or a message.
AUDIO = b"a"
AUDIO_ERROR = b"e"


class _PipeListener:
    """Every listener call, sent to the app as it happens (the SDK's threads call it)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._lock = threading.Lock()

    def __getattr__(self, method: str) -> Any:
        if not method.startswith("on_"):
            raise AttributeError(method)

        def send(*args: Any) -> None:
            with self._lock, contextlib.suppress(OSError, ValueError):
                self._conn.send(("call", method, args))

        return send


class _PipeSource:
    """The app's audio source, as the host's engine reads it.

    With an audio channel its ``read`` reads the channel itself (on the
    engine's thread); without one (Windows) the control thread pushes chunks.
    """

    name = "app"

    def __init__(self, audio: Connection | None = None) -> None:
        self._audio = audio
        self._chunks: queue.SimpleQueue[bytes | AudioError] = queue.SimpleQueue()
        self._opened = threading.Event()
        self._open_error: str | None = None
        self._ended = False

    def opened(self, error: str | None = None) -> None:
        self._open_error = error
        self._opened.set()

    def fail(self, message: str) -> None:
        """The app's source failed: on open, or later (then the next read raises)."""
        if self._opened.is_set():
            self.push(AudioError(message))
        else:
            self.opened(message)

    def push(self, item: bytes | AudioError) -> None:
        self._chunks.put(item)

    def open(self) -> None:
        self._opened.wait()
        if self._open_error is not None:
            raise AudioError(self._open_error)

    def read(self, timeout: float) -> bytes | None:
        if self._audio is None or self._ended:
            return self._pushed(timeout)
        try:
            if not self._audio.poll(timeout):
                return None
            message = self._audio.recv_bytes()
        except (EOFError, OSError):  # the app is gone: the control thread stops the engine
            self._ended = True
            return self._pushed(timeout)
        kind, body = message[:1], message[1:]
        if kind == AUDIO_ERROR:
            raise AudioError(body.decode(errors="replace"))
        return body

    def _pushed(self, timeout: float) -> bytes | None:
        try:
            item = self._chunks.get(timeout=timeout)
        except queue.Empty:
            return None
        if isinstance(item, AudioError):
            raise item
        return item

    def close(self) -> None:
        if self._audio is not None:
            self._audio.close()


def host_main(conn: Connection) -> None:
    """In the host: import the engine now, then run the one run the app asks for."""
    # Ctrl+C in a terminal reaches the whole process group; the app decides (and
    # its Stop, or its end of the pipe, makes the engine send Terminate).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from captioner.engines import registry

    registry.ENGINES[registry.EngineId.ASSEMBLYAI].load()  # the SDK, while the app starts
    try:
        message = conn.recv()
        if message[0] != "start":
            return
        audio = _receive_audio_channel(conn) if len(message) > 2 and message[2] else None
    except (EOFError, OSError):
        return  # dropped unused (another engine was chosen, or the app quit)
    source = _PipeSource(audio)
    engine = registry.in_process_assemblyai(_PipeListener(conn), message[1])
    threading.Thread(
        target=_commands, args=(conn, engine, source), name="cloud-host-commands", daemon=True
    ).start()
    engine.start(source)
    engine.join()
    with contextlib.suppress(OSError, ValueError):
        conn.send(("ended",))
    # Nothing is left to save here, and the app waits for this process to go: skip
    # the interpreter's teardown (~0.1 s with the SDK loaded).  Children of its
    # own (stand-in offline captions) see their pipes close and leave.
    sys.stderr.flush()
    os._exit(0)


def _receive_audio_channel(conn: Connection) -> Connection:
    from multiprocessing.reduction import recv_handle

    return Connection(recv_handle(conn))


def _commands(conn: Connection, engine: Any, source: _PipeSource) -> None:
    """The app's messages during the run; EOF (the app died or quit) stops the session."""
    try:
        while True:
            kind, *rest = conn.recv()
            if kind == "audio":
                source.push(rest[0])
            elif kind == "opened":
                source.opened()
            elif kind == "audio_error":
                source.fail(rest[0])
            elif kind == "stop":
                engine.stop()
            elif kind == "configure":
                engine.update_configuration(**rest[0])
    except (EOFError, OSError):
        engine.stop()  # Terminate is still sent: the session must not stay open (billed)
        source.fail("the app closed")
        source.push(b"")
