"""The app's settings, served from memory and written to their INI file by a thread of their own.

Why: a QSettings writes its file from the event loop of the thread it lives
on (a change posts it an UpdateRequest, which syncs: a lock file, a
temporary file, fdatasync, a rename).  Living on the GUI thread, it did that
there after every change a user made, and on a slow disk, a network home
directory or a full or failing disk each toggle could freeze the captions.

How:

- At launch the file is read once (as QSettings read it on the GUI thread
  before the window showed), by the QSettings of the writer thread.  It is
  the only one for the file in the process: QSettings objects of one file
  share its contents and a mutex, which a read here would wait for while
  the writer writes.
- Reads are answered from memory, with what QSettings gives in-process: a
  value as it was set (``True``, ``22``, a QRect), one read from the file as
  the file has it (``"true"``); keys are normalized as QSettings does.
- Changes are kept in order, the last one of a key winning, and handed to
  the writer after :data:`QUIET_MS` without a change (at most
  :data:`LATEST_MS` after the first): a burst is one write.
- The writer thread runs a Qt event loop and puts each batch into its
  QSettings; the write itself is the UpdateRequest that QSettings posts
  itself, handled there in C++.  Not a ``sync()`` called from Python: a
  probe showed PySide keeps the interpreter lock through it, so a write
  blocked on the disk stopped every Python thread, the GUI thread's too.
- A write that fails (``QSettings.status()``) is logged and said once
  (:attr:`WriteBehindSettings.saveFailed`); the values stay in memory and
  QSettings keeps the changes, writing them with the next one.  Its status
  keeps its first error for the object's life, so after a failure a write
  counts as done when the file was replaced.
- :meth:`WriteBehindSettings.sync` writes what is pending now and waits for
  it, bounded: the quit path calls it (``close``) before the process ends.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, QSettings, Qt, QTimer, Signal, Slot

from captioner.ui.gui_relay import to_gui

log = logging.getLogger(__name__)

QUIET_MS = 200  # a change is written once the settings have rested this long…
LATEST_MS = 1000  # …or this long after the first unwritten change (a long burst)
WAIT_S = 2.0  # what sync and close wait for the writer, at most (the quit path)
FAILED_TEXT = "Settings could not be saved; changes are kept while Captioner runs."
_REASONS = {
    QSettings.Status.AccessError: "the file or its folder cannot be written",
    QSettings.Status.FormatError: "the file could not be read as settings",
}
_REMOVED = object()  # a batch's mark for a removed key

OpenSettings = Callable[[], QSettings]
Signature = tuple[int, int, int] | None


def normalized(key: str) -> str:
    """``key`` as QSettings stores it: no leading, trailing or doubled slashes."""
    return "/".join(part for part in key.split("/") if part)


def _detached(value: Any) -> Any:
    """A copy of a Qt value type (QRect, QByteArray…) or list: QSettings hands out a new one."""
    if isinstance(value, list):
        return [_detached(item) for item in value]
    copy = getattr(value, "__copy__", None)  # PySide's value types have one; str, int… none
    return copy() if copy is not None else value


def _signature(path: str) -> Signature:
    """What changes when the file is replaced (os.stat lets other threads run meanwhile)."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_ino, found.st_mtime_ns, found.st_size


