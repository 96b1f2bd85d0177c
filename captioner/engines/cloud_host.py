"""The cloud engine in a process of its own, joined to the app by a pipe (issue 14).

Until the first ``Begin`` both Captioner and a dozen-line SDK script are
CPU-bound on one interpreter lock, and a bare Qt window alone costs 0.13-0.16 s
more than bare Python: a session opened from the app's own process came ~1.3x
later than AssemblyAI's quickstart, however the app's own work was trimmed.  A
*host* process, started at launch with ``--start`` or as soon as the cloud
engine is chosen, imports the SDK on the other core while the window builds,
and then runs the real :class:`~captioner.engines.assemblyai.AssemblyAIEngine`
(reconnects, stand-in offline captions, translations: all of it) exactly as
the app's process did.  The GUI process never imports the SDK, and the SDK's
read and write threads (message parsing, permessage-deflate) no longer take
the GUI's interpreter lock.

:class:`HostedCloudEngine` is the engine the app sees.  Its worker thread
reads the app's audio source and sends each 50 ms chunk down the pipe (a
``multiprocessing`` connection over a socket pair: ~32 kB/s); a second thread
passes the host's listener calls on to the app's listener.  Messages, app →
host: ``("start", EngineOptions)``, ``("opened",)``, ``("audio", bytes)``
(``b""``: the input ended), ``("audio_error", str)``, ``("stop",)``,
``("configure", dict)``; host → app: ``("call", method, args)``, ``("ended",)``.
A host serves one run and exits.  None waits while the app is idle (a host
with the SDK costs ~50 MB, which an app open all day should not hold for a
Start that may not come): Start starts one, and ``--start`` at launch, before
Qt is imported.  If the host dies, the run ends with a clear error and the
captions so far stay.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import signal
import sys
import threading
from multiprocessing.connection import Connection
from typing import Any

from captioner.audio.errors import AudioError
from captioner.engines.base import (
    AudioSource,
    EngineError,
    EngineListener,
    EngineState,
    ErrorKind,
    WorkerEngine,
)
from captioner.engines.call_labels import watch_call_source
from captioner.engines.offline.child import ChildProcess
from captioner.process_name import CLOUD_HOST

log = logging.getLogger(__name__)

READ_TIMEOUT_S = 0.1  # how long one read of the app's source may block (bounds stop latency)
# A pump whose chunks are forwarded sleeps until woken; it looks this often anyway.
FORWARD_CHECK_S = 5.0
EXIT_GRACE_S = 5.0  # how long a host may take to leave after its run (Terminate is bounded too)
HOST_GONE = (
    "The connection to AssemblyAI stopped: its process ended unexpectedly ({why}). "
    "The captions so far are kept; press Start to go on."
)

_spare_lock = threading.Lock()
_spare: tuple[ChildProcess, Connection] | None = None


def prestart() -> None:
    """Start a host now, so the SDK is imported by the time the run starts (``--start``).

    Safe from any thread; the start itself (a fork and exec) takes milliseconds.
    """
    try:
        _ensure_spare()
    except OSError:
        log.exception("Could not start the cloud engine's process ahead of a run")


def drop_spare() -> None:
    """The cloud engine is no longer chosen: end a host started ahead (it exits on EOF)."""
    global _spare
    with _spare_lock:
        spare, _spare = _spare, None
    if spare is not None:
        process, conn = spare
        conn.close()
        threading.Thread(
            target=process.end, args=(EXIT_GRACE_S,), name="cloud-host-reap", daemon=True
        ).start()


def spare_pid() -> int | None:
    """The process id of the host kept ready, if one is (for tests and diagnostics)."""
    spare = _spare
    return spare[0].pid if spare is not None else None


def _ensure_spare() -> None:
    global _spare
    with _spare_lock:
        if _spare is not None and _spare[0].is_alive():
            return
        _spare = _new_host()


def _take_host() -> tuple[ChildProcess, Connection]:
    global _spare
    with _spare_lock:
        spare, _spare = _spare, None
    if spare is not None and spare[0].is_alive():
        return spare
    if spare is not None:
        spare[1].close()
    return _new_host()


def _new_host() -> tuple[ChildProcess, Connection]:
    """A host process just started (a fork and exec), and the app's end of its pipe."""
    process = ChildProcess(host_main, (), name="cloud-host", title=CLOUD_HOST)
    return process, process.start()


