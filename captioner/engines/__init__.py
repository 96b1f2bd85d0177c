"""Recognition engines: audio chunks in, turn updates out (no Qt)."""