class _Progress:
    """What the GUI thread and the writer share, under ``lock``: batches, how far writing got."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.batches: list[tuple[int, dict[str, Any]]] = []  # (number, changes), in order
        self.done = 0  # the number of the last batch written or failed
        self.failing = False  # the last write failed


class _Writer(QObject):
    """On the writer thread: puts batches into its QSettings; Qt's own UpdateRequest writes them."""

    _written = Signal(int)  # to itself, queued: runs after the UpdateRequest

    def __init__(
        self, settings: QSettings, progress: _Progress, report: Callable[[Any], None]
    ) -> None:
        super().__init__()
        self._settings = settings
        self._path = settings.fileName()
        self._progress = progress
        self._report = report
        self._sticky = False  # the status had failed before this write: it stays failed
        self._before: Signature = None  # the file before this write, when _sticky
        self._written.connect(self._check, Qt.ConnectionType.QueuedConnection)

    @Slot()
    def drain(self) -> None:
        with self._progress.lock:
            batches, self._progress.batches = self._progress.batches, []
        if not batches:
            return
        self._sticky = self._settings.status() != QSettings.Status.NoError
        if self._sticky:
            self._before = _signature(self._path)
        for _number, changes in batches:
            for key, value in changes.items():
                if value is _REMOVED:
                    self._settings.remove(key)
                else:
                    self._settings.setValue(key, value)
        # setValue/remove posted the UpdateRequest (or one is still queued): it comes first.
        self._written.emit(batches[-1][0])

    @Slot(int)
    def _check(self, number: int) -> None:
        status = self._settings.status()
        if self._sticky:  # the status keeps its first error: was the file replaced?
            failed = _signature(self._path) == self._before
        else:
            failed = status != QSettings.Status.NoError
        with self._progress.lock:
            was_failing, self._progress.failing = self._progress.failing, failed
            self._progress.done = max(self._progress.done, number)
            self._progress.lock.notify_all()
        if failed and not was_failing:
            reason = _REASONS.get(status, str(status))
            log.warning(
                "Settings could not be written to %s (%s); "
                "they are kept in memory and written with the next change",
                self._path,
                reason,
            )
            self._report(f"{self._path}: {reason}")
        elif was_failing and not failed:
            log.warning("Settings are written to %s again", self._path)


def _serve(
    open_settings: OpenSettings, progress: _Progress, report: Callable[[Any], None], up: list[Any]
) -> None:
    """The writer thread: open the settings, answer with what they hold, then write until told."""
    try:
        settings = open_settings()
        values = {key: settings.value(key) for key in settings.allKeys()}
        status = settings.status()
        if status != QSettings.Status.NoError:
            reason = _REASONS.get(status, str(status))
            log.warning("Settings file %s: %s", settings.fileName(), reason)
        loop = QEventLoop()
        writer = _Writer(settings, progress, report)
    except BaseException as exc:  # raised on the GUI thread, which waits for this
        with progress.lock:
            up.append(exc)
            progress.lock.notify_all()
        return
    with progress.lock:
        up.append((values, settings.fileName(), writer, loop))
        progress.lock.notify_all()
    del values
    loop.exec()
    # Written and told to stop: the objects are freed here, on the thread they live on.
    del writer, loop, settings


def user_settings(name: str) -> WriteBehindSettings:
    """The user's settings file (``~/.config/<name>/<name>.ini`` on Linux), as the app uses it."""
    scope, ini = QSettings.Scope.UserScope, QSettings.Format.IniFormat
    return WriteBehindSettings(lambda: QSettings(ini, scope, name, name))


