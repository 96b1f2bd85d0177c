"""Audio sources: devices and WAV files, converted to 16 kHz mono s16le 50 ms chunks (no Qt)."""
