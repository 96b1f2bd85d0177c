"""One entry of the main window's input picker (kept apart so others import no window)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from captioner.audio.devices import InputDevice


@dataclass(frozen=True)
class InputChoice:
    """One entry of the input picker: a capture device, or a WAV file path."""

    label: str
    device: InputDevice | None = None
    file_path: str | None = None
    system: Any = None  # a SystemAudioDevice: what the speakers play
