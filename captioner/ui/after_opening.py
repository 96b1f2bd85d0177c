"""Start-up work that can wait until the launch's own session has opened (issue 14).

With ``--start`` the session is what the user launched the app for, and
every moment of CPU before the service says ``Begin`` delays the first
caption: the app is CPU-bound until then (its CPU time at ``Begin`` equals the
wall time, ``benchmarks/startup.py``).  Work nobody needs in that second, such
as grabbing the global shortcut (an X connection and a listening thread; with
python-xlib, before ``ui/xcb_grab.py``, ~70 ms of CPU), goes after it instead of
competing with it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from captioner.engines.base import EngineState
from captioner.ui.controller import CaptionController

# Never wait longer than this for the session (a slow network, a keyring prompt).
LIMIT_MS = 5000


def after_opening(
    controller: CaptionController,
    call: Callable[[], None],
    *,
    opening: bool,
    parent: QObject,
    limit_ms: int = LIMIT_MS,
) -> None:
    """Run ``call`` once: at the next turn of the event loop when nothing is ``opening``,
    else as soon as the run listens, stops or fails, or after ``limit_ms``.
    """
    if not opening:
        QTimer.singleShot(0, parent, call)
        return
    timer = QTimer(parent)
    timer.setSingleShot(True)
    done = False

    def run() -> None:
        nonlocal done
        if done:
            return
        done = True
        timer.stop()
        controller.engineStateChanged.disconnect(on_state)
        controller.statusChanged.disconnect(on_status)
        timer.deleteLater()
        QTimer.singleShot(0, parent, call)  # after the slot that told: its own turn

    def on_state(state: EngineState) -> None:
        if state in (EngineState.LISTENING, EngineState.STOPPED):
            run()

    def on_status(_text: str, is_error: bool) -> None:
        if is_error:  # it did not start (no input, no key): nothing to wait for
            run()

    controller.engineStateChanged.connect(on_state)
    controller.statusChanged.connect(on_status)
    timer.timeout.connect(run)
    timer.start(limit_ms)
