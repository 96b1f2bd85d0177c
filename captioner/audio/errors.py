"""Audio failures, worded for the person who picked the device or file."""


class AudioError(Exception):
    """A device could not be opened or vanished, or a file is not usable audio.

    ``str(error)`` is a complete sentence that names the device or file.
    """


def reason(exc: BaseException) -> str:
    """An exception's own words without a trailing full stop (the caller ends the sentence)."""
    text = str(exc).strip().rstrip(".")
    return text or type(exc).__name__
