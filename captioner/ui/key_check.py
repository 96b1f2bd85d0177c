"""Settings ▸ AssemblyAI… ▸ Test key: a real connection, tried off the GUI thread."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from captioner.ui.keyring_access import off_gui_thread


class KeyCheck(QObject):
    """Runs ``test_api_key`` on a worker thread and reports on the GUI thread.

    Signals:
        finished(object): ``None`` when the key works, else an ``EngineError``.
    """

    finished = Signal(object)

    def __init__(self, api_host: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._api_host = api_host
        self.thread: threading.Thread | None = None

    def start(self, key: str) -> None:
        from captioner.engines.assemblyai import test_api_key

        # Through off_gui_thread: the answer is dropped, not emitted on a deleted
        # object, if the dialog is closed while the connection is still being tried.
        task = off_gui_thread(
            lambda: test_api_key(key, self._api_host),
            self.finished.emit,
            self,
            name="key-check",
        )
        self.thread = task.thread