class HostedCloudEngine(WorkerEngine):
    """The AssemblyAI engine, run in a host process; the same interface as in-process."""

    name = "assemblyai"

    def __init__(self, listener: EngineListener, options: Any) -> None:
        super().__init__(listener)
        self._options = options  # registry.EngineOptions (pickled to the host)
        self._conn: Connection | None = None  # the run's thread's own
        # Stop and setting changes, written by the run's control thread as they come
        # (the GUI thread never writes the pipe: it could block while the host is busy).
        self._control: queue.SimpleQueue[tuple[Any, ...] | None] = queue.SimpleQueue()
        self._write_lock = threading.Lock()  # the pump's audio and the control messages
        # Wakes a pump whose chunks are forwarded: the input's end or the host's (Stop
        # ends the host, and until then the pump has nothing to do but wait for it).
        self._wake = threading.Event()

    @property
    def formats_turns(self) -> bool:
        """Whether a formatted final follows each plain one (screen readers wait for it)."""
        config = self._options.assemblyai
        return bool(config is not None and config.format_turns)

    @property
    def translates(self) -> bool:
        """Whether a translation follows each finished turn (screen readers may wait for it)."""
        config = self._options.assemblyai
        return bool(config is not None and config.translating)

    def update_configuration(self, **changes: Any) -> None:
        """Send live setting changes to the running session (see the in-process engine's).

        Queued for the run's thread: the caller (the GUI thread) never writes
        to the pipe, which could block while the host is busy.
        """
        self._control.put(("configure", changes))

    def stop(self) -> None:
        """Ask the host to end the session now (Terminate), not after the next chunk."""
        super().stop()
        self._control.put(("stop",))

    def start(self, source: AudioSource) -> None:
        # A call's side lost, or the one input away and back: the source is this process's.
        watch_call_source(source, self._listener)
        super().start(source)

    def _send(self, message: tuple[Any, ...]) -> bool:
        """Write to the host (the run's threads only); False if it is gone."""
        conn = self._conn
        if conn is None:
            return False
        try:
            with self._write_lock:
                conn.send(message)
        except (OSError, ValueError):  # the host is gone: the relay reports it
            return False
        return True

    def _forward_control(self) -> None:
        """Stop and setting changes to the host as they are asked for, in order."""
        while (message := self._control.get()) is not None:
            if message[0] == "stop" and not self._stop_requested.is_set():
                continue  # asked of an earlier run
            self._send(message)

    def _run(self, source: AudioSource) -> None:
        try:
            process, conn = _take_host()
        except OSError as exc:
            self._listener.on_error(
                EngineError(ErrorKind.INTERNAL, f"The cloud engine could not start: {exc}")
            )
            return
        ended = threading.Event()
        self._conn = conn
        relay = threading.Thread(
            target=self._relay, args=(conn, process, ended), name="cloud-host-events", daemon=True
        )
        control = threading.Thread(
            target=self._forward_control, name="cloud-host-control", daemon=True
        )
        try:
            if self._send(("start", self._options)):
                relay.start()
                control.start()
                self._pump(source, ended)
                relay.join()
            else:
                self._relay(conn, process, ended)  # reports why the host cannot be reached
        finally:
            if control.is_alive():
                self._control.put(None)  # the control thread leaves
                control.join()
            self._conn = None
            conn.close()
            process.end(EXIT_GRACE_S)

    def _pump(self, source: AudioSource, ended: threading.Event) -> None:
        """The app's audio to the host until its engine ends (it decides, as in-process)."""
        try:
            source.open()
        except AudioError as exc:
            self._send(("audio_error", str(exc)))  # the host's engine reports it
            return
        try:
            self._send(("opened",))
            forward = getattr(source, "forward", None)
            if forward is not None:  # chunks go down the pipe from the capture thread
                forward(self._send_audio, self._wake.set)
            # Until the host's engine ends (it decides, as in-process), or Stop: the
            # host then needs no more audio, and a read could block a chunk longer.
            while not ended.is_set() and not self._stop_requested.is_set():
                if forward is not None:  # sleep until the input or the host ends (no poll)
                    self._wake.wait(FORWARD_CHECK_S)
                    self._wake.clear()  # before looking: a wake after it is not lost
                try:
                    chunk = source.read(0.0 if forward is not None else READ_TIMEOUT_S)
                except AudioError as exc:
                    self._send(("audio_error", str(exc)))
                    break
                if chunk is None:
                    continue
                if not self._send(("audio", chunk)) or not chunk:
                    break
            ended.wait()  # the input ended or Stop was asked: the host ends the session
        finally:
            source.close()

    def _send_audio(self, chunk: bytes) -> None:
        """One chunk to the host, written by the source's capture thread (see _pump)."""
        if not self._stop_requested.is_set():
            self._send(("audio", chunk))

    def _relay(self, conn: Connection, process: ChildProcess, ended: threading.Event) -> None:
        """The host's listener calls, passed on in order (STOPPED is ours to say, last)."""
        try:
            while True:
                message = conn.recv()
                if message[0] == "ended":
                    return
                if message[0] != "call":
                    continue
                _, method, args = message
                if method == "on_state" and args[0] is EngineState.STOPPED:
                    continue
                handler = getattr(self._listener, method, None)
                if handler is not None:
                    handler(*args)
        except (EOFError, OSError):
            process.join(1.0)
            code = process.exitcode
            why = f"exit status {code}" if code is not None else "no answer"
            log.error("The cloud engine's process (pid %s) ended: %s", process.pid, why)
            self._listener.on_error(EngineError(ErrorKind.INTERNAL, HOST_GONE.format(why=why)))
        finally:
            ended.set()
            self._wake.set()


