"""PyInstaller entry script for the frozen app: the same ``main`` as ``captioner``."""

import multiprocessing
import sys

from captioner.__main__ import main

if __name__ == "__main__":
    # The offline engine decodes finished utterances in a child process
    # ("spawn": it re-runs this executable with --multiprocessing-fork);
    # freeze_support() turns such a run into that child instead of the app.
    multiprocessing.freeze_support()
    sys.exit(main())
