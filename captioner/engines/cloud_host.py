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
host: ``("start", EngineOptions, has_audio_channel)``, ``("opened",)``,
``("audio", bytes)`` (``b""``: the input ended), ``("audio_error", str)``,
``("stop",)``, ``("configure", dict)``; host → app: ``("call", method, args)``,
``("ended",)``.  Where the system can pass a socket to another process (not
Windows), the audio takes a socket pair of its own instead, sent right after
``start``, which the host's engine reads on its own thread
(:mod:`.cloud_host_process`): kind byte ``a`` + chunk, or ``e`` + message.
A host serves one run and exits.  None waits while the app is idle (a host
with the SDK costs ~50 MB, which an app open all day should not hold for a
Start that may not come): Start starts one, and ``--start`` at launch, before
Qt is imported.  If the host dies, the run ends with a clear error and the
captions so far stay.
"""

from __future__ import annotations

import logging
import queue
import socket
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
from captioner.engines.cloud_host_process import AUDIO, AUDIO_ERROR, host_main
from captioner.engines.offline.child import ChildProcess

log = logging.getLogger(__name__)

READ_TIMEOUT_S = 0.1  # how long one read of the app's source may block (bounds stop latency)
EXIT_GRACE_S = 5.0  # how long a host may take to leave after its run (Terminate is bounded too)
HOST_GONE = (
    "The connection to AssemblyAI stopped: its process ended unexpectedly ({why}). "
    "The captions so far are kept; press Start to go on."
)

# A socket can be handed to another process here (SCM_RIGHTS); Windows' pipes: no.
_CAN_PASS_SOCKETS = sys.platform != "win32"

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
    process = ChildProcess(host_main, (), name="cloud-host")
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
        self._audio: Connection | None = None  # the run's audio channel, if it has one
        self._audio_lock = threading.Lock()

    @property
    def formats_turns(self) -> bool:
        """Whether a formatted final follows each plain one (screen readers wait for it)."""
        config = self._options.assemblyai
        return bool(config is not None and config.format_turns)

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
        if self._options.call_names is not None:  # call mode: a side lost, an echo hint
            watch_call_source(source, self._listener)  # the source is this process's
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
            if self._send(("start", self._options, _CAN_PASS_SOCKETS)) and self._open_audio(
                conn, process
            ):
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
            audio, self._audio = self._audio, None
            if audio is not None:
                audio.close()
            process.end(EXIT_GRACE_S)

    def _open_audio(self, conn: Connection, process: ChildProcess) -> bool:
        """Give the host the audio's own channel (see the module's doc); False if it is gone."""
        if not _CAN_PASS_SOCKETS:
            return True
        from multiprocessing.reduction import send_handle

        ours, theirs = socket.socketpair()
        try:
            with self._write_lock:
                send_handle(conn, theirs.fileno(), process.pid or 0)
        except OSError:
            ours.close()
            return False
        finally:
            theirs.close()
        self._audio = Connection(ours.detach())
        return True

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
                forward(self._forward_audio)
            # Until the host's engine ends (it decides, as in-process), or Stop: the
            # host then needs no more audio, and a read could block a chunk longer.
            while not ended.is_set() and not self._stop_requested.is_set():
                try:
                    chunk = source.read(READ_TIMEOUT_S)
                except AudioError as exc:
                    self._send_audio_error(str(exc))
                    break
                if chunk is None:
                    continue
                if not self._send_audio(chunk) or not chunk:
                    break
            ended.wait()  # the input ended or Stop was asked: the host ends the session
        finally:
            source.close()

    def _forward_audio(self, chunk: bytes) -> None:
        """One chunk to the host, written by the source's capture thread (see _pump)."""
        if not self._stop_requested.is_set():
            self._send_audio(chunk)

    def _send_audio(self, chunk: bytes) -> bool:
        """A chunk (``b""``: the input ended) to the host, in order; False if it is gone."""
        audio = self._audio
        if audio is None:
            return self._send(("audio", chunk))
        try:
            with self._audio_lock:
                audio.send_bytes(AUDIO + chunk)
        except (OSError, ValueError):  # the host is gone: the relay reports it
            return False
        return True

    def _send_audio_error(self, message: str) -> None:
        """The source failed mid-run: after the audio it delivered, on the same channel."""
        audio = self._audio
        if audio is None:
            self._send(("audio_error", message))
            return
        try:
            with self._audio_lock:
                audio.send_bytes(AUDIO_ERROR + message.encode())
        except (OSError, ValueError):
            pass

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
