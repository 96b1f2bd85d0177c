"""Pure-Python core: the transcript model and what is built on it (no Qt)."""