# --------------------------------------------------------------------------- in the host


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
    """The app's audio source, as the host's engine reads it."""

    name = "app"

    def __init__(self) -> None:
        self._chunks: queue.SimpleQueue[bytes | AudioError] = queue.SimpleQueue()
        self._opened = threading.Event()
        self._open_error: str | None = None

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
        try:
            item = self._chunks.get(timeout=timeout)
        except queue.Empty:
            return None
        if isinstance(item, AudioError):
            raise item
        return item

    def close(self) -> None:
        pass


def host_main(conn: Connection) -> None:
    """In the host: import the engine now, then run the one run the app asks for."""
    # Ctrl+C in a terminal reaches the whole process group; the app decides (and
    # its Stop, or its end of the pipe, makes the engine send Terminate).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from captioner.engines import registry

    registry.ENGINES[registry.EngineId.ASSEMBLYAI].load()  # the SDK, while the app starts
    try:
        message = conn.recv()
    except (EOFError, OSError):
        return  # dropped unused (another engine was chosen, or the app quit)
    if message[0] != "start":
        return
    source = _PipeSource()
    engine = registry.in_process_assemblyai(_PipeListener(conn), message[1])
    # Started before the app's messages are read: a Stop sent right after Start (it may
    # be in the pipe already) must find a running engine, or start() would forget it and
    # the session would stay open, billed, with the app waiting for its end.
    engine.start(source)
    threading.Thread(
        target=_commands, args=(conn, engine, source), name="cloud-host-commands", daemon=True
    ).start()
    engine.join()
    with contextlib.suppress(OSError, ValueError):
        conn.send(("ended",))
    # Nothing is left to save here, and the app waits for this process to go: skip
    # the interpreter's teardown (~0.1 s with the SDK loaded).  Children of its
    # own (stand-in offline captions) see their pipes close and leave.
    sys.stderr.flush()
    os._exit(0)


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
