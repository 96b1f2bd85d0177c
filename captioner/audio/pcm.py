"""The one PCM format every engine consumes, as plain numbers (no numpy, no soxr).

Modules loaded before the main window shows (early capture, the run starter) need
the chunk length but not the converter; keeping the constants here lets them
avoid importing numpy and soxr (~15 MB, 70–180 ms) until a run opens a source.
"""

from __future__ import annotations

TARGET_RATE = 16000
CHUNK_MS = 50
CHUNK_SAMPLES = TARGET_RATE * CHUNK_MS // 1000  # 800
CHUNK_BYTES = CHUNK_SAMPLES * 2  # 1600: s16le mono


def take_chunks(pending: bytearray) -> list[bytes]:
    """Cut every whole chunk off the front of ``pending``; a partial one stays for later."""
    whole = len(pending) - len(pending) % CHUNK_BYTES
    chunks = [bytes(pending[at : at + CHUNK_BYTES]) for at in range(0, whole, CHUNK_BYTES)]
    del pending[:whole]
    return chunks
