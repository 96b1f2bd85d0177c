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

The name is claimed before the window is built, with a plain Unix socket where
QLocalServer would put it (so launches of other versions still find it), and is
served by a QLocalServer adopting that socket once the window has painted: a
later launch meanwhile waits in the socket's backlog, and QtNetwork (its import
and its enums, ~10 ms) stays out of the time to the first paint (issue 14).
Where Python has no Unix sockets (Windows), QLocalServer and QLocalSocket do it all.
"""

from __future__ import annotations

import contextlib
import errno
import getpass
import json
import logging
import os
import socket
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import shiboken6
from PySide6.QtCore import QObject, Signal

from captioner.ui.claim_lock import one_claim_at_a_time

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_MS = 500
# The first instance answers from its GUI thread, which never waits long; a few
# seconds covers a busy machine without leaving the second launch hanging.
REPLY_TIMEOUT_MS = 5000
MAX_REQUEST_BYTES = 64 * 1024  # a request is a few hundred bytes; more is not ours
# Later launches that can wait, connected, until the window has painted and the name is served.
BACKLOG = 16
UNIX_SOCKETS = hasattr(socket, "AF_UNIX")


def server_name(config_path: str = "") -> str:
    """One name per user and settings file (a portable or test config is its own app).

    A CRC, not hashlib: that would load OpenSSL (~4 MB) for a name (issue 14).
    """
    digest = zlib.crc32(f"{getpass.getuser()}:{config_path}".encode())
    return f"captioner-{digest:08x}"


def socket_path(name: str) -> str:
    """Where QLocalServer puts a bare ``name``: in ``QDir::tempPath()`` ($TMPDIR or /tmp)."""
    if os.path.isabs(name):
        return name
    return os.path.join(os.path.normpath(os.environ.get("TMPDIR") or "/tmp"), name)


def _exchange(name: str, payload: bytes, *, answer: bool) -> bytes | None:
    """Send ``payload`` to the instance serving ``name``; its reply line, if ``answer``.

    None when nobody listens there; ``b""`` when nothing came back in time.
    """
    if not UNIX_SOCKETS:
        return _qt_exchange(name, payload, answer=answer)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as peer:
        peer.settimeout(CONNECT_TIMEOUT_MS / 1000)
        try:
            peer.connect(socket_path(name))
        except OSError:  # no file, a stale one (refused), or a listener that never accepts
            return None
        data = bytearray()
        try:
            peer.sendall(payload)
            deadline = time.monotonic() + REPLY_TIMEOUT_MS / 1000
            while answer and b"\n" not in data and (left := deadline - time.monotonic()) > 0:
                peer.settimeout(left)
                chunk = peer.recv(4096)
                if not chunk:
                    break
                data += chunk
        except OSError:  # timed out, or the other side went away: what came is the answer
            pass
        return bytes(data)


def _qt_exchange(name: str, payload: bytes, *, answer: bool) -> bytes | None:
    """:func:`_exchange` through QLocalSocket (named pipes on Windows)."""
    from PySide6.QtNetwork import QLocalSocket

    peer = QLocalSocket()
    peer.connectToServer(name)
    if not peer.waitForConnected(CONNECT_TIMEOUT_MS):
        return None
    peer.write(payload)
    peer.waitForBytesWritten(CONNECT_TIMEOUT_MS)
    data = bytearray()
    while answer and b"\n" not in data and peer.waitForReadyRead(REPLY_TIMEOUT_MS):
        data += bytes(peer.readAll())
    if answer and b"\n" not in data:
        data += bytes(peer.readAll())  # answered just as the peer closed
    peer.disconnectFromServer()
    return bytes(data)


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
        self._claimed: int | None = None  # the claimed socket, until served
        self._clients: dict[QLocalSocket, bytearray] = {}

    # -- the later launch ------------------------------------------------------

    def notify_running_instance(self) -> bool:
        """True if another instance answered (it will raise its window); no options."""
        return _exchange(self.name, b"show\n", answer=False) is not None

    def hand_over(self, options: dict[str, Any]) -> HandoverReply | None:
        """Pass ``options`` to the running instance; None when there is none.

        Blocks for up to a few seconds: it runs before this process has a
        window (or in a worker thread), never on a running GUI thread.
        """
        data = _exchange(self.name, json.dumps({"options": options}).encode() + b"\n", answer=True)
        if data is None:
            return None
        try:
            reply = json.loads(data.split(b"\n", 1)[0])
            return HandoverReply(bool(reply["applied"]), str(reply["message"]))
        except (ValueError, KeyError, TypeError):
            return HandoverReply(
                False, "it did not answer in time, so these options were not applied"
            )

    def hand_over_or_claim(
        self, options: dict[str, Any], *, attempts: int = 3
    ) -> HandoverReply | None:
        """Hand ``options`` to the running instance, or take the name if none runs.

        None: this launch is the instance now (it answers once :meth:`serve` runs),
        or the name could not be had at all and it runs on unreachable. Two
        launches at the same moment both find nobody; the one that loses the
        claim hands over to the winner (waiting in its backlog until it serves)
        instead of running on as a second captioner nobody can reach.
        """
        for _ in range(attempts):
            reply = self.hand_over(options)
            if reply is not None:
                return reply
            if self._claim() != "taken":
                return None
        log.warning("Another instance holds the name but never answered; running on")
        return None

    # -- the running instance --------------------------------------------------

    def listen(self) -> bool:
        """Become the instance others hand over to, and answer them from now on."""
        return self.claim() and self.serve()

    def claim(self) -> bool:
        """Take the name, before the window exists; later launches wait until :meth:`serve`.

        False when it could not be taken (another instance got it first, or no
        socket could be made): this instance then runs on unreachable.
        """
        return self._claim() == "claimed"

    def _claim(self) -> Literal["claimed", "taken", "failed"]:
        if not UNIX_SOCKETS:
            return "claimed" if self._listen_qt() else "failed"
        path = socket_path(self.name)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            with one_claim_at_a_time(path):
                try:
                    listener.bind(path)
                except OSError as exc:
                    if exc.errno != errno.EADDRINUSE:
                        raise
                    if _exchange(self.name, b"", answer=False) is not None:
                        listener.close()  # a live instance took the name since we looked
                        return "taken"
                    # A stale socket file from a crashed instance: nobody answered, so
                    # it is safe to remove and take over.
                    os.unlink(path)
                    listener.bind(path)
                listener.listen(BACKLOG)
            listener.setblocking(False)  # as QLocalServer's own: accept never waits
        except OSError as exc:
            listener.close()
            log.warning("Later launches cannot hand over to this instance: %s", exc)
            return "failed"
        self._claimed = listener.detach()
        return "claimed"

    def serve(self) -> bool:
        """Answer later launches (on this thread's event loop), the name once claimed."""
        fd, self._claimed = self._claimed, None
        if fd is None:
            return self._server is not None
        from PySide6.QtNetwork import QLocalServer

        server = QLocalServer(self)
        if not server.listen(fd):  # adopts the socket: closing the server removes its file
            log.warning(
                "Later launches cannot hand over to this instance: %s", server.errorString()
            )
            os.close(fd)
            return False
        self._started(server)
        return True

    def _listen_qt(self) -> bool:
        from PySide6.QtNetwork import QLocalServer

        server = QLocalServer(self)
        if not server.listen(self.name):
            # A stale socket file from a crashed instance: nobody answered, so
            # it is safe to remove and take over.
            QLocalServer.removeServer(self.name)
            if not server.listen(self.name):
                return False
        self._started(server)
        return True

    def _started(self, server: QLocalServer) -> None:
        server.newConnection.connect(self._on_connection)
        self._server = server
        log.info("Later launches hand over to this instance (%s)", self.name)

    def _on_connection(self) -> None:
        assert self._server is not None
        while self._server.hasPendingConnections():
            peer = self._server.nextPendingConnection()
            self._clients[peer] = bytearray()
            # Bound methods, not lambdas holding ``self``: a lambda kept by the socket's
            # connection kept this object, its server and its sockets alive until
            # interpreter exit, to be destroyed in no set order with the application
            # (the likely cause of a segfault seen once in ~QLocalSocket).
            peer.readyRead.connect(self._on_sender_ready_read)
            peer.disconnected.connect(self._on_sender_disconnected)

    def _on_sender_ready_read(self) -> None:
        peer = self.sender()
        if peer in self._clients:
            self._on_ready_read(peer)  # one of our sockets

    def _on_sender_disconnected(self) -> None:
        peer = self.sender()
        if peer in self._clients:
            self._on_disconnected(peer)

    def _on_disconnected(self, peer: QLocalSocket) -> None:
        if peer.bytesAvailable():
            self._on_ready_read(peer)  # "show" and hang up: still honour it
        self._forget(peer)

    def _on_ready_read(self, peer: QLocalSocket) -> None:
        buffer = self._clients.get(peer)
        if buffer is None:
            return
        buffer += bytes(peer.readAll())
        if len(buffer) > MAX_REQUEST_BYTES:
            log.warning("Dropped an oversized request from another launch")
            self._forget(peer)
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
            self._send(peer, HandoverReply(False, "the request was not understood"))
            return
        request = LaunchRequest(options, lambda reply: self._send(peer, reply))
        self.activationRequested.emit()
        self.launchRequested.emit(request)
        if not (request.answered or request.taken):  # nobody applies options: say so
            request.answer(False, "this instance cannot apply options; showing its window")

    def _send(self, peer: QLocalSocket, reply: HandoverReply) -> None:
        if peer not in self._clients:
            return  # the other launch gave up waiting
        payload = {"applied": reply.applied, "message": reply.message}
        peer.write(json.dumps(payload).encode() + b"\n")
        peer.flush()

    def _forget(self, peer: QLocalSocket) -> None:
        # No deleteLater(): the peer is the server's child and goes with it; deleting
        # it from inside its own signal has crashed PySide here.
        if self._clients.pop(peer, None) is not None:
            peer.abort()

    def close(self) -> None:
        fd, self._claimed = self._claimed, None
        if fd is not None:  # claimed, never served: give the name back
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(socket_path(self.name))
        for peer in list(self._clients):
            self._forget(peer)
        server, self._server = self._server, None
        if server is not None:
            server.close()
            # Now, on this thread, with its sockets (its children): not at interpreter
            # exit, after the application, in whatever order the wrappers go.
            shiboken6.delete(server)
