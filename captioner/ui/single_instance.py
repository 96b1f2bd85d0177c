"""One Captioner per user: a second launch raises the first window and exits.

Two captioners would fight over the same microphone, overlay position and
journal, so the first instance listens on a local socket named after the
user; a later one connects, asks it to show itself, and quits.
"""

from __future__ import annotations

import getpass
import hashlib

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

CONNECT_TIMEOUT_MS = 500


def server_name(config_path: str = "") -> str:
    """One name per user and settings file (a portable or test config is its own app)."""
    digest = hashlib.sha1(f"{getpass.getuser()}:{config_path}".encode()).hexdigest()[:12]
    return f"captioner-{digest}"


class SingleInstance(QObject):
    """Claims the per-user name, or hands over to the instance that has it.

    Signals:
        activationRequested(): another launch wants this instance's window shown.
    """

    activationRequested = Signal()

    def __init__(self, name: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name or server_name()
        self._server: QLocalServer | None = None
        self._clients: list[QLocalSocket] = []

    def notify_running_instance(self) -> bool:
        """True if another instance answered (it will raise its window)."""
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
            return False
        socket.write(b"show\n")
        socket.waitForBytesWritten(CONNECT_TIMEOUT_MS)
        socket.disconnectFromServer()
        return True

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
        return True

    def _on_connection(self) -> None:
        assert self._server is not None
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            self._clients.append(socket)
            socket.readyRead.connect(self._on_ready_read)

    def _on_ready_read(self) -> None:
        for socket in list(self._clients):
            if socket.bytesAvailable() and bytes(socket.readAll()).strip() == b"show":
                self.activationRequested.emit()
            if socket.state() != QLocalSocket.LocalSocketState.ConnectedState:
                self._clients.remove(socket)

    def close(self) -> None:
        for socket in self._clients:
            socket.abort()
        self._clients.clear()
        if self._server is not None:
            self._server.close()
            self._server = None
