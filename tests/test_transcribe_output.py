"""Where the printed transcript goes: a failure to print it is said, never passed over.

A closed pipe (``| head``) is normal and stays quiet; a full disk lost the whole
transcript with exit status 0, and an output encoding without the text's letters
(cp1252, as Windows redirects) printed nothing at all for the run.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys

from captioner.core.transcript import TurnUpdate, Word
from captioner.transcribe_printer import TurnPrinter
from tests.test_transcribe import CLIP


def test_letters_the_output_cannot_encode_are_replaced_not_the_whole_line_lost() -> None:
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="cp1252", write_through=True)
    printer = TurnPrinter(out, expect_formatted=False)
    words = (Word("Łódź", 0, 400), Word("tomorrow", 450, 900))
    printer.on_final(TurnUpdate("t:0", 0, "Łódź tomorrow", words, end_of_turn=True))
    assert "?\xf3d? tomorrow" in raw.getvalue().decode("cp1252")
    assert printer.output_problem == ""


def test_a_full_disk_on_stdout_is_said_and_fails_the_run() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "captioner", "transcribe", str(CLIP), "--engine", "offline"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            env=env,
        )
    assert result.returncode == 1
    assert "The transcript could not be printed" in result.stderr
    assert "Traceback" not in result.stderr
