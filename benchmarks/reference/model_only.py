"""PocketSphinx's default en-US model loaded, and nothing else: "the model's own size".

The reference for the offline engine's idle memory (benchmarks/footprint.py):
issue 14 allows Captioner idle with the offline engine chosen the model's own
size plus at most 80 MB.  Loads the model (a plain ``Decoder()``), prints
``ready`` and waits for SIGINT.
"""

import signal

from pocketsphinx import Decoder

signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl+C ends it at once
decoder = Decoder()
print("ready", flush=True)
signal.pause()
