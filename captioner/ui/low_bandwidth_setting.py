"""Settings ▸ AssemblyAI ▸ "Low-bandwidth audio (Opus)": the checkbox and why it may be off.

Opus needs the optional PyAV (``pip install 'captioner[opus]'``).  Whether it
works here is asked off the GUI thread (it imports PyAV, tens of
milliseconds, seconds on a cold disk); until the answer comes the box is
disabled with "Checking…", and if the encoder is missing it stays disabled
with the reason under it.  The saved choice is then left as it was (the
engine falls back to PCM and says so), so a later install brings it back.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QWidget

from captioner.core.settings import Key, Settings
from captioner.engines.assemblyai.opus import opus_problem
from captioner.ui.keyring_access import off_gui_thread

LABEL = "Low-&bandwidth audio (Opus)"  # Alt+U is Token URL
EXPLANATION = (
    "Sends compressed audio, about a tenth of the data (≈180 kB instead of 1.9 MB a "
    "minute), for metered or poor connections. From the next Start."
)
TIP = (
    "Opus at 24 kbit/s instead of 16-bit PCM (encoding=opus). "
    "Call mode always sends PCM: the SDK mixes and attributes the two sides from "
    "uncompressed audio."
)


class LowBandwidthSetting(QObject):
    """The checkbox and its explanation, as two rows of the dialog's form."""

    def __init__(self, settings: Settings, form: QFormLayout, parent: QWidget) -> None:
        super().__init__(parent)
        self.saved = settings.get(Key.AAI_LOW_BANDWIDTH)
        self.available: bool | None = None  # None: still asking
        self.check = QCheckBox(LABEL)
        self.check.setChecked(self.saved)
        self.check.setToolTip(TIP)
        self.check.setAccessibleDescription(EXPLANATION + " " + TIP)
        self.check.setEnabled(False)
        self.note = QLabel("Checking for the Opus encoder…")
        self.note.setObjectName("optionHelp")
        self.note.setWordWrap(True)
        form.addRow(self.check)
        form.addRow("", self.note)
        off_gui_thread(
            opus_problem,
            self._on_answer,
            parent,
            on_error=lambda exc: self._on_answer(f"The Opus encoder failed ({exc})."),
            name="opus-probe",
        )

    def _on_answer(self, problem: str | None) -> None:
        self.available = problem is None
        self.check.setEnabled(self.available)
        if problem is None:
            self.note.setText(EXPLANATION)
            return
        self.check.setChecked(False)
        self.note.setText(f"Unavailable: {problem}")
        self.check.setToolTip(f"{problem}\n\n{TIP}")

    def values(self) -> dict[str, Any]:
        """For the dialog's config: what is ticked, or the saved choice until it is known."""
        return {"low_bandwidth": self.check.isChecked() if self.available else self.saved}

    def save(self, settings: Settings) -> None:
        if self.available:  # unknown or unavailable: the saved choice stays
            settings.set(Key.AAI_LOW_BANDWIDTH, self.check.isChecked())
