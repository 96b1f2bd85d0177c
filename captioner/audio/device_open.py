"""Opening a stream on a chosen PulseAudio/PipeWire source through PortAudio's ``pulse`` device.

The ALSA ``pulse`` device picks its capture source from the ``PULSE_SOURCE``
environment variable when a stream opens; these two keep that choice to one
stream at a time (see :class:`~captioner.audio.source.DeviceSource`).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

# Held while a stream is opened.  The ALSA "pulse" device picks its capture
# source from the PULSE_SOURCE environment variable at open time, so code that
# sets it for one stream (system audio, see captioner.audio.system) must not
# let another stream open in between.  Re-entrant: that code holds it around
# DeviceSource.open().
DEVICE_OPEN_LOCK = threading.RLock()


@contextlib.contextmanager
def pulse_source_selected(source: str) -> Iterator[None]:
    """``PULSE_SOURCE`` names ``source`` inside the block, and is put back after it.

    libpulse reads the variable when the ALSA ``pulse`` device opens a stream,
    which is how one stream records a chosen PulseAudio/PipeWire source while
    others keep theirs.  Hold :data:`DEVICE_OPEN_LOCK` around it.  An empty
    ``source`` leaves the environment alone.
    """
    if not source:
        yield
        return
    saved = os.environ.get("PULSE_SOURCE")
    os.environ["PULSE_SOURCE"] = source
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("PULSE_SOURCE", None)
        else:
            os.environ["PULSE_SOURCE"] = saved
