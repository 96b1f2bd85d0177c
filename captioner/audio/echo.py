"""Notice when the microphone hears the speakers (echo) during a call.

When the other side's voice comes out of loudspeakers, the microphone picks
it up a few tens of milliseconds later, so their words also appear as "You".
Headphones fix that; this detector only has to say when to suggest them.

Method: the loudness envelope of each signal (log energy of 10 ms frames,
differenced so that the slow rise and fall common to any two speakers does
not count, only the onsets) is compared over the last few seconds, with the
microphone allowed to lag the system audio by up to ``max_lag_ms``.  Speaker
echo reproduces the system audio's onsets, so the normalised correlation is
high at the acoustic delay; two independent voices stay near zero.  It is
checked once per ``hop_s`` while the system audio is active, and must hold
``confirmations`` times in a row.  On the LibriVox clips two independent
voices measured at most 0.21, simulated speaker echo (a 0.1–0.3 s delay,
attenuated, with a room tail and microphone noise) 0.42–0.76.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

FRAME_SAMPLES = 160  # 10 ms at 16 kHz
FRAME_MS = 10
_FLOOR_DB = -70.0
_ACTIVE_DB = -45.0  # a 10 ms frame louder than this counts as sound

ECHO_HINT = (
    "Your microphone is picking up the call audio from your speakers, so some of "
    "their words may be shown as yours. Use headphones for cleaner captions."
)


def frame_energies_db(chunk: bytes) -> np.ndarray:
    """Log energy (dBFS) of each 10 ms frame of 16 kHz s16le audio."""
    import numpy as np  # here, not at the top: the controller imports ECHO_HINT at start-up

    samples = np.frombuffer(chunk, dtype="<i2").astype(np.float32) / 32768.0
    usable = samples.size - samples.size % FRAME_SAMPLES
    if usable == 0:
        return np.zeros(0, dtype=np.float32)
    frames = samples[:usable].reshape(-1, FRAME_SAMPLES)
    power = np.mean(np.square(frames), axis=1)
    return np.maximum(10.0 * np.log10(power + 1e-12), _FLOOR_DB).astype(np.float32)


class EchoDetector:
    """Feed both sides' chunks in lock-step; :meth:`feed` returns True once, on detection."""

    def __init__(
        self,
        *,
        window_s: float = 4.0,
        hop_s: float = 0.5,
        max_lag_ms: int = 400,
        threshold: float = 0.4,
        confirmations: int = 2,
        min_active: float = 0.25,
    ) -> None:
        frames = int(window_s * 1000 / FRAME_MS)
        self._mic: deque[float] = deque(maxlen=frames)
        self._system: deque[float] = deque(maxlen=frames)
        self._hop_frames = max(1, int(hop_s * 1000 / FRAME_MS))
        self._max_lag = max(0, max_lag_ms // FRAME_MS)
        self._threshold = threshold
        self._confirmations = confirmations
        self._min_active = min_active
        self._since_check = 0
        self._streak = 0
        self.detected = False
        self.correlation = 0.0  # the last measured value (for tests and tuning)

    def feed(self, mic: bytes, system: bytes) -> bool:
        mic_db, system_db = frame_energies_db(mic), frame_energies_db(system)
        n = min(mic_db.size, system_db.size)
        self._mic.extend(mic_db[:n].tolist())
        self._system.extend(system_db[:n].tolist())
        self._since_check += n
        if self.detected or self._since_check < self._hop_frames:
            return False
        if len(self._system) < self._system.maxlen:  # type: ignore[operator]
            return False
        self._since_check = 0
        self.correlation = self._measure()
        if self.correlation >= self._threshold:
            self._streak += 1
        else:
            self._streak = 0
        if self._streak >= self._confirmations:
            self.detected = True
            return True
        return False

    def reset(self) -> None:
        self._mic.clear()
        self._system.clear()
        self._streak = 0
        self._since_check = 0

    def _measure(self) -> float:
        import numpy as np

        system = np.asarray(self._system, dtype=np.float64)
        mic = np.asarray(self._mic, dtype=np.float64)
        # Silence on either side proves nothing: the system side must be
        # talking and the microphone must hear something.
        if np.mean(system > _ACTIVE_DB) < self._min_active:
            return 0.0
        if np.mean(mic > _ACTIVE_DB) < self._min_active / 2:
            return 0.0
        x = np.diff(system)
        y = np.diff(mic)
        best = 0.0
        for lag in range(self._max_lag + 1):
            a = x[: x.size - lag] if lag else x
            b = y[lag:]
            a = a - a.mean()
            b = b - b.mean()
            denom = float(np.sqrt(np.dot(a, a) * np.dot(b, b)))
            if denom <= 0:
                continue
            best = max(best, float(np.dot(a, b)) / denom)
        return best
