"""One Captioner per user: a second launch hands its request to the first, then exits.

Two captioners would fight over the same microphone, overlay position and
journal, so the first instance listens on a local socket named after the
user; a later one connects and passes on what it was asked to do
(``--input-file … --start``, ``--device``, ``--engine``).  The first instance
applies it (or says why not, in its own status line) and answers in one line,
which the second prints before it quits, so a request is never silently lost.

The protocol is one JSON line each way::

    → {"options": {"input_file": "/abs/path.wav", "start": true, …}}
    ← {"applied": true, "message": "captioning path.wav"}

A bare ``show`` line (the old protocol) still just raises the window.
"""

from __future__ import annotations

import getpass
import json
import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_MS = 500
# The first instance answers from its GUI thread, which never waits long; a few
# seconds covers a busy machine without leaving the second launch hanging.
REPLY_TIMEOUT_MS = 5000
MAX_REQUEST_BYTES = 64 * 1024  # a request is a few hundred bytes; more is not ours


def server_name(config_path: str = "") -> str:
    """One name per user and settings file (a portable or test config is its own app).

    A CRC, not hashlib: that would load OpenSSL (~4 MB) for a name (issue 14).
    """
    digest = zlib.crc32(f"{getpass.getuser()}:{config_path}".encode())
    return f"captioner-{digest:08x}"


@dataclass(frozen=True)
class HandoverReply:
    """What the running instance did with a later launch's options."""

    applied: bool
    message: str


@dataclass
class LaunchRequest:
    """A later launch's options, waiting for the running instance's answer.

    ``options`` holds only what that launch was given (absolute paths); the
    receiver answers on the GUI thread, and only its first :meth:`answer` is sent.
    """

    options: dict[str, Any]
    _send: Callable[[HandoverReply], None]
    answered: bool = False
    taken: bool = False  # a receiver will answer, maybe later (once the inputs are found)

    def take(self) -> None:
        """Say that this request will be answered, if not at once then soon."""
        self.taken = True

    def answer(self, applied: bool, message: str) -> None:
        """Send the reply; a later call is dropped (the other launch reads one line)."""
        if not self.answered:
            self.answered = True
            self._send(HandoverReply(applied, message))


class SingleInstance(QObject):
    """Claims the per-user name, or hands over to the instance that has it.

    Signals:
        activationRequested(): another launch wants this instance's window shown.
        launchRequested(LaunchRequest): another launch passed on its options;
            the receiver applies them (or not) and answers the request.
    """

    activationRequested = Signal()
    launchRequested = Signal(object)

    def __init__(self, name: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name or server_name()
        self._server: QLocalServer | None = None
        self._clients: dict[QLocalSocket, bytearray] = {}

    # -- the later launch ------------------------------------------------------

    def notify_running_instance(self) -> bool:
        """True if another instance answered (it will raise its window); no options."""
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
            return False
        socket.write(b"show\n")
        socket.waitForBytesWritten(CONNECT_TIMEOUT_MS)
        socket.disconnectFromServer()
        return True

    def hand_over(self, options: dict[str, Any]) -> HandoverReply | None:
        """Pass ``options`` to the running instance; None when there is none.

        Blocks for up to a few seconds: it runs before this process has a
        window (or in a worker thread), never on a running GUI thread.
        """
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
            return None
        socket.write(json.dumps({"options": options}).encode() + b"\n")
        socket.waitForBytesWritten(CONNECT_TIMEOUT_MS)
        data = bytearray()
        while b"\n" not in data and socket.waitForReadyRead(REPLY_TIMEOUT_MS):
            data += bytes(socket.readAll())
        if b"\n" not in data:
            data += bytes(socket.readAll())  # answered just as the peer closed
        socket.disconnectFromServer()
        try:
            reply = json.loads(bytes(data).split(b"\n", 1)[0])
            return HandoverReply(bool(reply["applied"]), str(reply["message"]))
        except (ValueError, KeyError, TypeError):
            return HandoverReply(
                False, "it did not answer in time, so these options were not applied"
            )

    # -- the running instance --------------------------------------------------

    def listen(self) -> bool:
        """Become the instance others hand over to."""
        server = QLocalServer(self)
        if not server.listen(self.name):
            # A stale socket file from a crashed instance: nobody answered, so
            # it is safe to remove and take over.
            QLocalServer.removeServer(self.name)
            if not server.listen(self.name):
                return False
        server.newConnection.connect(self._on_connection)
        self._server = server
        log.info("Later launches hand over to this instance (%s)", self.name)
        return True

    def _on_connection(self) -> None:
        assert self._server is not None
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            self._clients[socket] = bytearray()
            # Bound methods, not lambdas holding ``self``: a lambda kept by the socket's
            # connection kept this object, its server and its sockets alive until
            # interpreter exit, to be destroyed in no set order with the application
            # (the likely cause of a segfault seen once in ~QLocalSocket).
            socket.readyRead.connect(self._on_sender_ready_read)
            socket.disconnected.connect(self._on_sender_disconnected)

    def _on_sender_ready_read(self) -> None:
        socket = self.sender()
        if isinstance(socket, QLocalSocket):
            self._on_ready_read(socket)

    def _on_sender_disconnected(self) -> None:
        socket = self.sender()
        if isinstance(socket, QLocalSocket):
            self._on_disconnected(socket)

    def _on_disconnected(self, socket: QLocalSocket) -> None:
        if socket.bytesAvailable():
            self._on_ready_read(socket)  # "show" and hang up: still honour it
        self._forget(socket)

    def _on_ready_read(self, socket: QLocalSocket) -> None:
        buffer = self._clients.get(socket)
        if buffer is None:
            return
        buffer += bytes(socket.readAll())
        if len(buffer) > MAX_REQUEST_BYTES:
            log.warning("Dropped an oversized request from another launch")
            self._forget(socket)
            return
        if b"\n" not in buffer:
            return
        line = bytes(buffer).split(b"\n", 1)[0].strip()
        buffer.clear()
        if line == b"show":
            self.activationRequested.emit()
            return
        try:
            message = json.loads(line)
            options = message["options"]
            if not isinstance(options, dict):
                raise TypeError("options is not an object")
        except (ValueError, KeyError, TypeError):
            log.warning("Ignored a malformed request from another launch: %r", line[:200])
            self.activationRequested.emit()
            self._send(socket, HandoverReply(False, "the request was not understood"))
            return
        request = LaunchRequest(options, lambda reply: self._send(socket, reply))
        self.activationRequested.emit()
        self.launchRequested.emit(request)
        if not (request.answered or request.taken):  # nobody applies options: say so
            request.answer(False, "this instance cannot apply options; showing its window")

    def _send(self, socket: QLocalSocket, reply: HandoverReply) -> None:
        if socket not in self._clients:
            return  # the other launch gave up waiting
        payload = {"applied": reply.applied, "message": reply.message}
        socket.write(json.dumps(payload).encode() + b"\n")
        socket.flush()

    def _forget(self, socket: QLocalSocket) -> None:
        # No deleteLater(): the socket is the server's child and goes with it; deleting
        # it from inside its own signal has crashed PySide here.
        if self._clients.pop(socket, None) is not None:
            socket.abort()

    def close(self) -> None:
        for socket in list(self._clients):
            self._forget(socket)
        server, self._server = self._server, None
        if server is not None:
            server.close()
            # Now, on this thread, with its sockets (its children): not at interpreter
            # exit, after the application, in whatever order the wrappers go.
            shiboken6.delete(server)