class WriteBehindSettings(QObject):
    """The settings store of the running app (see the module doc); QSettings' API, in part.

    ``open_settings`` makes the QSettings, called on the writer thread.  The
    constructor waits for it to read the file, as launch always did.

    Signals:
        saveFailed(str, str): a sentence for the status line and its detail
            (the file and why), once per run: the first write that fails.
    """

    saveFailed = Signal(str, str)
    _wake = Signal()  # batches are waiting for the writer
    _stop = Signal()  # the writer's loop ends

    def __init__(
        self,
        open_settings: OpenSettings,
        *,
        quiet_ms: int = QUIET_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._progress = progress = _Progress()
        self._pending: dict[str, Any] = {}  # key → value or _REMOVED, oldest change first
        self._since = 0.0  # when the oldest pending change was made
        self.handed_over = 0  # batches given to the writer (each one write of the file)
        self._told = False
        self._closed = False
        self._quiet = QTimer(self)
        self._quiet.setSingleShot(True)
        self._quiet.setInterval(quiet_ms)
        self._quiet.timeout.connect(self._hand_over)
        up: list[Any] = []
        report = to_gui(self, WriteBehindSettings._failed)
        self._thread = threading.Thread(
            target=_serve, args=(open_settings, progress, report, up), name="settings-writer"
        )
        self._thread.daemon = True  # a write stuck on a dead disk must not keep the process
        self._thread.start()
        with progress.lock:
            progress.lock.wait_for(lambda: bool(up))
        if isinstance(up[0], BaseException):
            raise up[0]
        self._values, self._file, writer, loop = up.pop()
        self._wake.connect(writer.drain, Qt.ConnectionType.QueuedConnection)
        self._stop.connect(loop.quit, Qt.ConnectionType.QueuedConnection)

    # The reads: from memory.
    def value(self, key: str, default: Any = None) -> Any:
        key = normalized(key)
        return _detached(self._values[key]) if key in self._values else default

    def contains(self, key: str) -> bool:
        return normalized(key) in self._values

    def allKeys(self) -> list[str]:  # QSettings naming
        return sorted(self._values)

    def fileName(self) -> str:  # QSettings naming
        return self._file

    # The writes: to memory now, to the file by the writer thread.
    def setValue(self, key: str, value: Any) -> None:  # QSettings naming
        key, value = normalized(key), _detached(value)
        self._values[key] = value
        self._change(key, value)

    def remove(self, key: str) -> None:
        """Remove ``key`` and the keys under it ("" removes all), as QSettings does."""
        key = normalized(key)
        for name in [n for n in self._values if not key or n == key or n.startswith(key + "/")]:
            del self._values[name]
        self._change(key, _REMOVED)

    def _change(self, key: str, value: Any) -> None:
        if not self._pending:
            self._since = time.monotonic()
        self._pending.pop(key, None)  # to the end: applied in the order made
        self._pending[key] = value
        if (time.monotonic() - self._since) * 1000 < LATEST_MS:
            self._quiet.start()  # else it is running, and fires soon enough

    def _hand_over(self) -> int:
        """Give the writer what is pending; the number of the last batch it was given."""
        self._quiet.stop()
        if self._pending and not self._closed:
            changes, self._pending = self._pending, {}
            with self._progress.lock:
                self.handed_over += 1
                self._progress.batches.append((self.handed_over, changes))
            self._wake.emit()
        return self.handed_over

    def sync(self, timeout_s: float = WAIT_S) -> bool:
        """Write what is pending now and wait until it is written, ``timeout_s`` at most.

        True when every change is in the file; False when the writer did not
        finish in time (a stuck disk: it goes on meanwhile) or the last write
        failed.  Both are logged.
        """
        target = self._hand_over()
        with self._progress.lock:
            done = self._progress.lock.wait_for(lambda: self._progress.done >= target, timeout_s)
            failing = self._progress.failing
        if not done:
            log.warning("Settings: the last changes were not written in %.1f s", timeout_s)
        elif failing:
            log.warning("Settings: the last changes could not be written to %s", self._file)
        return done and not failing and not self._pending  # nothing is written once closed

    def close(self, timeout_s: float = WAIT_S) -> bool:
        """Write what is pending (bounded, as :meth:`sync`), then end the writer thread.

        A writer still stuck is left to the end of the process.  Changes
        made afterwards stay in memory.  Returns what ``sync`` returned.
        """
        saved = self.sync(timeout_s)
        if self._closed:
            return saved
        self._closed = True
        with self._progress.lock:
            finished = self._progress.done >= self.handed_over
        if finished:
            self._stop.emit()
            self._thread.join(timeout_s)
        return saved

    def _failed(self, detail: str) -> None:
        if not self._told:
            self._told = True
            self.saveFailed.emit(FAILED_TEXT, detail)
