"""The two sides of a call-mode run, as names only.

The picker, the call panel and the speaker labels need these names before any
audio is captured; :mod:`captioner.audio.call` (which mixes the sides with numpy)
is imported only when a call-mode run opens its sources.
"""

from __future__ import annotations

MIC = "mic"
SYSTEM = "system"
SIDES: tuple[str, str] = (MIC, SYSTEM)
SIDE_NAMES = {MIC: "microphone", SYSTEM: "system audio"}
# What each side's lines are labelled until the user names them (the call panel).
DEFAULT_NAMES: dict[str, str] = {MIC: "You", SYSTEM: "Them"}
# How long call mode waits for a side that has nothing before framing silence for it
# (CallSources' max_wait_s); a source that bridges a gap of its own fills only this much.
ALONE_AFTER_S = 0.3
