"""Names for the app's processes, as ``top``, ``ps`` and System Monitor list them.

Captioner runs as up to four Python interpreters (the window, the cloud
session's host, the offline recognisers): each was listed as "python3" (or
"python"), so someone asking what keeps the laptop busy or holds the memory
could not tell the recogniser from the window.  Linux lets a process rename
itself (``/proc/self/comm``, 15 bytes); elsewhere the names stay as they are.
"""

from __future__ import annotations

import contextlib
import sys

COMM_BYTES = 15  # what the kernel keeps of a name (TASK_COMM_LEN - 1)

APP = "captioner"
CLOUD_HOST = "captioner-cloud"
OFFLINE_LIVE = "captioner-live"
OFFLINE_FINAL = "captioner-final"


def name_this_process(name: str) -> None:
    """Give this process's main thread ``name`` (Linux; threads started later inherit it).

    Call it from the main thread, or in a child just forked (its only thread):
    ``/proc/self`` is the process's first thread, whichever thread writes.
    """
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError), open("/proc/self/comm", "wb") as comm:
        comm.write(name.encode()[:COMM_BYTES])
